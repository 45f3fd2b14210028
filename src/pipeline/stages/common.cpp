// The stages' shared pieces (stages/common.hpp), and test_feedback.
#include "pipeline/stages/common.hpp"

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

namespace assay::pipeline::stages {

using nlohmann::json;

std::uint64_t derive_seed(std::uint64_t seed, const std::vector<std::string>& parts) {
    std::vector<std::string_view> all{"assay-seed"};
    const std::string seed_text = std::to_string(seed);
    all.push_back(seed_text);
    for (const std::string& p : parts)
        all.push_back(p);
    return std::stoull(util::content_hash_parts(all).substr(0, 16), nullptr, 16) &
           0x7fff'ffff'ffff'ffffULL;
}

void log(const LlmContext& c, const std::string& line) {
    if (c.progress) std::cerr << "llm: " << line << '\n';
}

sandbox::Limits quick(sandbox::Limits limits) {
    limits.wall_ms = std::min(limits.wall_ms, 1500);
    limits.cpu_ms = std::min(limits.cpu_ms, 1000);
    return limits;
}

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

Expected<llm::ExtractedCode> code_of(const std::string& reply, const std::string& entry_point) {
    auto code = llm::extract_code(reply, {std::string(kPython), entry_point});
    if (!code) return fail("no code in the reply");
    if (!code->parses) return fail("the code has a syntax error");
    if (!entry_point.empty() && !code->defines_entry_point)
        return fail("the code does not define `{}`", entry_point);
    return code;
}

Expected<std::vector<std::string>> asserts_of(std::string_view code,
                                              const std::string& entry_point) {
    if (code.size() > kMaxTestBlockBytes) return fail("longer than {} bytes", kMaxTestBlockBytes);
    std::vector<std::string> out;
    auto keep = [&](std::string text) {
        text = trimmed(text);
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
        const std::string line = trimmed(code.substr(at, eol - at));
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
                                  p.entry_point, trimmed(p.prompt));
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
                             trimmed(p.solution), tests);
}

std::string visible_tests(const Problem& p) {
    std::string out;
    for (const TestCase& t : p.tests)
        if (t.visibility == Visibility::visible) out += trimmed(t.code) + "\n";
    return trimmed(out);
}

Problem only_visible(const Problem& p) {
    Problem v = p;
    v.tests.clear();
    for (const TestCase& t : p.tests)
        if (t.visibility == Visibility::visible) v.tests.push_back(t);
    return v;
}

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
            std::map<std::string, std::string> values{{"entry_point", p.entry_point},
                                                      {"prompt", p.prompt},
                                                      {"code", trimmed(p.solution)}};
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
        if (trimmed(code->code) == trimmed(p.solution)) {
            ++rejected["no change to the program"];
            continue;
        }
        out.push_back({what[i].first, what[i].second, clip(trimmed(code->prose), 1000),
                       std::move(code->code)});
    }
    return out;
}

} // namespace assay::pipeline::stages

namespace assay::pipeline {

using nlohmann::json;
using namespace stages;

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
        const std::string code = i < job.cases.size() ? trimmed(job.cases[i].code) : c.name;
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
    return trimmed(out);
}

} // namespace assay::pipeline
