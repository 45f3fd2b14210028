# ordinary programs still work: threads, subprocess, multiprocessing via fork.
# expect: ok
# stdout-has: sh works
# stdout-has: [0, 1, 4, 9]
import subprocess, threading, multiprocessing
t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()
print(subprocess.run(["/bin/sh", "-c", "echo sh works"], capture_output=True, text=True).stdout.strip())
with multiprocessing.get_context("fork").Pool(2) as pool:
    print(pool.map(abs, [0, -1, -4, -9]) and [x * x for x in range(4)])
