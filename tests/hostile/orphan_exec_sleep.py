# a grandchild exec'd into another program, left running.
# expect: ok
# host-check: no-process
import os, sys
if os.fork() == 0:
    os.setsid()
    os.execv("/bin/sleep", ["sleep", "60", sys.argv[1]])
print("left it running")
