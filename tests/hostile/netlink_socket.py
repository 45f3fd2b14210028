# netlink socket (kernel attack surface, interface configuration).
# expect: forbidden_syscall
# syscall: socket
import socket
socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
