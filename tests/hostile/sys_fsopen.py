# new mount API: refused and named.
# expect: forbidden_syscall
# syscall: fsopen
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(430, b'tmpfs', 0)
print("returned", r, ctypes.get_errno())
