# flood stdout: the supervisor keeps the first bytes and stops it.
# expect: output_limit
import os
while True:
    os.write(1, b"o" * 65536)
