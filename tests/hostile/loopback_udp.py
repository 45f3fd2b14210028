# send a datagram to a host UDP socket on 127.0.0.1.
# expect: forbidden_syscall
# syscall: socket
# host-check: loopback-udp
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"pwned", ("127.0.0.1", int(sys.argv[2])))
