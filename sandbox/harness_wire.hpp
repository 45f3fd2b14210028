// The fast path's wire (internal to sandbox/harness*.cpp): job and result frames on the
// control sockets, the memfds that carry code and tests, the trace, typed reads of JSON that
// came out of a jail. The slot machinery that uses them is sandbox/harness.cpp.
#pragma once

#include "sandbox/harness.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

namespace assay::sandbox::wire {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxResultBytes = 32u << 20;
constexpr int kStartTimeoutMs = 15'000;
constexpr int kDeadlineMarginMs = 3'000;
constexpr int kCpuPollMs = 50; // how often the runner jail's CPU count is read during a job

// A sealed-size memfd holding `content`, positioned at its start.
Expected<util::Fd> memfd_with(const char* name, std::string_view content);

// 16 random bytes from the kernel, as hex: a job's result-line nonce.
std::string make_nonce();

// `message` as one frame: a 4-byte big-endian length, then the JSON.
std::string frame(const json& message);

// Sends one frame with descriptors attached (SCM_RIGHTS).
Expected<void> send_frame(int socket, const std::string& bytes, const std::vector<int>& fds);

// Accumulates bytes from the control socket and yields whole frames.
class FrameReader {
  public:
    // Reads what is available; false on EOF or error.
    bool fill(int fd) {
        char buffer[65536];
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) return errno == EINTR || errno == EAGAIN;
        if (n == 0) return false;
        data_.append(buffer, static_cast<std::size_t>(n));
        return true;
    }
    std::optional<json> next() {
        if (data_.size() < 4) return std::nullopt;
        const auto* p = reinterpret_cast<const unsigned char*>(data_.data());
        const std::size_t size = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                                 (std::size_t{p[2]} << 8) | std::size_t{p[3]};
        if (data_.size() < 4 + size) return std::nullopt;
        json message = json::parse(data_.begin() + 4, data_.begin() + 4 + static_cast<long>(size),
                                   nullptr, false);
        data_.erase(0, 4 + size);
        return message;
    }

  private:
    std::string data_;
};

// ASSAY_FASTPATH_TRACE=1: one JSON line per job on stderr with the supervisor's view of its
// phases (ms since the slot took the job: "runner_sent", "judge_sent", "runner_reply",
// "judge_reply", "results_eof", "done") and each worker's own
// phases_ms. For measuring only.
bool tracing();

class Trace {
  public:
    Trace() {
        if (tracing()) start_ = Clock::now();
    }
    void mark(const char* name) {
        if (tracing()) marks_.emplace_back(name, Clock::now());
    }
    void print(const json& runner_reply, const json& judge_reply) const {
        if (!tracing()) return;
        json phases = json::object();
        for (const auto& [name, at] : marks_)
            phases[name] = std::chrono::duration<double, std::milli>(at - start_).count();
        auto zygote = [](const json& reply) {
            if (!reply.is_object()) return json();
            json own = reply.value("phases_ms", json());
            if (own.is_object()) own["clean"] = reply.value("clean", json());
            return own;
        };
        const json line = {{"fastpath_trace", phases},
                           {"runner", zygote(runner_reply)},
                           {"judge", zygote(judge_reply)}};
        std::fputs((line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n").c_str(),
                   stderr);
    }

  private:
    Clock::time_point start_{};
    std::vector<std::pair<const char*, Clock::time_point>> marks_;
};

// Milliseconds until `deadline`, 0 once it has passed.
int remaining_ms(Clock::time_point deadline);

// Whether `object` has `key` set to true (anything else, of any type, reads as false).
bool flag(const json& object, const char* key);

// A result for a job that never ran: every case an error saying why.
JobResult not_run(const HarnessJob& job, std::string message);

// One job through a serve() loop (a slot's or the pool's): the source gives it once.
template <typename Serve> JobResult run_alone(const HarnessJob& job, Serve serve) {
    std::optional<JobResult> result;
    bool given = false;
    serve(
        [&]() -> std::optional<std::pair<std::size_t, const HarnessJob*>> {
            if (given) return std::nullopt;
            given = true;
            return std::pair{std::size_t{0}, &job};
        },
        [&](std::size_t, JobResult r) { result = std::move(r); });
    return result ? std::move(*result) : not_run(job, "the job was not run");
}

} // namespace assay::sandbox::wire
