#include "pipeline/program_executor.hpp"

#include "pipeline/parallel.hpp"
#include "sandbox/harness_wire.hpp" // memfd_with, make_nonce, not_run: the fast path's wire helpers
#include "sandbox/host_probe.hpp"
#include "sandbox/inbox.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/interrupt.hpp"
#include "util/string.hpp"
#include "util/utf8.hpp"

#include <charconv>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <unistd.h>

namespace assay::pipeline {

namespace fs = std::filesystem;
using sandbox::HarnessJob;
using sandbox::JobResult;

namespace {

std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const std::size_t eol = text.find('\n');
        out.push_back(text.substr(0, eol));
        if (eol == std::string_view::npos) break;
        text.remove_prefix(eol + 1);
    }
    return out;
}

constexpr std::size_t kMaxValuesBytes = 64u << 20;

// The line of a crashed program's stderr that says why: an error or a C++ terminate message.
std::string stderr_reason(const std::string& text) {
    std::string last;
    for (const std::string_view line : lines(text)) {
        const std::string_view bare = util::trim(line);
        if (bare.empty()) continue;
        if (bare.find("Error") != std::string_view::npos || bare.starts_with("terminate called") ||
            bare.find("Assertion") != std::string_view::npos)
            return util::clip(std::string(bare), 300);
        last = bare;
    }
    return util::clip(last, 300);
}

std::string read_all(int fd, std::size_t cap) {
    std::string out;
    if (::lseek(fd, 0, SEEK_SET) != 0) return out;
    char buffer[65536];
    while (out.size() < cap) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out.substr(0, cap);
}

// A record's payload as the harness had it: it writes a line break as `\n` and `\` as `\\`.
std::string unescaped(std::string_view payload) {
    std::string out;
    out.reserve(payload.size());
    for (std::size_t k = 0; k < payload.size(); ++k) {
        if (payload[k] == '\\' && k + 1 < payload.size()) {
            ++k;
            out += payload[k] == 'n' ? '\n' : payload[k];
        } else {
            out += payload[k];
        }
    }
    return out;
}

// The runner's records, read strictly. The harness writes each record the job expects (a W per
// whole case, an X per split case, a V per hole) at most once, with its payload's line breaks
// written as `\n`, so any other record (a kind or number no case of the job has, one written
// twice, a line that is not a record header, a payload that does not end at the stream's next
// line break, a size over the cap) is the program's own: the stream is then `forged`, and no
// case of the job is decided by it. Records are never skipped: a forged header that claims the
// bytes of the harness's next record claims its line break too. A record cut short at the end
// ends the stream when the runner was stopped (it may have been writing it); when the runner
// ended normally (`ended`) the harness wrote whole records only, and a cut is a forged header's.
struct RunnerRecords {
    std::map<std::pair<char, long>, std::string> found; // payloads, unescaped
    std::string forged;    // why, when the stream holds a record the harness did not write
    std::string for_judge; // the V and X records, as the judge reads them
};

RunnerRecords runner_records(const JudgePrograms& programs, const std::string& values, bool ended) {
    std::set<std::pair<char, long>> expected;
    for (std::size_t k = 0; k < programs.cases.size(); ++k) {
        const ProgramCase& c = programs.cases[k];
        expected.emplace(c.whole ? 'W' : 'X', static_cast<long>(k));
        if (!c.whole)
            for (const auto& hole : c.holes)
                expected.emplace('V', hole.first);
    }
    RunnerRecords out;
    bool cut = false;
    std::size_t at = 0;
    while (at < values.size() && out.forged.empty()) {
        const std::size_t eol = values.find('\n', at);
        if (eol == std::string::npos) { // a header cut short
            cut = true;
            break;
        }
        // "<kind> <number> <size>"
        const std::string_view head(values.data() + at, std::min<std::size_t>(eol - at, 64));
        const char kind = head.empty() ? '\0' : head[0];
        long number = 0;
        unsigned long size = 0;
        const char* const last = head.data() + head.size();
        const auto [number_end, number_error] =
            head.size() > 2 ? std::from_chars(head.data() + 2, last, number)
                            : std::from_chars_result{last, std::errc::invalid_argument};
        const bool spaced = number_error == std::errc() && number_end + 1 < last &&
                            *number_end == ' ' && number_end[1] >= '0' && number_end[1] <= '9';
        const auto [size_end, size_error] =
            spaced ? std::from_chars(number_end + 1, last, size)
                   : std::from_chars_result{last, std::errc::invalid_argument};
        if (eol - at > 40 || head.size() < 5 || head[1] != ' ' || !spaced ||
            size_error != std::errc() || size_end != last) {
            out.forged = fmt::format("a line that is not a record: '{}'",
                                     util::clip(util::valid_utf8(head), 60));
            break;
        }
        if (size > kMaxValuesBytes) {
            out.forged = fmt::format("record {} {} claims {} bytes", kind, number, size);
            break;
        }
        if (size >= values.size() - (eol + 1)) { // a payload, or its newline, cut short
            cut = true;
            break;
        }
        // The harness writes a payload's line breaks as `\n`: its record ends at the first.
        if (values.find('\n', eol + 1) != eol + 1 + size) {
            out.forged = fmt::format("record {} {} is not the size it says", kind, number);
            break;
        }
        if (!expected.contains({kind, number})) {
            out.forged = fmt::format("record {} {} belongs to no case", kind, number);
            break;
        }
        if (!out.found.emplace(std::pair{kind, number}, unescaped(values.substr(eol + 1, size)))
                 .second) {
            out.forged = fmt::format("record {} {} was written twice", kind, number);
            break;
        }
        if (kind != 'W') out.for_judge.append(values, at, eol + 1 + size + 1 - at);
        at = eol + 1 + size + 1;
    }
    if (cut && ended && out.forged.empty())
        out.forged = "its last record is cut short, though the program ended normally";
    return out;
}

std::string values_text(const ProgramCase& c, const nlohmann::json& values) {
    std::string out;
    for (const auto& [id, code] : c.holes) {
        const auto it = values.find(std::to_string(id));
        if (it == values.end() || !it->is_string()) continue;
        out += fmt::format("\n  {} returned {}", util::clip(code, 200),
                           util::clip(it->get<std::string>(), 500));
    }
    return out;
}

// One case of the judge's line.
sandbox::CaseResult judged(const ProgramCase& c, const nlohmann::json& line) {
    sandbox::CaseResult out{c.name, TestVerdict::error, "", 0};
    // The judge runs the tests' code: read its line without trusting a member's type.
    const auto text = [&](const char* key) {
        const auto it = line.find(key);
        return it != line.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const std::string verdict = text("verdict");
    const auto found = line.find("values");
    const nlohmann::json values =
        found != line.end() && found->is_object() ? *found : nlohmann::json::object();
    const std::string message = text("message");
    if (verdict == "passed") {
        out.verdict = TestVerdict::passed;
    } else if (verdict == "failed") {
        out.verdict = TestVerdict::failed;
        out.message = "assertion failed: " + util::clip(c.assertion, 500);
        if (line.contains("lhs") && line.contains("rhs"))
            out.message += fmt::format("\n  left: {}\n  right: {}", util::clip(text("lhs"), 500),
                                       util::clip(text("rhs"), 500));
        if (!message.empty()) out.message += "\n  " + util::clip(message, 1000);
        out.message += values_text(c, values);
    } else {
        out.message = message.empty() ? "the judge gave no result" : message;
    }
    return out;
}

// The job's result from the runner's run and records and the judge's lines.
JobResult interpret(const JudgePrograms& programs, const sandbox::RunResult& ran,
                    const RunnerRecords& runner, bool records_cut,
                    const std::map<long, nlohmann::json>& reported,
                    const sandbox::RunResult& judged_run) {
    JobResult out;
    out.cpu_ms = ran.cpu_ms;
    out.wall_ms = static_cast<double>(ran.wall_ms);
    out.peak_rss_kb = ran.peak_rss_kb;
    out.stdout_text = ran.stdout_text;
    out.stderr_text = ran.stderr_text;
    out.stdout_truncated = ran.stdout_truncated;
    out.stderr_truncated = ran.stderr_truncated;
    out.forbidden_syscall = ran.forbidden_syscall;
    const std::string cut = fmt::format(
        "the candidate's program sent more than the {} MiB of values kept for the judge",
        kMaxValuesBytes >> 20);
    const std::string stopped =
        records_cut ? cut
        : ran.verdict == Verdict::ok
            ? std::string("the candidate's program stopped before this case")
            : fmt::format("the candidate's program stopped before this case: {}{}", ran.message,
                          stderr_reason(ran.stderr_text).empty()
                              ? std::string()
                              : " (" + stderr_reason(ran.stderr_text) + ")");
    const std::string forged =
        "the candidate's program wrote on the harness's record channel (fd 3): " + runner.forged;
    bool complete = true;
    for (std::size_t k = 0; k < programs.cases.size(); ++k) {
        const ProgramCase& c = programs.cases[k];
        sandbox::CaseResult result{c.name, TestVerdict::error, "", 0};
        if (!runner.forged.empty()) {
            result.message = forged;
        } else if (c.whole) {
            const auto it = runner.found.find({'W', static_cast<long>(k)});
            if (it == runner.found.end()) {
                complete = false;
                result.verdict =
                    ran.verdict == Verdict::timeout ? TestVerdict::timeout : TestVerdict::error;
                result.message = stopped;
            } else if (it->second == "passed") {
                result.verdict = TestVerdict::passed;
            } else if (it->second.starts_with("failed")) {
                result.verdict = TestVerdict::failed;
                result.message = "assertion failed: " + util::clip(c.assertion, 500);
            } else {
                result.message = util::clip(
                    it->second.substr(std::min<std::size_t>(6, it->second.size())), 1000);
            }
        } else if (const auto it = reported.find(static_cast<long>(k)); it != reported.end()) {
            result = judged(c, it->second);
            if (result.message == "the candidate's program stopped before this case") {
                complete = false;
                result.message = stopped;
                if (ran.verdict == Verdict::timeout) result.verdict = TestVerdict::timeout;
            }
        } else {
            complete = false;
            result.message = judged_run.verdict == Verdict::ok
                                 ? "the judge reported nothing for this case"
                                 : "the judge failed: " + judged_run.message;
        }
        out.cases.push_back(std::move(result));
    }
    if (ran.verdict != Verdict::ok) {
        out.verdict = ran.verdict;
        const std::string reason = stderr_reason(ran.stderr_text);
        out.message = reason.empty() ? ran.message : ran.message + ": " + reason;
    } else if (!runner.forged.empty()) {
        out.verdict = Verdict::runtime_error;
        out.message = forged;
    } else if (judged_run.verdict != Verdict::ok) {
        out.verdict = Verdict::internal_error;
        out.message =
            "the judge failed: " + judged_run.message + " " + stderr_reason(judged_run.stderr_text);
    } else if (!complete) {
        out.verdict = Verdict::runtime_error;
        out.message = records_cut ? cut : "the candidate's program exited before every case ran";
    } else {
        out.verdict = Verdict::ok;
        for (const auto& c : out.cases)
            if (c.verdict != TestVerdict::passed) {
                out.message = c.message;
                break;
            }
    }
    return out;
}

} // namespace

namespace {

// Whether `object` exists and was built from `harness`'s files: each copy the build left in
// <object>.sources/ is the same as the harness's file of that name. (An object left from another
// checkout or an older header would declare one thing and define another.)
bool built_from(const fs::path& object, const fs::path& harness) {
    std::error_code error;
    if (!fs::is_regular_file(object, error)) return false;
    bool any = false;
    for (const auto& copy : fs::directory_iterator(object.string() + ".sources", error)) {
        const auto built = util::read_file(copy.path().string());
        const auto now = util::read_file((harness / copy.path().filename()).string());
        if (!built || !now || *built != *now) return false;
        any = true;
    }
    return any && !error;
}

} // namespace

ProgramExecutor::ProgramExecutor(Language language, int slots, bool allow_weak_jail)
    : language_(std::move(language)), slots_(std::max(1, slots)), weak_(allow_weak_jail),
      frames_(load_frames(language_)) {
    std::error_code ignored;
    support_present_ =
        !language_.support_object.empty() &&
        built_from(language_.native_dir / language_.support_object, language_.harness_dir);
    if (!language_.instances_archive.empty() &&
        built_from(language_.native_dir / language_.instances_archive, language_.harness_dir))
        if (auto text =
                util::read_file((language_.harness_dir / language_.instances_header).string()))
            instances_ = std::move(*text);
    send_output_ = !language_.send_output.empty() &&
                   fs::is_regular_file(language_.native_dir / language_.send_output, ignored);
    if (!language_.header_line.empty()) {
        try {
            header_line_.emplace(language_.header_line, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
            // A pattern that does not compile: no precompiled headers (load_language checks it).
        }
    }
}

ProgramExecutor::~ProgramExecutor() {
    std::error_code ignored;
    if (!scratch_.empty()) fs::remove_all(scratch_, ignored);
}

JobResult ProgramExecutor::run_job(const HarnessJob& job) {
    return run_job(job, nullptr);
}

std::optional<sandbox::ForkServer> ProgramExecutor::fork_server() const {
    // A fork server must be PID 1 of a jail with private scratch mounts, which only a strict
    // jail gives: on a host without namespaces (--allow-weak-jail) every program runs cold.
    if (language_.zygote.empty() || !sandbox::host_probe().strict_possible()) return std::nullopt;
    return sandbox::ForkServer(spec(language_.zygote, language_.limits));
}

sandbox::RunResult ProgramExecutor::run_runner(sandbox::ForkServer* server, const std::string& file,
                                               const std::string& runner, sandbox::Inbox& records,
                                               const sandbox::Limits& limits) const {
    if (server != nullptr) {
        // The runner's fd 4 is unused: /dev/null, so that the server gets its three descriptors.
        util::Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        return server->run(runner, {records.program_end(), null.get()},
                           sandbox::ForkServer::Role::runner, limits, &records);
    }
    sandbox::SpawnSpec rs = spec(language_.run_argv(), limits);
    rs.files.emplace_back(file, runner);
    rs.pass_fds.push_back(records.program_end());
    return sandbox::run(rs, {}, &records);
}

sandbox::RunResult ProgramExecutor::run_judge(sandbox::ForkServer* server, const std::string& file,
                                              const std::string& judge, const std::string& nonce,
                                              const std::string& values,
                                              std::string& judge_lines) const {
    if (server != nullptr) {
        // The judge's inputs on its fd 3 (the nonce's line, then the runner's records); its
        // result lines on fd 4, a descriptor nothing else holds.
        std::string inputs;
        inputs.reserve(nonce.size() + 1 + values.size());
        inputs.append(nonce).append("\n").append(values);
        auto in = sandbox::wire::memfd_with("judge-inputs", inputs);
        auto out = sandbox::wire::memfd_with("judge-lines", "");
        sandbox::RunResult r;
        if (!in || !out) {
            r.message = "could not create the judge's descriptors";
            return r;
        }
        r = server->run(judge, {in->get(), out->get()}, sandbox::ForkServer::Role::judge,
                        language_.limits);
        judge_lines = read_all(out->get(), kMaxValuesBytes);
        return r;
    }
    sandbox::SpawnSpec js = spec(language_.run_argv(), language_.limits);
    // The judge reads what the candidate's side sent: its layout stays random.
    js.randomize_addresses = true;
    js.files.emplace_back(file, judge);
    js.files.emplace_back("values", values);
    js.files.emplace_back("nonce", nonce);
    sandbox::RunResult r = sandbox::run(js);
    judge_lines = r.stdout_text;
    return r;
}

JobResult ProgramExecutor::run_job(const HarnessJob& job, sandbox::ForkServer* server) {
    if (!frames_) return sandbox::wire::not_run(job, frames_.error().message);
    auto built = build_programs(language_, *frames_, job, false);
    if (!built) return sandbox::wire::not_run(job, built.error().message);
    JudgePrograms programs = std::move(*built);
    const bool compiled = !language_.compile.empty();
    std::string runner = programs.runner;
    std::string judge = programs.judge;
    if (compiled) {
        if (auto failed = compile_programs(job, programs, runner, judge)) return std::move(*failed);
    }
    const std::string file = compiled ? std::string("program") : language_.source_file;

    // The runner's records arrive on a socket read as they are written: a later case cannot
    // take back or rewrite what an earlier one sent (sandbox/inbox.hpp).
    auto inbox = sandbox::Inbox::make(kMaxValuesBytes);
    if (!inbox) return sandbox::wire::not_run(job, inbox.error().message);
    const sandbox::RunResult ran = run_runner(server, file, runner, *inbox, job.limits);
    const std::string& values = inbox->text();

    const RunnerRecords found =
        runner_records(programs, values, ran.verdict == Verdict::ok && !inbox->truncated());
    std::map<long, nlohmann::json> reported;
    sandbox::RunResult judged_run;
    judged_run.verdict = Verdict::ok;
    // A forged stream decides no case: the judge has nothing to do.
    if (!programs.judge.empty() && found.forged.empty()) {
        const std::string nonce = sandbox::wire::make_nonce();
        std::string judge_lines;
        judged_run = run_judge(server, file, judge, nonce, found.for_judge, judge_lines);
        for (const std::string_view line : lines(judge_lines)) {
            if (!line.starts_with(nonce + " ")) continue;
            // The line carries the candidate's values as the judge printed them: bytes that are
            // not UTF-8 (a string the program returned) and escapes of half a UTF-16 surrogate
            // pair (a JavaScript string) become U+FFFD, or the line would not parse and its
            // case would be lost.
            auto parsed = nlohmann::json::parse(
                util::json_without_lone_surrogates(util::valid_utf8(line.substr(nonce.size() + 1))),
                nullptr, false);
            if (!parsed.is_object() || !parsed.contains("case") ||
                !parsed["case"].is_number_integer())
                continue;
            const long number = parsed["case"].get<long>();
            if (!reported.emplace(number, parsed).second)
                reported[number] = {{"verdict", "error"},
                                    {"message", "the judge reported this case more than once"}};
        }
    }

    return interpret(programs, ran, found, inbox->truncated(), reported, judged_run);
}

Expected<void> ProgramExecutor::run(const std::vector<HarnessJob>& jobs,
                                    const std::vector<std::size_t>& which, const Started& on_start,
                                    const Done& done) {
    if (which.empty()) return {};
    ASSAY_TRY(frames_);
    expect(jobs, which);
    std::atomic<std::size_t> cursor{0};
    parallel_for(slots_, std::min(static_cast<std::size_t>(slots_), which.size()),
                 [&](std::size_t) {
                     // A slot's fork server lives on this thread (a jail dies with the thread
                     // that started it) and starts with the slot's first job.
                     std::optional<sandbox::ForkServer> server = fork_server();
                     for (;;) {
                         if (util::stop_signal() != 0) return;
                         const std::size_t k = cursor++;
                         if (k >= which.size()) return;
                         if (on_start) on_start(which[k]);
                         done(which[k], run_job(jobs[which[k]], server ? &*server : nullptr));
                     }
                 });
    return {};
}

std::unique_ptr<Executor> make_executor(const Language& language, int slots, bool allow_weak_jail) {
    // A [programs] language's zygote is its programs' fork server (ProgramExecutor::fork_server).
    if (!language.zygote.empty() && language.programs.runner.empty())
        return std::make_unique<JailExecutor>(language, slots, allow_weak_jail);
    return std::make_unique<ProgramExecutor>(language, slots, allow_weak_jail);
}

} // namespace assay::pipeline
