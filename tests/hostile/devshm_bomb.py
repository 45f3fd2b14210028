# fill /dev/shm: a private size-capped tmpfs, not the host's.
# expect: runtime_error
# stdout-has: full
# host-check: no-file /dev/shm/assay-pwned-devshm
import os
try:
    for i in range(100):
        with open(f"/dev/shm/assay-pwned-devshm" if i == 0 else f"/dev/shm/f{i}", "wb") as f:
            for _ in range(8):
                f.write(b"s" * (1 << 20))
except OSError as e:
    print("full", e.errno, flush=True)
    raise
