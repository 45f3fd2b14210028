# ignore SIGXCPU and SIGTERM and spin: RLIMIT_CPU soft = hard means SIGKILL.
# expect: timeout
# limits: cpu_ms=800 wall_ms=3000
import signal
for s in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)
while True:
    pass
