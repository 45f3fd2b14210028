// Stopping cleanly on SIGINT and SIGTERM: the handler only records the signal; the work loops
// (the jail executor's job queue, the LLM client's transfer loop) look at it, stop taking new
// work, and the command unwinds through its Expected errors (ErrorKind::interrupted, exit
// 128 + the signal) so that open transactions roll back and the run is marked `interrupted`.
#pragma once

#include "util/error.hpp"

namespace assay::util {

// Installs the handlers for SIGINT and SIGTERM. A second signal while stopping ends the process
// at once with the default action (no cleanup: what was committed stays committed).
void install_stop_handlers();

// The signal that asked the command to stop, or 0.
[[nodiscard]] int stop_signal();

// Forgets a recorded signal (for tests).
void clear_stop_signal();

// The error a loop returns when it stops for stop_signal(): kind interrupted, exit 128 + signal.
[[nodiscard]] Unexpected interrupted();

} // namespace assay::util
