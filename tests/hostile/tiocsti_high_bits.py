# TIOCSTI with garbage in the upper 32 bits: the kernel truncates, the filter must too.
# expect: forbidden_syscall
# syscall: ioctl
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
c = ctypes.c_char(b"x")
print("returned", libc.syscall(16, 0, ctypes.c_ulong(0x100005412), ctypes.byref(c)))
