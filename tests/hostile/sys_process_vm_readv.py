# read another process's memory: refused and named.
# expect: forbidden_syscall
# syscall: process_vm_readv
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(310, 1, 0, 0, 0, 0, 0)
print("returned", r, ctypes.get_errno())
