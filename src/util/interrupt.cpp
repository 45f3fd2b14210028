#include "util/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <cstring>

namespace assay::util {

namespace {

std::atomic<int> g_signal{0};

extern "C" void on_stop_signal(int signal) {
    // A second signal: the user means it. Default action, raised again (async-signal-safe).
    if (g_signal.exchange(signal) != 0) {
        std::signal(signal, SIG_DFL);
        std::raise(signal);
    }
}

} // namespace

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signal : {SIGINT, SIGTERM})
        sigaction(signal, &action, nullptr);
}

int stop_signal() {
    return g_signal.load();
}

void clear_stop_signal() {
    g_signal.store(0);
}

Unexpected interrupted() {
    const int signal = stop_signal();
    Error error{fmt::format("interrupted by {}", signal == SIGTERM ? "SIGTERM" : "SIGINT"),
                {},
                ErrorKind::interrupted};
    error.signal = signal;
    return Unexpected(std::move(error));
}

} // namespace assay::util
