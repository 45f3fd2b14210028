# fill the work directory: a private size-capped tmpfs.
# expect: runtime_error
# stdout-has: full
i = 0
try:
    while True:
        with open(f"/work/fill{i}", "wb") as f:
            for _ in range(8):
                f.write(b"d" * (1 << 20))
        i += 1
except OSError as e:
    print("full after", i, "files", e.errno, flush=True)
    raise
