# load a kernel module: refused and named.
# expect: forbidden_syscall
# syscall: finit_module
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(313, 0, b'', 0)
print("returned", r, ctypes.get_errno())
