# swap: refused and named.
# expect: forbidden_syscall
# syscall: swapon
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(167, b'/work/x', 0)
print("returned", r, ctypes.get_errno())
