# load a new kernel: refused and named.
# expect: forbidden_syscall
# syscall: kexec_file_load
# stdout-lacks: returned
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(320, 0, 0, 0, 0, 0)
print("returned", r, ctypes.get_errno())
