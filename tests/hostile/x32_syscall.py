# an x32 system call number: foreign ABI, process killed.
# expect: forbidden_syscall
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("returned", libc.syscall(39 | 0x40000000))
