# classic chroot escape set-up: refused and named.
# expect: forbidden_syscall
# syscall: chroot
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(161, b'/tmp')
print("returned", r, ctypes.get_errno())
