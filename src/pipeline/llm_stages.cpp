#include "pipeline/llm_stages.hpp"

#include "llm/cache.hpp"
#include "llm/reply_parser.hpp"
#include "pipeline/similarity.hpp"
#include "pipeline/verify.hpp"
#include "syntax/ast_hash.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/split_tests.hpp"
#include "syntax/syntax_check.hpp"
#include "util/hash.hpp"
#include "util/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>
#include <set>

namespace assay::pipeline {

using nlohmann::json;

namespace {

constexpr std::string_view kPython = "python";
constexpr int kMinTests = 4;
constexpr std::size_t kMaxTestsPerProblem = 24;
// Each case repeats the statements before it, so the cases of a test block grow with its square:
// 290 kB of alternating assignments and asserts made 900 MB of cases. A model asked for a dozen
// one-line asserts needs a small fraction of this.
constexpr std::size_t kMaxTestBlockBytes = std::size_t{32} * 1024;
constexpr int kMaxRetryTokens = 16384;
// A reply has at most max_tokens tokens, and tokens average a few bytes (16 is generous for any
// text). A longer reply comes from a server that ignores max_tokens, or a hostile one: it is cut
// there and kept as truncated, so that megabytes of it never reach the next Reflexion request,
// the trajectories or the exports.
constexpr std::size_t kMaxBytesPerToken = 16;

// A request seed from --seed and what the request is for; below 2^63 (servers read it signed).
std::uint64_t derive_seed(std::uint64_t seed, const std::vector<std::string>& parts) {
    std::vector<std::string_view> all{"assay-seed"};
    const std::string seed_text = std::to_string(seed);
    all.push_back(seed_text);
    for (const std::string& p : parts)
        all.push_back(p);
    return std::stoull(util::content_hash_parts(all).substr(0, 16), nullptr, 16) &
           0x7fff'ffff'ffff'ffffULL;
}

std::string first_line(std::string_view text) {
    return std::string(text.substr(0, text.find('\n')));
}

// At most `limit` bytes of `text`, cut between characters (what is stored goes into JSON).
std::string clip(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    return std::string(util::utf8_prefix(text, limit)) + " …";
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

void log(const LlmContext& c, const std::string& line) {
    if (c.progress) std::cerr << "llm: " << line << '\n';
}

// Generated code is new and often wrong: an injected infinite loop should cost a second, not
// the language's full limit.
sandbox::Limits quick(sandbox::Limits limits) {
    limits.wall_ms = std::min(limits.wall_ms, 1500);
    limits.cpu_ms = std::min(limits.cpu_ms, 1000);
    return limits;
}

// One reply (or why there is none) to one request of a stage.
struct Answer {
    bool ok = false;
    std::string content;
    std::string error;
    bool truncated = false; // still cut by max_tokens after asking again
};

// Asks every request at once; a reply cut by max_tokens is asked once more with twice the
// tokens (a new request: its own cache entry), and kept marked truncated if cut again (if that
// ask fails, the request has failed). A reply longer than kMaxBytesPerToken per token asked for
// is cut there and marked truncated.
std::vector<Answer> ask(const LlmContext& c, std::string_view stage,
                        std::vector<llm::ChatRequest> requests, LlmSummary& summary) {
    LlmSummary::Calls& calls = summary.calls[std::string(stage)];
    calls.requests += static_cast<int>(requests.size());
    if (!requests.empty()) log(c, fmt::format("{}: {} requests", stage, requests.size()));
    std::vector<llm::ChatResult> results = c.client.complete(requests);
    std::vector<int> max_tokens; // of the request each result answers
    max_tokens.reserve(requests.size());
    for (const llm::ChatRequest& r : requests)
        max_tokens.push_back(r.max_tokens);
    std::vector<std::size_t> again;
    std::vector<llm::ChatRequest> longer;
    for (std::size_t i = 0; i < results.size(); ++i)
        if (results[i] && results[i]->finish_reason == "length" &&
            requests[i].max_tokens < kMaxRetryTokens) {
            again.push_back(i);
            llm::ChatRequest more = requests[i];
            more.max_tokens = std::min(kMaxRetryTokens, more.max_tokens * 2);
            longer.push_back(std::move(more));
        }
    if (!longer.empty()) {
        calls.retried_for_length += static_cast<int>(longer.size());
        std::vector<llm::ChatResult> second = c.client.complete(longer);
        // A retry that fails is the request's failure: keeping the cut reply instead would
        // record it as data, and a later run that gets the whole reply would add a second row.
        for (std::size_t k = 0; k < again.size(); ++k) {
            results[again[k]] = std::move(second[k]);
            max_tokens[again[k]] = longer[k].max_tokens;
        }
    }
    std::vector<Answer> out(results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!results[i]) {
            out[i].error =
                fmt::format("llm call failed ({}): {}", llm::to_string(results[i].error().kind),
                            results[i].error().message);
            ++calls.failed;
            if (summary.first_error.empty()) summary.first_error = out[i].error;
            continue;
        }
        out[i].ok = true;
        const std::size_t limit = kMaxBytesPerToken * static_cast<std::size_t>(max_tokens[i]);
        out[i].content = util::utf8_prefix(results[i]->content, limit);
        out[i].truncated =
            results[i]->finish_reason == "length" || results[i]->content.size() > limit;
        calls.truncated += out[i].truncated ? 1 : 0;
        summary.tokens += results[i]->prompt_tokens + results[i]->completion_tokens;
    }
    return out;
}

Expected<std::vector<Executed>> execute(const LlmContext& c,
                                        const std::vector<sandbox::HarnessJob>& jobs,
                                        const std::string& label) {
    return run_batch(c.pool, jobs, {c.jobs, &c.db, label, c.progress, c.language.grammar});
}

// The code of a reply that should define `entry_point`, or why there is none.
Expected<llm::ExtractedCode> code_of(const std::string& reply, const std::string& entry_point) {
    auto code = llm::extract_code(reply, {std::string(kPython), entry_point});
    if (!code) return fail("no code in the reply");
    if (!code->parses) return fail("the code has a syntax error");
    if (!entry_point.empty() && !code->defines_entry_point)
        return fail("the code does not define `{}`", entry_point);
    return code;
}

// The assert statements of a block a model wrote that test `entry_point` (syntax::depends_on:
// the name or `candidate`, not its letters in `assert True`), each with the statements before it. A
// block with a syntax error is read line by line, keeping the lines that parse on their own. Fails
// for a block longer than kMaxTestBlockBytes.
Expected<std::vector<std::string>> asserts_of(std::string_view code,
                                              const std::string& entry_point) {
    if (code.size() > kMaxTestBlockBytes) return fail("longer than {} bytes", kMaxTestBlockBytes);
    std::vector<std::string> out;
    auto keep = [&](std::string text) {
        text = trim(text);
        // `candidate` is the entry point too, in the jail and in the exported scripts.
        // Model-written tests run in the judge: only plain ones (syntax::plain_test), which
        // cannot reach the harness to forge their results.
        if (!syntax::plain_test(text, entry_point)) return;
        if (entry_point.empty() || syntax::depends_on(text, entry_point) ||
            syntax::depends_on(text, "candidate"))
            out.push_back(std::move(text));
    };
    if (auto split = syntax::split_asserts(code)) {
        for (TestCase& t : split->cases)
            keep(std::move(t.code));
        return out;
    }
    std::size_t at = 0;
    while (at < code.size()) {
        std::size_t eol = code.find('\n', at);
        if (eol == std::string_view::npos) eol = code.size();
        const std::string line = trim(code.substr(at, eol - at));
        at = eol + 1;
        if (!line.starts_with("assert")) continue;
        const auto error = syntax::check_syntax(kPython, line);
        if (error && !error->has_value()) keep(line);
    }
    return out;
}

bool is_identifier(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_';
    });
}

std::string render_problem(const Problem& p, bool with_solution) {
    std::string out = fmt::format("## Title\n{}\n## Entry point\n{}\n## Problem\n{}\n", p.title,
                                  p.entry_point, trim(p.prompt));
    if (!with_solution) return out;
    std::string tests;
    int shown = 0;
    for (const TestCase& t : p.tests)
        if (t.visibility == Visibility::visible && shown < 6 &&
            t.code.find('\n') == std::string::npos) {
            tests += t.code + "\n";
            ++shown;
        }
    return out + fmt::format("## Solution\n```python\n{}\n```\n## Tests\n```python\n{}```\n",
                             trim(p.solution), tests);
}

// Problems the model may be asked about: the reference passes, and there are visible tests.
std::string visible_tests(const Problem& p) {
    std::string out;
    for (const TestCase& t : p.tests)
        if (t.visibility == Visibility::visible) out += trim(t.code) + "\n";
    return trim(out);
}

Problem only_visible(const Problem& p) {
    Problem v = p;
    v.tests.clear();
    for (const TestCase& t : p.tests)
        if (t.visibility == Visibility::visible) v.tests.push_back(t);
    return v;
}

// Whether two problems state and test the same thing (what the store keeps of them).
bool same_problem(const Problem& a, const Problem& b) {
    auto same_test = [](const TestCase& x, const TestCase& y) {
        return x.name == y.name && x.code == y.code && x.visibility == y.visibility;
    };
    return a.id == b.id && a.prompt == b.prompt && a.entry_point == b.entry_point &&
           a.solution == b.solution && a.test_setup == b.test_setup &&
           std::equal(a.tests.begin(), a.tests.end(), b.tests.begin(), b.tests.end(), same_test);
}

std::string verdict_line(const sandbox::JobResult& r) {
    return fmt::format("{} ({}/{} tests passed)", to_string(r.verdict), r.passed(), r.cases.size());
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Shared pieces

std::string test_feedback(const sandbox::HarnessJob& job, const sandbox::JobResult& result,
                          int max_cases) {
    std::string out;
    if (result.verdict != Verdict::ok)
        out += fmt::format("The run ended with {}: {}\n", to_string(result.verdict),
                           clip(first_line(result.message), 300));
    int shown = 0;
    int more = 0;
    for (std::size_t i = 0; i < result.cases.size(); ++i) {
        const sandbox::CaseResult& c = result.cases[i];
        if (c.verdict == TestVerdict::passed) continue;
        if (shown >= max_cases) {
            ++more;
            continue;
        }
        ++shown;
        const std::string code = i < job.cases.size() ? trim(job.cases[i].code) : c.name;
        out += fmt::format("- {} ({})\n", clip(code, 300), to_string(c.verdict));
        if (!c.message.empty()) {
            std::string message = clip(c.message, 600);
            std::string indented;
            for (const char ch : message) {
                indented += ch;
                if (ch == '\n') indented += "  ";
            }
            out += "  " + indented + "\n";
        }
    }
    if (more > 0) out += fmt::format("… and {} more failing tests\n", more);
    return trim(out);
}

Expected<Problem> parse_problem_reply(const std::string& reply) {
    const std::vector<llm::Section> all = llm::sections(reply);
    auto need = [&](std::string_view name) -> Expected<std::string> {
        auto body = llm::section(all, name);
        if (!body || body->empty()) return fail("missing section '{}'", name);
        return *body;
    };
    Problem p;
    p.language = std::string(kPython);
    p.source = ProblemSource::llm;
    p.title = first_line(ASSAY_TRY(need("title")));
    std::string entry = first_line(ASSAY_TRY(need("entry point")));
    entry.erase(std::remove_if(entry.begin(), entry.end(),
                               [](char ch) { return ch == '`' || ch == '*' || ch == ' '; }),
                entry.end());
    if (const auto paren = entry.find('('); paren != std::string::npos) entry.resize(paren);
    if (!is_identifier(entry)) return fail("the entry point '{}' is not a name", clip(entry, 40));
    p.entry_point = entry;
    p.prompt = ASSAY_TRY(need("problem"));
    auto solution = code_of(ASSAY_TRY(need("solution")), entry);
    if (!solution) return fail("solution: {}", solution.error().message);
    p.solution = solution->code;
    const auto tests_code = llm::extract_code(ASSAY_TRY(need("tests")), {std::string(kPython), ""});
    if (!tests_code) return fail("tests: no code");
    auto all_asserts = asserts_of(tests_code->code, entry);
    if (!all_asserts) return fail("tests: {}", all_asserts.error().message);
    std::vector<std::string> asserts = std::move(*all_asserts);
    std::set<std::string> seen;
    std::erase_if(asserts, [&](const std::string& a) { return !seen.insert(a).second; });
    if (asserts.size() < static_cast<std::size_t>(kMinTests))
        return fail("fewer than {} tests that call `{}`", kMinTests, entry);
    if (asserts.size() > kMaxTestsPerProblem) asserts.resize(kMaxTestsPerProblem);
    const std::size_t hidden = std::max<std::size_t>(1, asserts.size() / 3);
    for (std::size_t i = 0; i < asserts.size(); ++i) {
        const bool is_hidden = i >= asserts.size() - hidden;
        const std::size_t n = is_hidden ? i - (asserts.size() - hidden) : i;
        p.tests.push_back({fmt::format("{}_{}", is_hidden ? "hidden" : "visible", n), asserts[i],
                           is_hidden ? Visibility::hidden : Visibility::visible});
    }
    p.id = fmt::format("llm/{}-{}", entry, util::content_hash(p.prompt).substr(0, 8));
    return p;
}

std::vector<std::size_t> consensus(const std::vector<std::vector<std::size_t>>& passes) {
    std::vector<std::pair<std::vector<std::size_t>, std::vector<std::size_t>>> groups;
    for (std::size_t s = 0; s < passes.size(); ++s) {
        std::vector<std::size_t> key = passes[s];
        std::sort(key.begin(), key.end());
        key.erase(std::unique(key.begin(), key.end()), key.end());
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first == key; });
        if (it == groups.end())
            groups.push_back({key, {s}});
        else
            it->second.push_back(s);
    }
    std::size_t best_score = 0;
    std::vector<std::size_t> best;
    for (const auto& [tests, samples] : groups) {
        const std::size_t score = tests.size() * samples.size();
        if (score > best_score) best_score = score, best = samples;
    }
    return best;
}

// ---------------------------------------------------------------------------------------------
// instruct

Expected<std::vector<Problem>> instruct(const LlmContext& c, const std::vector<Problem>& seeds,
                                        LlmSummary& summary) {
    const LlmSettings& s = c.settings;
    const int attempts = s.new_problems >= 0
                             ? s.new_problems
                             : std::max(2, static_cast<int>((seeds.size() + 1) / 2));
    if (attempts == 0 || seeds.empty()) return std::vector<Problem>{};
    const auto& topics = c.prompts.at("instruct").list("topics");
    const auto& levels = c.prompts.at("instruct").list("difficulties");
    const auto& methods = c.prompts.at("evolve").list("methods");
    const std::uint64_t rotation = derive_seed(c.seed, {"instruct-topics"});

    std::vector<llm::ChatRequest> requests;
    std::vector<std::string> kinds;
    std::vector<std::vector<std::string>> topics_of; // what each new problem is about
    std::vector<std::string> levels_of;
    for (int i = 0; i < attempts; ++i) {
        const std::uint64_t h = derive_seed(c.seed, {"instruct", std::to_string(i)});
        if (i % 3 == 2) {
            const Problem& base = seeds[h % seeds.size()];
            const std::string text =
                c.prompts.render("evolve", "user",
                                 {{"problem", render_problem(base, false)},
                                  {"method", methods[(h >> 16) % methods.size()].description}});
            requests.push_back(c.prompts.request("evolve", s.model, {{"user", text}}, h));
            kinds.push_back("evolve");
            topics_of.push_back(base.topics);
            topics_of.back().push_back("evolved");
            levels_of.push_back(base.difficulty == "easy" ? "medium" : "hard");
            continue;
        }
        const Problem& a = seeds[h % seeds.size()];
        const Problem& b = seeds[(h / seeds.size() + 1 + h % seeds.size()) % seeds.size()];
        std::string examples = "Example 1:\n\n" + render_problem(a, true);
        if (&a != &b) examples += "\nExample 2:\n\n" + render_problem(b, true);
        const std::string& topic =
            topics[(rotation + static_cast<std::uint64_t>(i)) % topics.size()].name;
        const std::string& level = levels[(h >> 24) % levels.size()].name;
        const std::string text = c.prompts.render(
            "instruct", "user",
            {{"topic", topic}, {"difficulty", level}, {"examples", trim(examples)}});
        requests.push_back(c.prompts.request("instruct", s.model, {{"user", text}}, h));
        kinds.push_back("instruct");
        topics_of.push_back({topic, "self-instruct"});
        levels_of.push_back(level);
    }
    summary.problems_asked += attempts;
    const std::vector<Answer> answers = ask(c, "instruct", requests, summary);

    std::vector<Problem> drafts;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (!answers[i].ok) {
            ++summary.problems_rejected["llm call failed"];
            continue;
        }
        auto draft = parse_problem_reply(answers[i].content);
        if (!draft) {
            const std::string reason =
                answers[i].truncated ? std::string("truncated reply") : draft.error().message;
            ++summary.problems_rejected[reason];
            log(c, fmt::format("instruct: reply {} rejected: {}", i, reason));
            continue;
        }
        draft->topics = topics_of[i];
        draft->difficulty = levels_of[i];
        draft->origin_file = fmt::format("llm:{}", llm::request_hash(requests[i]).substr(0, 16));
        drafts.push_back(std::move(*draft));
    }
    std::vector<sandbox::HarnessJob> jobs;
    jobs.reserve(drafts.size());
    for (const Problem& p : drafts)
        jobs.push_back(make_job(p, p.solution, quick(c.language.limits)));
    const auto runs = ASSAY_TRY(execute(c, jobs, "new problems"));

    NgramIndex index;
    std::set<std::string> ids;
    std::map<std::string, std::string> solutions; // normalised AST hash → problem id
    auto know = [&](const Problem& p) {
        index.add(p.id, p.prompt);
        ids.insert(p.id);
        if (const auto hash = syntax::ast_hash(kPython, p.solution)) solutions.emplace(*hash, p.id);
    };
    for (const Problem& p : seeds)
        know(p);
    // What earlier runs stored is known too (another --seed or model may write the same
    // statement with other tests, which would replace the stored ones). A stored problem that
    // is one of the drafts is that draft made again, by a rerun: it is checked as it was then.
    for (const Problem& p : c.db.problems()) {
        const auto is_p = [&](const Problem& d) { return same_problem(d, p); };
        if (ids.count(p.id) == 0 && std::none_of(drafts.begin(), drafts.end(), is_p)) know(p);
    }
    std::vector<Problem> accepted;
    for (std::size_t i = 0; i < drafts.size(); ++i) {
        Problem& p = drafts[i];
        if (!runs[i].result.all_passed()) {
            ++summary.problems_rejected["reference fails its own tests"];
            log(c, fmt::format("instruct: {} rejected: reference {}", p.id,
                               verdict_line(runs[i].result)));
            continue;
        }
        if (const auto near = index.nearest(p.prompt);
            near && near->similarity >= s.max_similarity) {
            ++summary.problems_rejected["too similar to an existing problem"];
            log(c, fmt::format("instruct: {} rejected: {:.2f} similar to {}", p.id,
                               near->similarity, near->id));
            continue;
        }
        const auto hash = syntax::ast_hash(kPython, p.solution);
        if (hash && solutions.count(*hash) != 0) {
            ++summary.problems_rejected["same reference solution as an existing problem"];
            log(c, fmt::format("instruct: {} rejected: its solution is {}'s", p.id,
                               solutions.at(*hash)));
            continue;
        }
        if (!ids.insert(p.id).second) {
            ++summary.problems_rejected["duplicate"];
            continue;
        }
        if (hash) solutions.emplace(*hash, p.id);
        index.add(p.id, p.prompt);
        summary.problems_accepted.push_back(p.id);
        accepted.push_back(std::move(p));
    }
    return accepted;
}

// ---------------------------------------------------------------------------------------------
// solve: sampled solutions, LLM-written tests, CodeT agreement

Expected<void> solve(const LlmContext& c, const std::vector<Target>& targets, LlmSummary& summary) {
    const LlmSettings& s = c.settings;
    std::vector<llm::ChatRequest> requests;
    for (const Target& t : targets) {
        const Problem& p = *t.problem;
        const std::string solve_text = c.prompts.render(
            "solve", "user", {{"entry_point", p.entry_point}, {"prompt", p.prompt}});
        for (int k = 0; k < s.samples; ++k)
            requests.push_back(
                c.prompts.request("solve", s.model, {{"user", solve_text}},
                                  derive_seed(c.seed, {"solve", p.id, std::to_string(k)})));
        const std::string tests_text =
            c.prompts.render("tests", "user",
                             {{"count", std::to_string(s.tests_per_reply)},
                              {"entry_point", p.entry_point},
                              {"prompt", p.prompt}});
        for (int k = 0; k < s.test_replies; ++k)
            requests.push_back(
                c.prompts.request("tests", s.model, {{"user", tests_text}},
                                  derive_seed(c.seed, {"tests", p.id, std::to_string(k)})));
    }
    const std::vector<Answer> answers = ask(c, "solve", requests, summary);
    const std::size_t per =
        static_cast<std::size_t>(s.samples) + static_cast<std::size_t>(s.test_replies);

    // Per target: the samples' code (with their answer index) and the distinct LLM tests.
    struct Work {
        std::vector<std::pair<std::string, bool>> samples; // code, truncated
        std::vector<std::string> tests;
        std::size_t first_job = 0; // real-tests jobs, then per sample an LLM-tests job, then ref
    };
    std::vector<Work> work(targets.size());
    std::vector<sandbox::HarnessJob> jobs;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Problem& p = *targets[t].problem;
        Work& w = work[t];
        std::set<std::string> seen;
        for (std::size_t k = 0; k < per; ++k) {
            const Answer& a = answers[t * per + k];
            if (!a.ok) continue;
            if (k < static_cast<std::size_t>(s.samples)) {
                auto code = llm::extract_code(a.content, {std::string(kPython), p.entry_point});
                if (code)
                    w.samples.emplace_back(code->code, a.truncated);
                else
                    ++summary.solve_rejected["sample: no code in the reply"];
                continue;
            }
            const auto block = llm::extract_code(a.content, {std::string(kPython), ""});
            if (!block) {
                ++summary.solve_rejected["tests: no code in the reply"];
                continue;
            }
            auto asserts = asserts_of(block->code, p.entry_point);
            if (!asserts) {
                ++summary.solve_rejected["tests: " + asserts.error().message];
                continue;
            }
            if (asserts->empty()) ++summary.solve_rejected["tests: none that call the entry point"];
            for (std::string& test : *asserts)
                if (w.tests.size() < kMaxTestsPerProblem && seen.insert(test).second)
                    w.tests.push_back(std::move(test));
        }
        Problem llm_tests = p;
        llm_tests.test_setup.clear();
        llm_tests.tests.clear();
        for (std::size_t i = 0; i < w.tests.size(); ++i)
            llm_tests.tests.push_back({fmt::format("llm_{}", i), w.tests[i], Visibility::visible});
        w.first_job = jobs.size();
        for (const auto& sample : w.samples)
            jobs.push_back(make_job(p, sample.first, quick(c.language.limits)));
        if (!w.tests.empty()) {
            for (const auto& sample : w.samples)
                jobs.push_back(make_job(llm_tests, sample.first, quick(c.language.limits)));
            jobs.push_back(make_job(llm_tests, p.solution, quick(c.language.limits)));
        }
    }
    const auto runs = ASSAY_TRY(execute(c, jobs, "samples x tests"));

    c.db.transaction([&] {
        for (std::size_t t = 0; t < targets.size(); ++t) {
            const Problem& p = *targets[t].problem;
            const Work& w = work[t];
            const std::size_t n = w.samples.size();
            std::vector<std::int64_t> ids(n);
            std::vector<bool> real_pass(n);
            int passed = 0;
            for (std::size_t k = 0; k < n; ++k) {
                const Executed& e = runs[w.first_job + k];
                ids[k] = c.db.put_candidate(
                    {p.id, store::CandidateKind::solution, store::Origin::llm, w.samples[k].first,
                     std::nullopt, "solve",
                     json{{"stage", "solve"}, {"truncated", w.samples[k].second}}.dump()});
                c.db.put_execution(ids[k], c.run, e.key, e.result);
                real_pass[k] = e.result.all_passed();
                passed += real_pass[k] ? 1 : 0;
            }
            summary.samples += static_cast<int>(n);
            summary.samples_passed += passed;
            c.db.put_solve_stats(p.id, static_cast<int>(n), passed);
            if (w.tests.empty() || n == 0) continue;

            // The solutions x tests matrix, and the agreement that chooses tests.
            std::vector<std::vector<std::size_t>> passes(n);
            for (std::size_t k = 0; k < n; ++k) {
                const sandbox::JobResult& r = runs[w.first_job + n + k].result;
                for (std::size_t i = 0; i < r.cases.size(); ++i)
                    if (r.verdict == Verdict::ok && r.cases[i].verdict == TestVerdict::passed)
                        passes[k].push_back(i);
            }
            const sandbox::JobResult& reference = runs[w.first_job + 2 * n].result;
            const std::vector<std::size_t> group = consensus(passes);
            std::set<std::size_t> chosen;
            if (!group.empty()) {
                chosen.insert(passes[group.front()].begin(), passes[group.front()].end());
                ++summary.codet_problems;
                summary.codet_pick_passed += real_pass[group.front()] ? 1 : 0;
            }
            summary.tests_proposed += static_cast<int>(w.tests.size());
            for (std::size_t i = 0; i < w.tests.size(); ++i) {
                const bool correct = reference.verdict == Verdict::ok &&
                                     i < reference.cases.size() &&
                                     reference.cases[i].verdict == TestVerdict::passed;
                const bool is_chosen = chosen.count(i) != 0;
                json agreeing = json::array();
                for (std::size_t k = 0; k < n; ++k)
                    if (std::find(passes[k].begin(), passes[k].end(), i) != passes[k].end())
                        agreeing.push_back(ids[k]);
                summary.tests_chosen += is_chosen ? 1 : 0;
                summary.tests_chosen_correct += is_chosen && correct ? 1 : 0;
                summary.tests_rejected_incorrect += !is_chosen && !correct ? 1 : 0;
                c.db.put_candidate({p.id, store::CandidateKind::test, store::Origin::llm,
                                    w.tests[i], std::nullopt,
                                    is_chosen ? "codet-chosen" : "codet-rejected",
                                    json{{"stage", "solve"},
                                         {"passing_samples", agreeing},
                                         {"reference_passes", correct}}
                                        .dump()});
            }
        }
    });
    return {};
}

// ---------------------------------------------------------------------------------------------
// bugs and refactorings: one transformation of the reference, checked by the tests

namespace {

struct Transform {
    std::size_t target = 0;
    std::string label;       // bug category or refactoring goal
    std::string description; // the model's words about it
    std::string code;
};

// Asks for one transformation per (target, index), and returns the replies that hold a program
// that defines the entry point and differs from the reference.
std::vector<Transform> transforms(const LlmContext& c, const std::vector<Target>& targets,
                                  std::string_view kind, std::string_view list, int per_target,
                                  std::map<std::string, int>& rejected, LlmSummary& summary) {
    const auto& choices = c.prompts.at(kind).list(list);
    std::vector<llm::ChatRequest> requests;
    std::vector<std::pair<std::size_t, std::string>> what;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Problem& p = *targets[t].problem;
        const std::uint64_t start = derive_seed(c.seed, {std::string(kind), p.id});
        for (int i = 0; i < per_target; ++i) {
            const llm::PromptChoice& choice =
                choices[(start + static_cast<std::uint64_t>(i)) % choices.size()];
            std::map<std::string, std::string> values{
                {"entry_point", p.entry_point}, {"prompt", p.prompt}, {"code", trim(p.solution)}};
            if (kind == "bug") {
                values["category"] = choice.name;
                values["category_description"] = choice.description;
            } else {
                values["goal"] = choice.description;
            }
            requests.push_back(c.prompts.request(
                kind, c.settings.model, {{"user", c.prompts.render(kind, "user", values)}},
                derive_seed(c.seed, {std::string(kind), p.id, std::to_string(i)})));
            what.emplace_back(t, choice.name);
        }
    }
    const std::vector<Answer> answers = ask(c, kind, requests, summary);
    std::vector<Transform> out;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        const Problem& p = *targets[what[i].first].problem;
        if (!answers[i].ok) {
            ++rejected["llm call failed"];
            continue;
        }
        auto code = code_of(answers[i].content, p.entry_point);
        if (!code) {
            ++rejected[answers[i].truncated ? std::string("truncated reply")
                                            : code.error().message];
            continue;
        }
        const auto before = syntax::ast_hash(kPython, p.solution);
        const auto after = syntax::ast_hash(kPython, code->code);
        if (before && after && *before == *after && kind == "bug") {
            ++rejected["no change to the program"];
            continue;
        }
        if (trim(code->code) == trim(p.solution)) {
            ++rejected["no change to the program"];
            continue;
        }
        out.push_back(
            {what[i].first, what[i].second, clip(trim(code->prose), 1000), std::move(code->code)});
    }
    return out;
}

} // namespace

Expected<void> inject_bugs(const LlmContext& c, const std::vector<Target>& targets,
                           LlmSummary& summary) {
    summary.bugs_asked += static_cast<int>(targets.size()) * c.settings.bugs;
    const std::vector<Transform> bugs = transforms(c, targets, "bug", "categories", c.settings.bugs,
                                                   summary.bugs_rejected, summary);
    std::vector<sandbox::HarnessJob> jobs;
    jobs.reserve(bugs.size());
    for (const Transform& b : bugs)
        jobs.push_back(make_job(*targets[b.target].problem, b.code, quick(c.language.limits)));
    const auto runs = ASSAY_TRY(execute(c, jobs, "llm bugs"));
    c.db.transaction([&] {
        for (std::size_t i = 0; i < bugs.size(); ++i) {
            const sandbox::JobResult& r = runs[i].result;
            if (r.verdict == Verdict::internal_error) {
                ++summary.bugs_rejected["internal error while running"];
                continue;
            }
            const Target& t = targets[bugs[i].target];
            const bool survivor = r.all_passed();
            const std::int64_t bug =
                c.db.put_candidate({t.problem->id, store::CandidateKind::bug, store::Origin::llm,
                                    bugs[i].code, t.reference, bugs[i].label,
                                    json{{"description", bugs[i].description},
                                         {"survivor", survivor},
                                         {"stage", "bugs"}}
                                        .dump()});
            const std::int64_t execution = c.db.put_execution(bug, c.run, runs[i].key, r);
            if (survivor) {
                ++summary.bugs_rejected["passes every test"];
                continue;
            }
            ++summary.bugs_kept;
            c.db.put_trajectory({fmt::format("bugfix:{}", bug),
                                 t.problem->id,
                                 "bugfix",
                                 c.run,
                                 true,
                                 json{{"bug_kind", bugs[i].label}, {"origin", "llm"}}.dump(),
                                 {{bug, execution, test_feedback(jobs[i], r), ""},
                                  {t.reference, std::nullopt, "", ""}}});
        }
    });
    return {};
}

Expected<void> refactor(const LlmContext& c, const std::vector<Target>& targets,
                        LlmSummary& summary) {
    summary.refactors_asked += static_cast<int>(targets.size()) * c.settings.refactors;
    const std::vector<Transform> changes = transforms(
        c, targets, "refactor", "goals", c.settings.refactors, summary.refactors_rejected, summary);
    std::vector<sandbox::HarnessJob> jobs;
    jobs.reserve(changes.size());
    for (const Transform& r : changes)
        jobs.push_back(make_job(*targets[r.target].problem, r.code, quick(c.language.limits)));
    const auto runs = ASSAY_TRY(execute(c, jobs, "llm refactorings"));
    c.db.transaction([&] {
        for (std::size_t i = 0; i < changes.size(); ++i) {
            const sandbox::JobResult& r = runs[i].result;
            if (!r.all_passed()) {
                ++summary
                      .refactors_rejected[r.verdict == Verdict::ok
                                              ? std::string("fails a test")
                                              : fmt::format("run ended {}", to_string(r.verdict))];
                continue;
            }
            const Target& t = targets[changes[i].target];
            const std::int64_t id = c.db.put_candidate(
                {t.problem->id, store::CandidateKind::refactor, store::Origin::llm, changes[i].code,
                 t.reference, changes[i].label,
                 json{{"description", changes[i].description}, {"stage", "refactor"}}.dump()});
            c.db.put_execution(id, c.run, runs[i].key, r);
            ++summary.refactors_kept;
        }
    });
    return {};
}

// ---------------------------------------------------------------------------------------------
// Reflexion

namespace {

struct Step {
    std::string code;
    std::int64_t candidate = 0;
    std::int64_t execution = 0;
    sandbox::JobResult result; // visible tests
    std::string feedback;
    std::string reflection;
};

struct Trace {
    std::size_t target = 0;
    std::uint64_t seed = 0;
    std::vector<llm::Message> conversation; // without the system message
    std::vector<Step> steps;
    bool done = false;
    bool aborted = false; // an LLM call failed: the trace is left for a later run to finish
};

} // namespace

Expected<void> reflexion(const LlmContext& c, const std::vector<Target>& targets,
                         LlmSummary& summary) {
    const llm::PromptTemplate& tmpl = c.prompts.at("reflexion");
    std::vector<Trace> traces;
    std::vector<Problem> visible;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const Problem& p = *targets[t].problem;
        const std::string tests = visible_tests(p);
        if (tests.empty()) continue;
        Trace trace;
        trace.target = t;
        trace.seed = derive_seed(c.seed, {"reflexion", p.id});
        trace.conversation.push_back({"user", c.prompts.render("reflexion", "user",
                                                               {{"entry_point", p.entry_point},
                                                                {"prompt", p.prompt},
                                                                {"tests", tests}})});
        traces.push_back(std::move(trace));
    }
    visible.reserve(targets.size());
    for (const Target& t : targets)
        visible.push_back(only_visible(*t.problem));

    for (int round = 0; round < c.settings.max_steps; ++round) {
        std::vector<std::size_t> active;
        std::vector<llm::ChatRequest> requests;
        for (std::size_t i = 0; i < traces.size(); ++i) {
            if (traces[i].done) continue;
            active.push_back(i);
            requests.push_back(
                c.prompts.request("reflexion", c.settings.model, traces[i].conversation,
                                  derive_seed(traces[i].seed, {"step", std::to_string(round)})));
        }
        if (active.empty()) break;
        const std::vector<Answer> answers = ask(c, "reflexion", requests, summary);
        std::vector<sandbox::HarnessJob> jobs;
        std::vector<std::size_t> ran;
        for (std::size_t k = 0; k < active.size(); ++k) {
            Trace& trace = traces[active[k]];
            if (!answers[k].ok) {
                trace.done = true;
                trace.aborted = true;
                continue;
            }
            const Problem& p = *targets[trace.target].problem;
            auto code =
                llm::extract_code(answers[k].content, {std::string(kPython), p.entry_point});
            Step step;
            step.code = code ? code->code : std::string();
            if (!trace.steps.empty())
                trace.steps.back().reflection =
                    clip(trim(code ? code->prose : answers[k].content), 4000);
            trace.conversation.push_back({"assistant", answers[k].content});
            trace.steps.push_back(std::move(step));
            jobs.push_back(
                make_job(visible[trace.target], trace.steps.back().code, quick(c.language.limits)));
            ran.push_back(active[k]);
        }
        const auto runs = ASSAY_TRY(execute(c, jobs, fmt::format("reflexion step {}", round + 1)));
        for (std::size_t k = 0; k < ran.size(); ++k) {
            Trace& trace = traces[ran[k]];
            Step& step = trace.steps.back();
            step.result = runs[k].result;
            c.db.transaction([&] {
                const Problem& p = *targets[trace.target].problem;
                const bool first = trace.steps.size() == 1;
                step.candidate = c.db.put_candidate(
                    {p.id, first ? store::CandidateKind::solution : store::CandidateKind::repair,
                     store::Origin::llm, step.code,
                     first ? std::nullopt
                           : std::optional<std::int64_t>(
                                 trace.steps[trace.steps.size() - 2].candidate),
                     "reflexion",
                     json{{"stage", "reflexion"}, {"step", trace.steps.size() - 1}}.dump()});
                step.execution =
                    c.db.put_execution(step.candidate, c.run, runs[k].key, step.result);
            });
            if (step.result.all_passed()) {
                trace.done = true;
                continue;
            }
            step.feedback = step.code.empty() ? std::string("Your reply held no Python program.")
                                              : test_feedback(jobs[k], step.result);
            if (round + 1 < c.settings.max_steps)
                trace.conversation.push_back(
                    {"user",
                     c.prompts.render("reflexion", "retry",
                                      {{"tests_passed", std::to_string(step.result.passed())},
                                       {"tests_total", std::to_string(step.result.cases.size())},
                                       {"feedback", step.feedback}})});
        }
    }

    // The final attempt of each trace, judged on every test. A trace cut short by a failed call
    // is not recorded (its attempts and their runs are): trajectories are stored once by key,
    // and the rerun that gets the missing reply must be the one to write it.
    std::vector<sandbox::HarnessJob> finals;
    std::vector<std::size_t> judged;
    for (std::size_t i = 0; i < traces.size(); ++i) {
        summary.traces_aborted += traces[i].aborted ? 1 : 0;
        if (!traces[i].steps.empty() && !traces[i].aborted) {
            finals.push_back(make_job(*targets[traces[i].target].problem,
                                      traces[i].steps.back().code, quick(c.language.limits)));
            judged.push_back(i);
        }
    }
    const auto final_runs = ASSAY_TRY(execute(c, finals, "reflexion final"));
    c.db.transaction([&] {
        for (std::size_t k = 0; k < judged.size(); ++k) {
            Trace& trace = traces[judged[k]];
            const Problem& p = *targets[trace.target].problem;
            const sandbox::JobResult& final_result = final_runs[k].result;
            const std::int64_t final_execution = c.db.put_execution(
                trace.steps.back().candidate, c.run, final_runs[k].key, final_result);
            const bool solved = trace.steps.back().result.all_passed() && final_result.all_passed();
            json messages = json::array({{{"role", "system"}, {"content", tmpl.system}}});
            for (const llm::Message& m : trace.conversation)
                messages.push_back({{"role", m.role}, {"content", m.content}});
            json meta{{"messages", messages},
                      {"final",
                       {{"execution", final_execution},
                        {"verdict", to_string(final_result.verdict)},
                        {"tests_passed", final_result.passed()},
                        {"tests_total", final_result.cases.size()}}},
                      {"max_steps", c.settings.max_steps},
                      {"model", c.settings.model},
                      {"seed", trace.seed}};
            std::vector<store::TrajectoryStep> steps;
            for (const Step& step : trace.steps)
                steps.push_back({step.candidate, step.execution, step.feedback, step.reflection});
            c.db.put_trajectory({fmt::format("reflexion:{}:{}", p.id, trace.seed), p.id,
                                 "reflexion", c.run, solved, meta.dump(), std::move(steps)});
            ++summary.traces;
            summary.traces_solved += solved ? 1 : 0;
            summary.traces_solved_first += solved && trace.steps.size() == 1 ? 1 : 0;
            ++summary.trace_steps[static_cast<int>(trace.steps.size())];
        }
    });
    return {};
}

// ---------------------------------------------------------------------------------------------

int LlmSummary::requests() const {
    int n = 0;
    for (const auto& [stage, k] : calls)
        n += k.requests;
    return n;
}

int LlmSummary::failed() const {
    int n = 0;
    for (const auto& [stage, k] : calls)
        n += k.failed;
    return n;
}

json LlmSummary::to_json() const {
    json call_stats = json::object();
    for (const auto& [stage, k] : calls)
        call_stats[stage] = {{"requests", k.requests},
                             {"failed", k.failed},
                             {"truncated", k.truncated},
                             {"retried_for_length", k.retried_for_length}};
    json steps = json::object();
    for (const auto& [n, count] : trace_steps)
        steps[std::to_string(n)] = count;
    return {
        {"calls", call_stats},
        {"http_requests", http_requests},
        {"cache_hits", cache_hits},
        {"tokens", tokens},
        {"first_error", first_error},
        {"instruct",
         {{"asked", problems_asked},
          {"accepted", problems_accepted},
          {"rejected", problems_rejected}}},
        {"solve",
         {{"samples", samples},
          {"samples_passed", samples_passed},
          {"tests_proposed", tests_proposed},
          {"tests_chosen", tests_chosen},
          {"tests_chosen_correct", tests_chosen_correct},
          {"tests_rejected_incorrect", tests_rejected_incorrect},
          {"codet_problems", codet_problems},
          {"codet_pick_passed", codet_pick_passed},
          {"rejected", solve_rejected}}},
        {"bugs", {{"asked", bugs_asked}, {"kept", bugs_kept}, {"rejected", bugs_rejected}}},
        {"refactor",
         {{"asked", refactors_asked}, {"kept", refactors_kept}, {"rejected", refactors_rejected}}},
        {"reflexion",
         {{"traces", traces},
          {"solved", traces_solved},
          {"solved_first_try", traces_solved_first},
          {"aborted", traces_aborted},
          {"steps", steps}}}};
}

std::string LlmSummary::describe() const {
    std::string out;
    out += fmt::format("llm: {} requests ({} answered from the cache, {} HTTP requests, {} "
                       "failed), {} tokens\n",
                       requests(), cache_hits, http_requests, failed(), tokens);
    if (!first_error.empty()) out += fmt::format("  first failure: {}\n", first_error);
    if (problems_asked > 0) {
        out += fmt::format("new problems: {} asked, {} accepted\n", problems_asked,
                           problems_accepted.size());
        for (const auto& [why, n] : problems_rejected)
            out += fmt::format("  rejected {:>3}: {}\n", n, why);
    }
    if (samples > 0)
        out += fmt::format("samples: {} passed of {} ({:.0f}%); LLM tests: {} proposed, {} chosen "
                           "by agreement ({} of them right), {} wrong ones left out; consensus "
                           "pick passes on {}/{} problems\n",
                           samples_passed, samples, 100.0 * samples_passed / samples,
                           tests_proposed, tests_chosen, tests_chosen_correct,
                           tests_rejected_incorrect, codet_pick_passed, codet_problems);
    else if (!solve_rejected.empty())
        out += "samples: none with code\n";
    for (const auto& [why, n] : solve_rejected)
        out += fmt::format("  rejected {:>3}: {}\n", n, why);
    if (bugs_asked > 0) {
        out += fmt::format("llm bugs: {} asked, {} kept\n", bugs_asked, bugs_kept);
        for (const auto& [why, n] : bugs_rejected)
            out += fmt::format("  rejected {:>3}: {}\n", n, why);
    }
    if (refactors_asked > 0) {
        out +=
            fmt::format("llm refactorings: {} asked, {} kept\n", refactors_asked, refactors_kept);
        for (const auto& [why, n] : refactors_rejected)
            out += fmt::format("  rejected {:>3}: {}\n", n, why);
    }
    if (traces > 0) {
        out +=
            fmt::format("reflexion: {} traces, {} solved ({} on the first attempt); steps:", traces,
                        traces_solved, traces_solved_first);
        for (const auto& [n, count] : trace_steps)
            out += fmt::format(" {}x{}", count, n);
        out += "\n";
    }
    if (traces_aborted > 0)
        out += fmt::format("reflexion: {} traces cut short by a failed call, left for a rerun\n",
                           traces_aborted);
    return out;
}

} // namespace assay::pipeline
