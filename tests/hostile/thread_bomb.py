# start threads until the pids limit refuses more.
# expect: runtime_error|memory_limit
# host-check: no-process
import threading, time
while True:
    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
