#include "pipeline/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace assay::pipeline {

void parallel_for(int threads, std::size_t count, const std::function<void(std::size_t)>& body) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++)
            body(i);
    };
    const auto n = static_cast<std::size_t>(std::max(1, threads));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < std::min(n, count); ++t)
        pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool)
        t.join();
}

} // namespace assay::pipeline
