# unbounded recursion (Python 3.11 frames live on the heap): a crash or the memory cap.
# expect: runtime_error|memory_limit
import sys
sys.setrecursionlimit(10 ** 8)
def down(n):
    return down(n + 1) + 1
down(0)
