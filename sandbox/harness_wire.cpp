#include "sandbox/harness_wire.hpp"

#include "sandbox/verdict_policy.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <poll.h>
#include <string_view>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <tuple>

namespace assay::sandbox {

using util::Fd;
using wire::Clock;
using wire::json;

namespace wire {

Expected<Fd> memfd_with(const char* name, std::string_view content) {
    Fd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) return fail_env("memfd_create: {}", std::strerror(errno));
    for (std::size_t done = 0; done < content.size();) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail_env("writing a memfd: {}", std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) return fail_env("lseek: {}", std::strerror(errno));
    return fd;
}

std::string make_nonce() {
    std::array<unsigned char, 16> bytes{};
    for (std::size_t got = 0; got < bytes.size();) {
        const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (n > 0) got += static_cast<std::size_t>(n);
    }
    std::string out;
    for (unsigned char b : bytes)
        out += fmt::format("{:02x}", b);
    return out;
}

std::string frame(const json& message) {
    const std::string body = message.dump();
    const auto size = static_cast<std::uint32_t>(body.size());
    std::string out = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                       static_cast<char>(size >> 8), static_cast<char>(size)};
    return out + body;
}

// Sends one frame with descriptors attached (SCM_RIGHTS).
Expected<void> send_frame(int socket, const std::string& bytes, const std::vector<int>& fds) {
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* header = CMSG_FIRSTHDR(&msg);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    while (sent >= 0 && static_cast<std::size_t>(sent) < bytes.size()) {
        const ssize_t more = ::send(socket, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (more < 0) return fail_env("sending a job: {}", std::strerror(errno));
        sent += more;
    }
    if (sent < 0) return fail_env("sending a job: {}", std::strerror(errno));
    return {};
}

bool tracing() {
    static const bool on = [] {
        const char* value = std::getenv("ASSAY_FASTPATH_TRACE");
        return value != nullptr && *value != '\0' && std::string_view(value) != "0";
    }();
    return on;
}

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

// Typed reads of JSON that came out of a jail: a member of the wrong type reads as absent, and
// nothing here throws (nlohmann's value() throws on a type mismatch).
const json& member(const json& object, const char* key) {
    static const json absent;
    const auto it = object.find(key); // end() for anything but an object
    return it == object.end() ? absent : *it;
}
bool flag(const json& object, const char* key) {
    const json& v = member(object, key);
    return v.is_boolean() && v.get<bool>();
}
std::string text(const json& object, const char* key) {
    const json& v = member(object, key);
    return v.is_string() ? v.get<std::string>() : std::string();
}
long integer(const json& object, const char* key, long fallback = 0) {
    const json& v = member(object, key);
    if (v.is_number_unsigned())
        return static_cast<long>(std::min<std::uint64_t>(v.get<std::uint64_t>(), LONG_MAX));
    if (v.is_number_integer()) return v.get<long>();
    return fallback;
}
double number(const json& object, const char* key) {
    const json& v = member(object, key);
    return v.is_number() ? v.get<double>() : 0.0;
}

// Why a record of this job's result channel is malformed (a member of the wrong type, a
// required one missing), or empty. Records come from the judge, next to test code of the
// problem file's author; one that breaks the contract fails the job as internal_error.
std::string malformed(const json& record) {
    auto check = [&record](const char* key, bool required, bool (json::*is)() const noexcept,
                           const char* want) -> std::string {
        const auto it = record.find(key);
        if (it == record.end()) return required ? fmt::format("'{}' is missing", key) : "";
        if (!((*it).*is)()) return fmt::format("'{}' is {}, not {}", key, it->type_name(), want);
        return "";
    };
    std::vector<std::string> problems;
    auto add = [&problems](std::string why) {
        if (!why.empty()) problems.push_back(std::move(why));
    };
    add(check("nonce", true, &json::is_string, "a string"));
    add(check("done", false, &json::is_boolean, "a boolean"));
    add(check("message", false, &json::is_string, "a string"));
    if (flag(record, "done")) {
        add(check("count", true, &json::is_number_integer, "an integer"));
        add(check("load", false, &json::is_string, "a string"));
        add(check("load_failure", false, &json::is_string, "a string"));
        const std::string failure = text(record, "load_failure");
        if (!failure.empty() && failure != "compile" && failure != "timeout" && failure != "error")
            add(fmt::format("'load_failure' is '{}'", failure));
    } else {
        add(check("i", true, &json::is_number_integer, "an integer"));
        add(check("verdict", true, &json::is_string, "a string"));
        add(check("name", false, &json::is_string, "a string"));
        add(check("ms", false, &json::is_number, "a number"));
        add(check("runner_died", false, &json::is_boolean, "a boolean"));
        if (record.contains("verdict") && record["verdict"].is_string() &&
            !parse_test_verdict(record["verdict"].get<std::string>()))
            add(fmt::format("'verdict' is '{}'", record["verdict"].get<std::string>()));
    }
    return problems.empty() ? std::string() : fmt::format("{}", fmt::join(problems, ", "));
}

std::string excerpt(std::string_view line) {
    constexpr std::size_t kMax = 200;
    std::string out(line.substr(0, kMax));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return line.size() > kMax ? out + "..." : out;
}

JobResult not_run(const HarnessJob& job, std::string message) {
    JobResult r;
    r.message = std::move(message);
    for (const HarnessCase& c : job.cases)
        r.cases.push_back({c.name, TestVerdict::error, "not run: " + r.message, 0});
    return r;
}

} // namespace wire

using namespace wire;

int JobResult::passed() const {
    int n = 0;
    for (const CaseResult& c : cases)
        n += c.verdict == TestVerdict::passed ? 1 : 0;
    return n;
}

bool JobResult::all_passed() const {
    return verdict == Verdict::ok && !cases.empty() && passed() == static_cast<int>(cases.size());
}

namespace {

// What the judge's lines said of one job.
struct Records {
    std::map<std::size_t, CaseResult> reported; // by case index, the first valid line of each
    json done;                                  // the first done record; null when none came
    std::string broken;                         // the first malformed record of this job, described
    bool runner_vanished = false;               // the judge saw the runner die during a case
};

Records read_records(const HarnessJob& job, const std::string& nonce, const std::string& lines) {
    Records out;
    std::size_t start = 0;
    while (start < lines.size()) {
        std::size_t end = lines.find('\n', start);
        if (end == std::string::npos) end = lines.size();
        const std::string_view raw(lines.data() + start, end - start);
        json record = json::parse(raw.begin(), raw.end(), nullptr, false);
        start = end + 1;
        // Text that is not a JSON object (a line cut short by a kill) or carries no nonce is
        // not a record of this job.
        if (!record.is_object() || !record.contains("nonce")) continue;
        const json& tag = record["nonce"];
        if (tag.is_string() && tag.get<std::string>() != nonce) continue; // another job's
        if (const std::string why = malformed(record); !why.empty()) {
            if (out.broken.empty())
                out.broken = fmt::format("malformed result line: {} (line: {})", why, excerpt(raw));
            continue;
        }
        if (flag(record, "done")) {
            if (out.done.is_null()) out.done = std::move(record);
            continue;
        }
        const long index = integer(record, "i", -1);
        const auto verdict = parse_test_verdict(text(record, "verdict"));
        if (index < 0 || static_cast<std::size_t>(index) >= job.cases.size() || !verdict ||
            out.reported.contains(static_cast<std::size_t>(index)))
            continue;
        out.reported[static_cast<std::size_t>(index)] =
            CaseResult{job.cases[static_cast<std::size_t>(index)].name, *verdict,
                       text(record, "message"), number(record, "ms")};
        out.runner_vanished = out.runner_vanished || flag(record, "runner_died");
        // The old `memory_error` flag is ignored: a MemoryError the candidate raised (or
        // RLIMIT_AS caused) is not the memory cgroup's verdict.
    }
    return out;
}

// The job's CPU, wall time and peak RSS from what the supervisor and both zygotes counted.
void add_usage(JobResult& r, const Observed& seen) {
    long reported_cpu = 0;
    for (const json* worker : {&seen.runner_reply, &seen.judge_reply}) {
        reported_cpu += std::max(0L, integer(*worker, "cpu_ms"));
        r.wall_ms = std::max(r.wall_ms, number(*worker, "wall_ms"));
        r.peak_rss_kb = std::max(r.peak_rss_kb, integer(*worker, "peak_rss_kb"));
    }
    // The job's CPU is the runner jail's cgroup count over the job where there is one (every
    // process the job forked included), else what the zygotes counted of their children.
    r.cpu_ms = seen.cpu_ms ? *seen.cpu_ms : reported_cpu;
}

// The program's stdout and stderr as the runner zygote's reply carries them.
void add_output(JobResult& r, const json& reply) {
    for (auto [stream, out, truncated] :
         {std::tuple{"stdout", &r.stdout_text, &r.stdout_truncated},
          std::tuple{"stderr", &r.stderr_text, &r.stderr_truncated}}) {
        const json& s = member(reply, stream);
        *out = text(s, "text");
        // Bytes kept, not the decoded text's length: a replaced byte decodes to 3 bytes.
        *truncated = integer(s, "total") > integer(s, "kept", static_cast<long>(out->size()));
    }
}

// What the policy (verdict_policy.hpp) decides from: the job's limits, the supervisor's
// observations, the runner's end and the judge's records.
Observations observations(const HarnessJob& job, const Observed& seen, const Records& records,
                          long cpu_ms) {
    const json& reply = seen.runner_reply;
    const bool replied = reply.is_object() && seen.judge_reply.is_object();
    auto either = [&seen](const char* key) {
        return flag(seen.runner_reply, key) || flag(seen.judge_reply, key);
    };
    const json& runner = member(reply, "child");
    const std::string state = text(runner, "state");
    const long code = integer(runner, "code");
    const std::string load = text(records.done, "load");
    const std::string failure = text(records.done, "load_failure");

    Observations o;
    o.cpu_limit_ms = job.limits.cpu_ms;
    o.wall_limit_ms = job.limits.wall_ms;
    o.memory_limit_mb = job.limits.memory_mb;
    o.output_limit_bytes = static_cast<long>(job.limits.output_bytes);
    o.harness_failure = records.broken;
    o.forbidden_syscall = seen.forbidden_syscall;
    o.seccomp_kills = seen.seccomp_kills;
    o.wall_timeout = seen.deadline_hit || either("timed_out");
    o.cpu_timeout = seen.cpu_limit_hit;
    o.cpu_ms = cpu_ms;
    o.output_limit = either("output_limit");
    o.oom = seen.oom;
    o.memory_cgroup = seen.memory_cgroup;
    o.signal = state == "signaled" ? static_cast<int>(integer(runner, "signal")) : 0;
    o.exit_code = state == "exited" ? static_cast<int>(std::clamp(code, -1L, 255L)) : 0;
    o.worker_died = seen.worker_died || !replied;
    if (load == "error" || !failure.empty()) {
        o.load = failure == "compile"   ? LoadFailure::compile
                 : failure == "timeout" ? LoadFailure::timeout
                                        : LoadFailure::error;
        o.load_message = text(records.done, "message");
        // The harness's own clock is not the supervisor's: its "timeout" counts only when the
        // CPU count says the limit was reached (a deadline seen is a timeout already).
        if (o.load == LoadFailure::timeout && cpu_exhausted(cpu_ms, job.limits.cpu_ms))
            o.cpu_timeout = true;
    }
    o.incomplete = records.done.is_null() ||
                   integer(records.done, "count", -1) != static_cast<long>(job.cases.size()) ||
                   records.reported.size() != job.cases.size();
    o.runner_vanished = records.runner_vanished;
    return o;
}

// The verdict into the result: an ok run says why its first failing case failed, and a timeout
// is charged to the first case that has no verdict of its own.
void apply_decision(JobResult& r, Decision decision, const Observed& seen) {
    r.verdict = decision.verdict;
    r.message = std::move(decision.message);
    r.run_again = decision.run_again;
    if (r.verdict == Verdict::forbidden_syscall)
        r.forbidden_syscall = seen.forbidden_syscall.empty() ? "unknown" : seen.forbidden_syscall;
    if (r.verdict == Verdict::ok)
        for (const CaseResult& c : r.cases)
            if (c.verdict != TestVerdict::passed) {
                r.message = c.message;
                break;
            }
    // The case the time ran out in, in the same words whoever saw it first: the judge (which
    // then reported it) or the supervisor (which killed the job before it could).
    if (r.verdict == Verdict::timeout)
        for (CaseResult& c : r.cases)
            if (c.verdict == TestVerdict::error || c.verdict == TestVerdict::timeout) {
                c.verdict = TestVerdict::timeout;
                c.message = "the time limit ran out while the candidate was running";
                break;
            }
}

} // namespace

JobResult interpret(const HarnessJob& job, const std::string& nonce, const std::string& lines,
                    const Observed& seen) {
    const Records records = read_records(job, nonce, lines);
    JobResult r;
    for (std::size_t i = 0; i < job.cases.size(); ++i) {
        auto it = records.reported.find(i);
        r.cases.push_back(it != records.reported.end()
                              ? it->second
                              : CaseResult{job.cases[i].name, TestVerdict::error,
                                           "no result was reported for this case", 0});
    }
    add_usage(r, seen);
    add_output(r, seen.runner_reply);
    apply_decision(r, decide(observations(job, seen, records, r.cpu_ms)), seen);
    return r;
}

} // namespace assay::sandbox
