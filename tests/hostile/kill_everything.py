# kill(-1) and every PID it can think of, including its parent: only the jail is reachable.
# expect: ok
# stdout-has: still here
# host-check: sentinel
import os, signal
for sig in (signal.SIGKILL, signal.SIGTERM):
    try:
        os.kill(-1, sig)
    except OSError:
        pass
for pid in range(0, 4096):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
print("still here", os.getppid())
