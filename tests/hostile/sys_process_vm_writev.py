# write another process's memory: refused and named.
# expect: forbidden_syscall
# syscall: process_vm_writev
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(311, 1, 0, 0, 0, 0, 0)
print("returned", r, ctypes.get_errno())
