# raw I/O port access: refused and named.
# expect: forbidden_syscall
# syscall: iopl
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(172, 3)
print("returned", r, ctypes.get_errno())
