# raw I/O port access: refused and named.
# expect: forbidden_syscall
# syscall: ioperm
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(173, 0, 1024, 1)
print("returned", r, ctypes.get_errno())
