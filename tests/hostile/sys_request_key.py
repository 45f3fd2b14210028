# kernel keyring: refused and named.
# expect: forbidden_syscall
# syscall: request_key
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(249, b'user', b'x', 0, 0)
print("returned", r, ctypes.get_errno())
