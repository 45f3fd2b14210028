# grow the heap without bound.
# expect: memory_limit
# limits: memory_mb=128
chunks = []
while True:
    chunks.append(b"x" * (1 << 20))
