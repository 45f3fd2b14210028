# filesystem-wide notification: refused and named.
# expect: forbidden_syscall
# syscall: fanotify_init
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(300, 0, 0)
print("returned", r, ctypes.get_errno())
