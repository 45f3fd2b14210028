# clone3 hides its flags in memory: refused with ENOSYS so libc falls back to clone.
# expect: ok
# stdout-has: clone3 -1 38
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
args = (ctypes.c_uint64 * 11)(0x10000000)
print("clone3", libc.syscall(435, args, 88), ctypes.get_errno())
