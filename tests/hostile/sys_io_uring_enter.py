# io_uring: refused and named.
# expect: forbidden_syscall
# syscall: io_uring_enter
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(426, 0, 0, 0, 0, 0, 0)
print("returned", r, ctypes.get_errno())
