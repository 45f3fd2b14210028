# shocker-style escape: refused and named.
# expect: forbidden_syscall
# syscall: open_by_handle_at
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(304, 0, 0, 0)
print("returned", r, ctypes.get_errno())
