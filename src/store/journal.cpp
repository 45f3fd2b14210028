// The job-result journal (migration 5): results written the moment they are known, read back
// by find_execution until put_execution records them for good.
#include "store/store.hpp"

#include <nlohmann/json.hpp>

namespace assay::store {

namespace {

using nlohmann::json;

std::string to_text(const sandbox::JobResult& r) {
    json cases = json::array();
    for (const sandbox::CaseResult& c : r.cases)
        cases.push_back({{"name", c.name},
                         {"verdict", to_string(c.verdict)},
                         {"message", c.message},
                         {"ms", c.ms}});
    const json out = {{"verdict", to_string(r.verdict)},
                      {"cases", std::move(cases)},
                      {"cpu_ms", r.cpu_ms},
                      {"wall_ms", r.wall_ms},
                      {"peak_rss_kb", r.peak_rss_kb},
                      {"stdout", r.stdout_text},
                      {"stderr", r.stderr_text},
                      {"stdout_truncated", r.stdout_truncated},
                      {"stderr_truncated", r.stderr_truncated},
                      {"forbidden_syscall", r.forbidden_syscall},
                      {"message", r.message}};
    // The harness hands over text already decoded (invalid bytes replaced): nothing to replace.
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The result, or nothing when the text is not one this build wrote (then the job runs again).
std::optional<sandbox::JobResult> from_text(const std::string& text) {
    const json in = json::parse(text, nullptr, false);
    if (!in.is_object()) return std::nullopt;
    try {
        sandbox::JobResult r;
        const auto verdict = parse_verdict(in.at("verdict").get<std::string>());
        if (!verdict || !cacheable(*verdict)) return std::nullopt;
        r.verdict = *verdict;
        for (const json& c : in.at("cases")) {
            const auto test = parse_test_verdict(c.at("verdict").get<std::string>());
            if (!test) return std::nullopt;
            r.cases.push_back({c.at("name").get<std::string>(), *test,
                               c.at("message").get<std::string>(), c.at("ms").get<double>()});
        }
        r.cpu_ms = in.at("cpu_ms").get<long>();
        r.wall_ms = in.at("wall_ms").get<double>();
        r.peak_rss_kb = in.at("peak_rss_kb").get<long>();
        r.stdout_text = in.at("stdout").get<std::string>();
        r.stderr_text = in.at("stderr").get<std::string>();
        r.stdout_truncated = in.at("stdout_truncated").get<bool>();
        r.stderr_truncated = in.at("stderr_truncated").get<bool>();
        r.forbidden_syscall = in.at("forbidden_syscall").get<std::string>();
        r.message = in.at("message").get<std::string>();
        return r;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

} // namespace

void Store::journal_results(
    const std::vector<std::pair<std::string, sandbox::JobResult>>& results) {
    transaction([&] {
        Statement s(db_.get(), "INSERT OR REPLACE INTO job_results(key, result) VALUES (?, ?)");
        for (const auto& [key, result] : results) {
            if (!cacheable(result.verdict)) continue;
            s.bind(1, key).bind(2, to_text(result)).run();
            s.reset();
        }
    });
}

std::optional<sandbox::JobResult> Store::journaled_result(std::string_view key) {
    Statement s(db_.get(), "SELECT result FROM job_results WHERE key = ?");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return from_text(s.column_text(0));
}

void Store::clear_journal(std::int64_t finished) {
    Statement s(db_.get(), "DELETE FROM job_results WHERE NOT EXISTS (SELECT 1 FROM runs WHERE "
                           "status = 'running' AND id != ?)");
    s.bind(1, finished).run();
}

void Store::drop_journaled(std::string_view key) {
    Statement s(db_.get(), "DELETE FROM job_results WHERE key = ?");
    s.bind(1, key).run();
}

} // namespace assay::store
