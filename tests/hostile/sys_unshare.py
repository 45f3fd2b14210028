# new user namespace (to regain capabilities): refused and named.
# expect: forbidden_syscall
# syscall: unshare
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(272, 0x10000000)
print("returned", r, ctypes.get_errno())
