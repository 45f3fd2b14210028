# setsid double-fork daemon that tries to outlive the run.
# expect: ok
# stdout-has: parent gone
# host-check: no-process
# host-check: no-file /tmp/assay-pwned-daemon
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        time.sleep(3)
        open("/tmp/assay-pwned-daemon", "w").write("survived")
        os._exit(0)
    os._exit(0)
time.sleep(0.1)
print("parent gone", flush=True)
