# push characters into the controlling terminal's input queue.
# expect: forbidden_syscall
# syscall: ioctl
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
c = ctypes.c_char(b"x")
print("returned", libc.ioctl(0, 0x5412, ctypes.byref(c)))
