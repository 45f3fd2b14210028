# attach to PID 1: refused and named.
# expect: forbidden_syscall
# syscall: ptrace
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(101, 16, 1, 0, 0)
print("returned", r, ctypes.get_errno())
