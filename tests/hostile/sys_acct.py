# process accounting: refused and named.
# expect: forbidden_syscall
# syscall: acct
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(163, b'/work/acct')
print("returned", r, ctypes.get_errno())
