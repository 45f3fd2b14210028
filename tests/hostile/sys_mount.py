# mount a tmpfs: refused and named.
# expect: forbidden_syscall
# syscall: mount
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(165, b'none', b'/tmp', b'tmpfs', 0, 0)
print("returned", r, ctypes.get_errno())
