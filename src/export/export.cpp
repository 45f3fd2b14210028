#include "export/export.hpp"

#include "export/records.hpp"
#include "export/test_script.hpp"
#include "util/diff.hpp"

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace assay::exports {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::array kSftFormats{"messages", "alpaca", "sharegpt"};

bool keep(Kind kind, const Filters& f, const ProblemRecord& problem, const CandidateRow& row) {
    if (f.language && problem.problem.language != *f.language) return false;
    if (f.min_pass_rate && problem.mutation_score.value_or(-1) < *f.min_pass_rate) return false;
    return !f.kind || *f.kind == (kind == Kind::sft ? row.kind : row.label);
}

json common(const ProblemRecord& problem, const CandidateRow& row) {
    return {{"origin", row.origin},
            {"problem_id", row.problem_id},
            {"language", problem.problem.language}};
}

json sft_row(const std::string& format, const ProblemRecord& problem, const CandidateRow& row) {
    json out = common(problem, row);
    out["kind"] = row.kind;
    if (row.kind == "refactor") out["refactor_kind"] = row.label;
    const std::string& prompt = problem.problem.prompt;
    if (format == "alpaca") {
        out["instruction"] = prompt;
        out["input"] = "";
        out["output"] = row.code;
    } else if (format == "sharegpt") {
        out["conversations"] = json::array(
            {{{"from", "human"}, {"value", prompt}}, {{"from", "gpt"}, {"value", row.code}}});
    } else {
        out["messages"] = json::array({{{"role", "user"}, {"content", prompt}},
                                       {{"role", "assistant"}, {"content", row.code}}});
    }
    return out;
}

json bugfix_row(const ProblemRecord& problem, const CandidateRow& row) {
    json out = common(problem, row);
    json failing = json::array();
    for (const sandbox::CaseResult& c : row.failing)
        failing.push_back(
            {{"name", c.name}, {"verdict", to_string(c.verdict)}, {"message", c.message}});
    out["prompt"] = problem.problem.prompt;
    out["buggy_code"] = row.code;
    out["fixed_code"] = row.parent_code;
    out["test_code"] = test_script(problem.problem);
    out["failing_tests"] = std::move(failing);
    out["bug_kind"] = row.label;
    out["diff"] = util::unified_diff(row.code, row.parent_code, "a/solution.py", "b/solution.py");
    return out;
}

json refactor_row(const ProblemRecord& problem, const CandidateRow& row) {
    json out = common(problem, row);
    out["prompt"] = problem.problem.prompt;
    out["original_code"] = row.parent_code;
    out["refactored_code"] = row.code;
    out["test_code"] = test_script(problem.problem);
    out["refactor_kind"] = row.label;
    return out;
}

std::vector<json> rows(store::Store& db, const ExportOptions& options) {
    const auto problems = problem_records(db);
    const std::string format = options.format.empty() ? "messages" : options.format;
    std::vector<CandidateRow> candidates;
    switch (options.kind) {
    case Kind::sft:
        candidates = passing_solutions(db);
        break;
    case Kind::bugfix:
        candidates = killed_bugs(db);
        break;
    case Kind::refactor:
        candidates = kept_refactorings(db);
        break;
    }
    std::vector<json> out;
    for (const CandidateRow& row : candidates) {
        const auto problem = problems.find(row.problem_id);
        if (problem == problems.end() || !keep(options.kind, options.filters, problem->second, row))
            continue;
        switch (options.kind) {
        case Kind::sft:
            out.push_back(sft_row(format, problem->second, row));
            break;
        case Kind::bugfix:
            out.push_back(bugfix_row(problem->second, row));
            break;
        case Kind::refactor:
            out.push_back(refactor_row(problem->second, row));
            break;
        }
    }
    return out;
}

// Writes `lines` to a temporary file beside `out`, then renames it over `out`.
Expected<void> write_atomically(const fs::path& out, const std::vector<json>& lines) {
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    std::error_code error;
    fs::create_directories(dir, error);
    const fs::path temp = dir / fmt::format(".{}.tmp-{}", out.filename().string(), ::getpid());
    {
        std::ofstream file(temp, std::ios::binary | std::ios::trunc);
        for (const json& line : lines)
            file << line.dump() << '\n';
        file.flush();
        if (!file) {
            fs::remove(temp, error);
            return fail_at(out.string(), "cannot write the export");
        }
    }
    fs::rename(temp, out, error);
    if (error) {
        fs::remove(temp, error);
        return fail_at(out.string(), "cannot move the export into place");
    }
    return {};
}

} // namespace

Expected<Kind> parse_kind(std::string_view name) {
    for (Kind k : {Kind::sft, Kind::bugfix, Kind::refactor})
        if (to_string(k) == name) return k;
    return fail("unknown export kind '{}' (expected sft, bugfix or refactor)", name);
}

std::string_view to_string(Kind kind) {
    switch (kind) {
    case Kind::sft:
        return "sft";
    case Kind::bugfix:
        return "bugfix";
    case Kind::refactor:
        return "refactor";
    }
    return "sft";
}

Expected<void> validate(const ExportOptions& options) {
    const auto& f = options.filters;
    if (f.min_pass_rate && !(*f.min_pass_rate >= 0 && *f.min_pass_rate <= 1))
        return fail("--min-pass-rate must be between 0 and 1, not {}", *f.min_pass_rate);
    if (options.format.empty()) return {};
    if (options.kind == Kind::sft) {
        for (const char* name : kSftFormats)
            if (options.format == name) return {};
        return fail("unknown sft format '{}' (expected messages, alpaca or sharegpt)",
                    options.format);
    }
    if (options.format != "jsonl")
        return fail("{} exports have no format '{}' (only jsonl)", to_string(options.kind),
                    options.format);
    return {};
}

Expected<std::size_t> export_jsonl(store::Store& db, const ExportOptions& options,
                                   const fs::path& out) {
    ASSAY_TRY(validate(options));
    const auto lines = rows(db, options);
    ASSAY_TRY(write_atomically(out, lines));
    return lines.size();
}

} // namespace assay::exports
