# io_uring (bypasses seccomp per-op): refused and named.
# expect: forbidden_syscall
# syscall: io_uring_setup
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(425, 8, 0)
print("returned", r, ctypes.get_errno())
