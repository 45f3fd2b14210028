# open descriptors until RLIMIT_NOFILE.
# expect: ok
# stdout-has: EMFILE
import errno, os
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print("EMFILE" if e.errno == errno.EMFILE else e, len(fds))
