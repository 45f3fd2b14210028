# burn CPU forever.
# expect: timeout
# limits: cpu_ms=800 wall_ms=3000
while True:
    pass
