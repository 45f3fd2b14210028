// Running independent work items on a fixed number of threads.
#pragma once

#include <cstddef>
#include <functional>

namespace assay::pipeline {

// Calls body(i) for i in [0, count) on `threads` threads; returns when all are done. body must
// not throw (a throwing body terminates).
void parallel_for(int threads, std::size_t count, const std::function<void(std::size_t)>& body);

} // namespace assay::pipeline
