// Binding a cpp-httplib server for many concurrent clients.
#pragma once

#include <httplib.h>
#include <string>
#include <sys/socket.h>

namespace assay::tools {

// Binds `server` to host:port (port 0: any free port) and returns the port, or -1. cpp-httplib
// listens with a backlog of 5, so a burst of new connections beyond it waits for a SYN
// retransmission (a second); listening again on the same socket deepens the queue. Also lifts
// the limit of requests per kept-alive connection.
inline int bind_for_bursts(httplib::Server& server, const std::string& host, int port) {
    int listener = -1;
    server.set_socket_options([&listener](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        listener = sock;
    });
    server.set_keep_alive_max_count(100'000);
    const bool bound =
        port == 0 ? (port = server.bind_to_any_port(host)) > 0 : server.bind_to_port(host, port);
    if (!bound) return -1;
    if (listener >= 0) ::listen(listener, SOMAXCONN);
    return port;
}

} // namespace assay::tools
