# kernel keyring: refused and named.
# expect: forbidden_syscall
# syscall: add_key
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(248, b'user', b'x', b'y', 1, -2)
print("returned", r, ctypes.get_errno())
