# create empty files until the inode cap.
# expect: runtime_error
# stdout-has: out of inodes
import os
i = 0
try:
    while True:
        open(f"/tmp/i{i}", "w").close()
        i += 1
except OSError as e:
    print("out of inodes after", i, e.errno, flush=True)
    raise
