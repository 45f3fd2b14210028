# load a kernel module: refused and named.
# expect: forbidden_syscall
# syscall: init_module
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(175, 0, 0, b'')
print("returned", r, ctypes.get_errno())
