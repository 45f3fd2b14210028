// Self-contained Python tests for exported rows: what the harness runs, as a plain script.
#pragma once

#include "core/problem.hpp"

#include <string>

namespace assay::exports {

// Python that, appended to a program (`program + "\n\n" + script`) and run by python3, binds
// `candidate` to the problem's entry point, runs the test setup, then runs every test case on
// its own copy of the namespace (as the harness does: a failing case does not stop the next),
// prints one line per failure and a count, and exits 1 if any case failed or the setup raised.
// A program that loops forever makes it loop too: run it under a timeout.
[[nodiscard]] std::string test_script(const Problem& problem);

} // namespace assay::exports
