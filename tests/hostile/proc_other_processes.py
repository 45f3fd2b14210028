# look for host processes through /proc: only the jail's own PID namespace is there.
# expect: ok
# stdout-has: only self
import os
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print("only self" if pids == [os.getpid()] and os.getpid() == 1 else f"SEEN {pids}")
