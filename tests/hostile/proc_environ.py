# dump every environment the jail can see: its own, PID 1's, every /proc entry's.
# expect: ok
# host-check: secret
import os
print(dict(os.environ))
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            print(pid, open(f"/proc/{pid}/environ", "rb").read())
            print(pid, open(f"/proc/{pid}/cmdline", "rb").read())
        except OSError as e:
            print(pid, e)
