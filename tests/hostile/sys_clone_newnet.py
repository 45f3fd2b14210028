# clone into a new network namespace: refused and named.
# expect: forbidden_syscall
# syscall: clone
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(56, 0x40000000 | 17, 0, 0, 0, 0)
print("returned", r, ctypes.get_errno())
