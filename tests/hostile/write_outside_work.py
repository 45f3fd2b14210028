# write everywhere outside /work: root, toolchain, /etc, /proc/sys, host paths.
# expect: ok
# stdout-has: refused everywhere
# host-check: no-file /assay-pwned-write
# host-check: no-file /usr/assay-pwned-write
# host-check: no-file /etc/assay-pwned-write
# host-check: no-file /usr/bin/assay-pwned-write
# host-check: no-file /root/assay-pwned-write
import os
wrote = []
for path in ["/assay-pwned-write", "/usr/assay-pwned-write", "/etc/assay-pwned-write",
             "/usr/bin/assay-pwned-write", "/root/assay-pwned-write", "/dev/assay-pwned-write",
             "/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger",
             "/usr/lib/python3/dist-packages/assay_pwned.py"]:
    try:
        with open(path, "w") as f:
            f.write("pwned\n")
        wrote.append(path)
    except OSError:
        pass
for d in ["/usr/bin", "/etc", "/"]:
    try:
        os.mkdir(d + "/assay-pwned-dir")
        wrote.append(d)
    except OSError:
        pass
try:
    os.chmod("/usr/bin/python3", 0o777)
    wrote.append("chmod")
except OSError:
    pass
print("WROTE", wrote) if wrote else print("refused everywhere")
