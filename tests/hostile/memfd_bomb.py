# anonymous files (memfd) are memory too: each under RLIMIT_FSIZE, together over the cgroup.
# expect: memory_limit
# limits: memory_mb=128
import os
fds = []
while True:
    fd = os.memfd_create("bomb")
    for _ in range(15):
        os.write(fd, b"m" * (1 << 20))
    fds.append(fd)
