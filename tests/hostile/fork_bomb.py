# classic fork bomb that ignores failures and keeps spinning.
# expect: timeout
# limits: cpu_ms=1000 wall_ms=3000
# host-check: no-process
# host-check: sentinel
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
