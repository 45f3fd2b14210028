#include "export/export.hpp"

#include "core/language.hpp"
#include "export/conversation.hpp"
#include "export/dataset_card.hpp"
#include "export/instructions.hpp"
#include "export/kto.hpp"
#include "export/preference.hpp"
#include "export/reflexion.hpp"
#include "export/tasks.hpp"
#include "export/test_script.hpp"
#include "store/exclusions.hpp"
#include "store/readers.hpp"
#include "syntax/ast_hash.hpp"
#include "util/diff.hpp"
#include "util/file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <unistd.h>

namespace assay::exports {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::array<Kind, 7> kKinds{Kind::sft, Kind::bugfix, Kind::refactor, Kind::reflexion,
                                     Kind::dpo, Kind::kto,    Kind::tasks};
// The formats of each kind, the default first.
constexpr std::array<std::string_view, 4> kSftFormats{"messages", "alpaca", "sharegpt",
                                                      "prompt-completion"};
constexpr std::array<std::string_view, 3> kPairFormats{"standard", "prompt-completion", "messages"};
constexpr std::array<std::string_view, 4> kDpoFormats{"standard", "messages", "sharegpt", "alpaca"};
constexpr std::array<std::string_view, 2> kKtoFormats{"standard", "messages"};
constexpr std::array<std::string_view, 1> kPlainFormats{"standard"};
// The values --kind may take where they form a closed set (bugfix and refactor labels are
// open: operators, prompt categories and goals; src/cli/known_values.hpp checks those).
constexpr std::array<std::string_view, 2> kSftKinds{"solution", "refactor"};
constexpr std::array<std::string_view, 2> kReflexionKinds{"solved", "unsolved"};
constexpr std::array<std::string_view, 2> kDpoKinds{"samples", "reflexion"};
constexpr std::array<std::string_view, 5> kKtoKinds{"solution", "refactor", "bug", "failed_sample",
                                                    "failed_attempt"};
constexpr std::array<std::string_view, 2> kTaskKinds{"seed", "llm"};

std::span<const std::string_view> formats(Kind kind) {
    switch (kind) {
    case Kind::sft:
        return kSftFormats;
    case Kind::dpo:
        return kDpoFormats;
    case Kind::kto:
        return kKtoFormats;
    case Kind::bugfix:
    case Kind::refactor:
        return kPairFormats;
    case Kind::reflexion:
    case Kind::tasks:
        return kPlainFormats;
    }
    return kPlainFormats;
}

std::span<const std::string_view> kind_values(Kind kind) {
    switch (kind) {
    case Kind::reflexion:
        return kReflexionKinds;
    case Kind::dpo:
        return kDpoKinds;
    case Kind::sft:
        return kSftKinds;
    case Kind::kto:
        return kKtoKinds;
    case Kind::tasks:
        return kTaskKinds;
    case Kind::bugfix:
    case Kind::refactor:
        return {};
    }
    return {};
}

// "a", "a or b", "a, b or c".
std::string one_of(std::span<const std::string_view> names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += names[i];
    }
    return out;
}

bool contains(std::span<const std::string_view> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool keep_problem(const Filters& f, const store::ProblemRecord& problem) {
    if (f.language && problem.problem.language != *f.language) return false;
    return !f.min_pass_rate || problem.mutation_score.value_or(-1) >= *f.min_pass_rate;
}

bool keep(Kind kind, const Filters& f, const store::ProblemRecord& problem,
          const store::CandidateRow& row) {
    if (!keep_problem(f, problem)) return false;
    return !f.kind || *f.kind == (kind == Kind::sft ? row.kind : row.label);
}

json common(const store::ProblemRecord& problem, const store::CandidateRow& row) {
    return {{"origin", row.origin},
            {"problem_id", row.problem_id},
            {"language", problem.problem.language}};
}

// The row with the reasoning of the answer it was built from, when asked.
json with_reasoning(json row, bool asked, const store::CandidateRow& candidate) {
    if (asked) row["reasoning"] = candidate.reasoning;
    return row;
}

json sft_row(const std::string& format, const store::ProblemRecord& problem,
             const store::CandidateRow& row) {
    json out = common(problem, row);
    out["kind"] = row.kind;
    if (row.kind == "refactor") out["refactor_kind"] = row.label;
    const std::string& prompt = problem.problem.prompt;
    if (format == "prompt-completion") {
        out["prompt"] = prompt;
        out["completion"] = row.code;
    } else if (format == "alpaca") {
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

// A bugfix or refactor row in the prompt-completion or messages format: the instruction as the
// prompt (user turn), `reply` as the completion (the assistant turn, the target).
json instructed_row(json out, const std::string& format, const std::string& instruction,
                    const std::string& reply) {
    if (format == "messages") {
        out["messages"] = exchange(instruction, reply);
    } else {
        out["prompt"] = instruction;
        out["completion"] = reply;
    }
    return out;
}

json bugfix_row(const std::string& format, const store::ProblemRecord& problem,
                const store::CandidateRow& row) {
    json out = common(problem, row);
    if (format != "standard") {
        out["bug_kind"] = row.label;
        return instructed_row(std::move(out), format, bugfix_instruction(problem.problem, row),
                              row.parent_code);
    }
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

json refactor_row(const std::string& format, const store::ProblemRecord& problem,
                  const store::CandidateRow& row) {
    json out = common(problem, row);
    if (format != "standard") {
        out["refactor_kind"] = row.label;
        return instructed_row(std::move(out), format, refactor_instruction(problem.problem, row),
                              row.code);
    }
    out["prompt"] = problem.problem.prompt;
    out["original_code"] = row.parent_code;
    out["refactored_code"] = row.code;
    out["test_code"] = test_script(problem.problem);
    out["refactor_kind"] = row.label;
    return out;
}

// When rows repeat one another, the one kept: a person's first, then the model's, then imported
// samples, then what AST operators made.
int origin_rank(std::string_view origin) {
    constexpr std::array<std::string_view, 4> kOrder{"seed", "llm", "sample", "mutation"};
    const auto* found = std::find(kOrder.begin(), kOrder.end(), origin);
    return static_cast<int>(found - kOrder.begin());
}

// A program's identity for deduplication: its normalised syntax tree (syntax::ast_hash:
// comments, layout and local names aside) in its language's grammar, or, where that cannot be
// had, its text without whitespace.
class CodeIdentity {
  public:
    std::string operator()(const std::string& language, const std::string& code) {
        auto grammar = grammars_.find(language);
        if (grammar == grammars_.end()) {
            const auto loaded = load_language(language);
            grammar = grammars_.emplace(language, loaded ? loaded->grammar : std::string()).first;
        }
        if (!grammar->second.empty())
            if (auto hash = syntax::ast_hash(grammar->second, code)) return "ast:" + *hash;
        std::string squeezed;
        for (const char c : code)
            if (std::isspace(static_cast<unsigned char>(c)) == 0) squeezed += c;
        return "text:" + squeezed;
    }

  private:
    std::map<std::string, std::string> grammars_;
};

// Of rows with the same key, keeps the one whose origin ranks first (the earliest among equals),
// at the place of the first of them.
std::vector<json> distinct(std::vector<std::pair<std::string, json>> keyed) {
    std::map<std::string, std::size_t> best; // key → index into keyed
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < keyed.size(); ++i) {
        const auto [at, inserted] = best.emplace(keyed[i].first, i);
        if (inserted) {
            order.push_back(i);
            continue;
        }
        const auto rank = [&](std::size_t k) {
            return origin_rank(keyed[k].second.value("origin", std::string()));
        };
        if (rank(i) < rank(at->second)) at->second = i;
    }
    std::vector<json> out;
    out.reserve(order.size());
    for (const std::size_t first : order)
        out.push_back(std::move(keyed[best[keyed[first].first]].second));
    return out;
}

// sft, bugfix and refactor: one row per distinct program of a problem (the candidate for sft,
// the buggy program for bugfix, the refactored one for refactor; see CodeIdentity).
Expected<std::vector<json>>
candidate_export(store::Store& db, const ExportOptions& options,
                 const std::map<std::string, store::ProblemRecord>& problems) {
    const std::string format = format_of(options);
    const Kind kind = options.kind;
    const std::vector<store::CandidateRow> candidates =
        ASSAY_TRY(kind == Kind::sft      ? store::passing_solutions(db)
                  : kind == Kind::bugfix ? store::killed_bugs(db)
                                         : store::kept_refactorings(db));
    CodeIdentity identity;
    std::vector<std::pair<std::string, json>> keyed;
    for (const store::CandidateRow& row : candidates) {
        const auto problem = problems.find(row.problem_id);
        if (problem == problems.end() || !keep(kind, options.filters, problem->second, row))
            continue;
        keyed.emplace_back(
            row.problem_id + '\n' + identity(problem->second.problem.language, row.code),
            with_reasoning(kind == Kind::sft      ? sft_row(format, problem->second, row)
                           : kind == Kind::bugfix ? bugfix_row(format, problem->second, row)
                                                  : refactor_row(format, problem->second, row),
                           options.with_reasoning, row));
    }
    return distinct(std::move(keyed));
}

Expected<std::vector<json>>
reflexion_export(store::Store& db, const ExportOptions& options,
                 const std::map<std::string, store::ProblemRecord>& problems) {
    const Filters& f = options.filters;
    const auto trajectories = ASSAY_TRY(store::trajectories(db, "reflexion"));
    std::vector<json> out;
    for (const store::TrajectoryRow& t : trajectories) {
        const auto problem = problems.find(t.problem_id);
        if (problem == problems.end() || t.steps.empty() || !keep_problem(f, problem->second))
            continue;
        if (f.kind && (*f.kind == "solved") != t.solved) continue;
        out.push_back(
            reflexion_row(problem->second, t, options.with_reasoning, options.train_reflections));
    }
    return out;
}

Expected<std::vector<json>>
dpo_export(store::Store& db, const ExportOptions& options,
           const std::map<std::string, store::ProblemRecord>& problems) {
    const std::string format = format_of(options);
    const Filters& f = options.filters;
    const auto solutions = ASSAY_TRY(store::model_solutions(db));
    const auto reflexion = ASSAY_TRY(store::trajectories(db, "reflexion"));
    // One pair per distinct (chosen, rejected) programs of a problem.
    CodeIdentity identity;
    std::vector<std::pair<std::string, json>> keyed;
    for (const PreferencePair& pair : preference_pairs(solutions, reflexion)) {
        const auto problem = problems.find(pair.problem_id);
        if (problem == problems.end() || !keep_problem(f, problem->second)) continue;
        if (f.kind && *f.kind != to_string(pair.source)) continue;
        const std::string& language = problem->second.problem.language;
        keyed.emplace_back(pair.problem_id + '\n' + identity(language, pair.chosen) + '\n' +
                               identity(language, pair.rejected),
                           dpo_row(format, problem->second.problem, pair));
    }
    return distinct(std::move(keyed));
}

Expected<std::vector<json>>
kto_export(store::Store& db, const ExportOptions& options,
           const std::map<std::string, store::ProblemRecord>& problems) {
    const std::string format = format_of(options);
    const Filters& f = options.filters;
    const auto candidates = kto_candidates(
        ASSAY_TRY(store::passing_solutions(db)), ASSAY_TRY(store::killed_bugs(db)),
        ASSAY_TRY(store::model_solutions(db)), ASSAY_TRY(store::trajectories(db, "reflexion")));
    CodeIdentity identity;
    std::vector<std::pair<std::string, json>> keyed;
    std::map<std::string, std::set<bool>> labels; // key → the labels its rows have
    for (const KtoCandidate& c : candidates) {
        const auto problem = problems.find(c.problem_id);
        if (problem == problems.end() || !keep_problem(f, problem->second)) continue;
        if (f.kind && *f.kind != to_string(c.source)) continue;
        std::string key = c.problem_id + '\n' + identity(problem->second.problem.language, c.code);
        labels[key].insert(label_of(c.source));
        keyed.emplace_back(std::move(key), kto_row(format, problem->second.problem, c));
    }
    // One program cannot be both a good and a bad answer: leave out those that were both.
    std::erase_if(keyed, [&](const auto& row) { return labels[row.first].size() > 1; });
    return distinct(std::move(keyed));
}

Expected<std::vector<json>>
tasks_export(store::Store& db, const ExportOptions& options,
             const std::map<std::string, store::ProblemRecord>& problems) {
    const Filters& f = options.filters;
    const auto samples = sample_records(ASSAY_TRY(store::model_solutions(db)), problems);
    std::vector<json> out;
    std::set<std::string> done;
    for (const store::CandidateRow& row : ASSAY_TRY(store::passing_solutions(db))) {
        const auto problem = problems.find(row.problem_id);
        // The problem's own reference: the solution whose code is the problem's.
        if (problem == problems.end() || row.kind != "solution" ||
            row.code != problem->second.problem.solution || done.contains(row.problem_id) ||
            !keep_problem(f, problem->second) || (f.kind && *f.kind != row.origin))
            continue;
        done.insert(row.problem_id);
        const auto record = samples.find(row.problem_id);
        out.push_back(
            task_row(problem->second, row,
                     record == samples.end() ? std::nullopt : std::optional(record->second)));
    }
    return out;
}

Expected<std::vector<json>> rows(store::Store& db, const ExportOptions& options) {
    auto problems = ASSAY_TRY(store::problem_records(db));
    if (options.decontaminate)
        for (const std::string& id : ASSAY_TRY(store::excluded_problems(db)))
            problems.erase(id);
    switch (options.kind) {
    case Kind::sft:
    case Kind::bugfix:
    case Kind::refactor:
        return candidate_export(db, options, problems);
    case Kind::reflexion:
        return reflexion_export(db, options, problems);
    case Kind::dpo:
        return dpo_export(db, options, problems);
    case Kind::kto:
        return kto_export(db, options, problems);
    case Kind::tasks:
        return tasks_export(db, options, problems);
    }
    return {};
}

// Removes the temporary files that exports of `out` by processes no longer alive left beside it
// (a SIGKILL between writing and renaming).
void remove_stale_temps(const fs::path& dir, const fs::path& out) {
    const std::string prefix = fmt::format(".{}.tmp-", out.filename().string());
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(prefix)) continue;
        const std::string pid_text = name.substr(prefix.size());
        if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
            fs::remove(entry.path(), error);
    }
}

// Writes what `write` puts in a stream to a temporary file beside `out`; returns its path.
Expected<fs::path> write_temp(const fs::path& out,
                              const std::function<void(std::ostream&)>& write) {
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    std::error_code error;
    fs::create_directories(dir, error);
    remove_stale_temps(dir, out);
    const fs::path temp = dir / fmt::format(".{}.tmp-{}", out.filename().string(), ::getpid());
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    try {
        write(file);
    } catch (const json::exception& e) {
        // A stored text that is not UTF-8: assay should never have recorded it.
        file.close();
        fs::remove(temp, error);
        return fail_env_at(out.string(), "cannot write the export: {}", e.what());
    }
    file.flush();
    if (!file) {
        const int why = errno;
        file.close();
        fs::remove(temp, error);
        return fail_env_at(out.string(), "cannot write the export: {}",
                           why != 0 ? std::strerror(why) : "write failed");
    }
    return temp;
}

} // namespace

Expected<Kind> parse_kind(std::string_view name) {
    for (Kind k : kKinds)
        if (to_string(k) == name) return k;
    return fail("unknown export kind '{}' (expected sft, bugfix, refactor, reflexion, dpo, kto or "
                "tasks)",
                name);
}

std::string_view to_string(Kind kind) {
    switch (kind) {
    case Kind::sft:
        return "sft";
    case Kind::bugfix:
        return "bugfix";
    case Kind::refactor:
        return "refactor";
    case Kind::reflexion:
        return "reflexion";
    case Kind::dpo:
        return "dpo";
    case Kind::kto:
        return "kto";
    case Kind::tasks:
        return "tasks";
    }
    return "sft";
}

std::string format_of(const ExportOptions& options) {
    return options.format.empty() ? std::string(formats(options.kind).front()) : options.format;
}

Expected<void> validate(const ExportOptions& options) {
    const auto& f = options.filters;
    if (f.min_pass_rate && !(*f.min_pass_rate >= 0 && *f.min_pass_rate <= 1))
        return fail("--min-pass-rate must be between 0 and 1, not {}", *f.min_pass_rate);
    const auto names = formats(options.kind);
    if (!options.format.empty() && !contains(names, options.format))
        return fail("unknown {} format '{}' (expected {})", to_string(options.kind), options.format,
                    one_of(names));
    const auto kinds = kind_values(options.kind);
    if (f.kind && !kinds.empty() && !contains(kinds, *f.kind))
        return fail("unknown {} --kind '{}' (expected {})", to_string(options.kind), *f.kind,
                    one_of(kinds));
    return {};
}

Staging::~Staging() {
    std::error_code ignored;
    for (const auto& [temp, out] : staged_)
        fs::remove(temp, ignored);
}

Expected<std::size_t> Staging::add_export(store::Store& db, const ExportOptions& options,
                                          const fs::path& out) {
    ASSAY_TRY(validate(options));
    const auto lines = ASSAY_TRY(rows(db, options));
    const fs::path temp = ASSAY_TRY(write_temp(out, [&](std::ostream& file) {
        for (const json& line : lines)
            file << line.dump() << '\n';
    }));
    staged_.emplace_back(temp, out);
    return lines.size();
}

Expected<void> Staging::add_text(const fs::path& out, const std::string& text) {
    const fs::path temp = ASSAY_TRY(write_temp(out, [&](std::ostream& file) { file << text; }));
    staged_.emplace_back(temp, out);
    return {};
}

Expected<bool> Staging::add_dataset_files(store::Store& db, const fs::path& dir,
                                          const std::vector<ExportedFile>& files,
                                          const std::optional<std::string>& license,
                                          bool keep_others) {
    if (license) ASSAY_TRY(check_license(*license));
    const fs::path info_path = dir / "dataset_info.json";
    const json info = merge_dataset_info(ASSAY_TRY(read_dataset_info(info_path)), files);
    ASSAY_TRY(add_text(info_path, info.dump(2, ' ', false, json::error_handler_t::replace) + "\n"));
    const fs::path readme = dir / "README.md";
    std::optional<CardState> previous;
    std::error_code error;
    if (fs::exists(readme, error)) {
        // A card assay did not write (or cannot read) is a person's: left as it is.
        const auto text = util::read_file(readme.string());
        if (!text || !written_by_assay(*text)) return false;
        previous = read_card_state(*text);
    }
    CardState state;
    if (keep_others && previous)
        for (const ExportedFile& old : previous->files) {
            const bool replaced = std::any_of(files.begin(), files.end(), [&](const auto& f) {
                return f.file_name == old.file_name;
            });
            if (!replaced && fs::is_regular_file(dir / old.file_name, error))
                state.files.push_back(old);
        }
    state.files.insert(state.files.end(), files.begin(), files.end());
    state.license = license ? *license : previous ? previous->license : "other";
    const auto exclusions = ASSAY_TRY(store::exclusions(db));
    ASSAY_TRY(add_text(readme, dataset_card(state, exclusions)));
    return true;
}

Expected<void> Staging::commit() {
    std::error_code error;
    for (std::size_t i = 0; i < staged_.size(); ++i) {
        const auto& [temp, out] = staged_[i];
        fs::rename(temp, out, error);
        if (error) {
            const std::string why = error.message();
            staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(i));
            return fail_env_at(out.string(), "cannot move the export into place: {}", why);
        }
    }
    staged_.clear();
    return {};
}

Expected<std::size_t> export_jsonl(store::Store& db, const ExportOptions& options,
                                   const fs::path& out) {
    Staging staging;
    const std::size_t count = ASSAY_TRY(staging.add_export(db, options, out));
    ASSAY_TRY(staging.commit());
    return count;
}

} // namespace assay::exports
