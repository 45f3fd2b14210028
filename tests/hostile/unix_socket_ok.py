# AF_UNIX sockets are allowed (multiprocessing, asyncio need them).
# expect: ok
# stdout-has: b'ping'
import socket
a, b = socket.socketpair()
a.send(b"ping")
print(b.recv(4))
