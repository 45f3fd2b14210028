# change the root: refused and named.
# expect: forbidden_syscall
# syscall: pivot_root
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(155, b'/tmp', b'/tmp')
print("returned", r, ctypes.get_errno())
