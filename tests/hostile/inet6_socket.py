# IPv6 socket to the loopback.
# expect: forbidden_syscall
# syscall: socket
# host-check: loopback-tcp
import socket, sys
socket.create_connection(("::1", int(sys.argv[2])), timeout=1)
