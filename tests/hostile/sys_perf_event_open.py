# perf events: refused and named.
# expect: forbidden_syscall
# syscall: perf_event_open
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(298, 0, 0, -1, -1, 0)
print("returned", r, ctypes.get_errno())
