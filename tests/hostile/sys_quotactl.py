# quotas: refused and named.
# expect: forbidden_syscall
# syscall: quotactl
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(179, 0, b'/', 0, 0)
print("returned", r, ctypes.get_errno())
