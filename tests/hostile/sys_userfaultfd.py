# userfaultfd (race amplifier): refused and named.
# expect: forbidden_syscall
# syscall: userfaultfd
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(323, 0)
print("returned", r, ctypes.get_errno())
