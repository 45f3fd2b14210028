# escape via /proc/self/root, /proc/1/root, '..' from /work and symlinks.
# expect: ok
# stdout-has: contained
import os
seen = set()
for base in ["/proc/self/root", "/proc/1/root", "/work/../../..", "/proc/self/cwd/../.."]:
    seen.add(tuple(sorted(os.listdir(base))))
os.symlink("/../../../../etc", "/work/up")
seen.add(tuple(sorted(os.listdir("/work/up/.."))))
os.chdir("/work")
for _ in range(20):
    os.chdir("..")
seen.add(tuple(sorted(os.listdir("."))))
escaped = any("home" in s or "root" in s or "boot" in s for s in seen) or os.path.exists("/work/up/shadow")
print("ESCAPED", seen) if escaped else print("contained")
