# use no CPU, never finish: the wall clock ends it.
# expect: timeout
# limits: wall_ms=800
import time
time.sleep(10 ** 6)
