# detach the work dir: refused and named.
# expect: forbidden_syscall
# syscall: umount2
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(166, b'/work', 2)
print("returned", r, ctypes.get_errno())
