# connect to a listener the host opened on 127.0.0.1 (the jail has no network).
# expect: forbidden_syscall
# syscall: socket
# host-check: loopback-tcp
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=1)
s.sendall(b"pwned")
