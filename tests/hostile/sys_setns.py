# join another namespace: refused and named.
# expect: forbidden_syscall
# syscall: setns
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(308, 0, 0)
print("returned", r, ctypes.get_errno())
