# remount the read-only root writable through libc.
# expect: forbidden_syscall
# syscall: mount
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
print("returned", libc.mount(None, b"/", None, MS_REMOUNT | MS_BIND, None))
