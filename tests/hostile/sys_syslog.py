# read the kernel log: refused and named.
# expect: forbidden_syscall
# syscall: syslog
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(103, 3, 0, 0)
print("returned", r, ctypes.get_errno())
