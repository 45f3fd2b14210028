# swap: refused and named.
# expect: forbidden_syscall
# syscall: swapoff
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(168, b'/work/x')
print("returned", r, ctypes.get_errno())
