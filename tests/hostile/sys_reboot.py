# reboot the host: refused and named.
# expect: forbidden_syscall
# syscall: reboot
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(169, 0xfee1dead, 672274793, 0x4321fedc, 0)
print("returned", r, ctypes.get_errno())
