# read host secrets: /etc/shadow, /root, the project tree, the host's /proc/1.
# expect: ok
# stdout-lacks: LEAK
# stdout-has: nothing readable
# host-check: secret
import os
leaks = []
for path in ["/etc/shadow", "/etc/passwd", "/etc/hostname", "/root/.bashrc", "/root/.ssh",
             "/work/wt-jail/CMakeLists.txt", "/work/main/CMakeLists.txt", "/home", "/sys/kernel",
             "/var/log", "/boot"]:
    if os.path.exists(path):
        leaks.append(path)
for path in ["/proc/kallsyms", "/proc/kcore", "/proc/keys", "/proc/timer_list"]:
    try:
        if open(path, "rb").read(64):
            leaks.append(path)
    except OSError:
        pass
env = open("/proc/1/environ", "rb").read()
if b"ASSAY_API_KEY" in env or b"sk-test" in env:
    leaks.append("/proc/1/environ")
print("LEAK", leaks) if leaks else print("nothing readable")
