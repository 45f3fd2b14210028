# SysV shared memory and message queues: EPERM (memory outside the tmpfs caps).
# expect: ok
# stdout-has: shmget -1 1
# stdout-has: msgget -1 1
# stdout-has: semget -1 1
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("shmget", libc.shmget(0, 64 << 20, 0o1600), ctypes.get_errno())
print("msgget", libc.msgget(0, 0o1600), ctypes.get_errno())
print("semget", libc.semget(0, 1, 0o1600), ctypes.get_errno())
