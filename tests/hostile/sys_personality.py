# READ_IMPLIES_EXEC: refused and named.
# expect: forbidden_syscall
# syscall: personality
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(135, 0x0400000)
print("returned", r, ctypes.get_errno())
