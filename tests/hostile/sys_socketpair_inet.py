# non-AF_UNIX socketpair: refused and named.
# expect: forbidden_syscall
# syscall: socketpair
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(53, 2, 1, 0, ctypes.create_string_buffer(8))
print("returned", r, ctypes.get_errno())
