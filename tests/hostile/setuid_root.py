# become root inside: no mapping, no capabilities.
# expect: ok
# stdout-has: still 1000
import os
for f in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setgroups([0]), lambda: os.chown("/work", 0, 0)):
    try:
        f()
        print("CHANGED")
    except OSError:
        pass
print("still", os.getuid())
