# console ioctl.
# expect: forbidden_syscall
# syscall: ioctl
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
c = ctypes.c_char(b"\x03")
print("returned", libc.ioctl(1, 0x541C, ctypes.byref(c)))
