# unload a kernel module: refused and named.
# expect: forbidden_syscall
# syscall: delete_module
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(176, b'ext4', 0)
print("returned", r, ctypes.get_errno())
