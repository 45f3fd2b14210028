# file handles: refused and named.
# expect: forbidden_syscall
# syscall: name_to_handle_at
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(303, 0, b'/', 0, 0, 0)
print("returned", r, ctypes.get_errno())
