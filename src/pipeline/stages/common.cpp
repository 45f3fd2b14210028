// The stages' shared pieces (stages/common.hpp).
#include "pipeline/stages/common.hpp"

#include "llm/cache.hpp"
#include "llm/reply_parser.hpp"
#include "pipeline/similarity.hpp"
#include "pipeline/verify.hpp"
#include "syntax/ast_hash.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/split_tests.hpp"
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

sandbox::Limits quick(sandbox::Limits limits, long reference_cpu_ms) {
    constexpr long kFactor = 4;
    constexpr long kStep = 1000;
    const long scaled = std::max(0L, reference_cpu_ms) * kFactor;
    const long cpu = std::max(kStep, (scaled + kStep - 1) / kStep * kStep);
    limits.cpu_ms = static_cast<int>(std::min<long>(limits.cpu_ms, cpu));
    limits.wall_ms = static_cast<int>(std::min<long>(limits.wall_ms, 2L * limits.cpu_ms));
    return limits;
}

Expected<llm::ExtractedCode> code_of(const Language& language, const std::string& reply,
                                     const std::string& entry_point) {
    auto code = llm::extract_code(reply, {language, entry_point});
    if (!code) return fail("no code in the reply");
    if (!code->parses) return fail("the code has a syntax error");
    if (!entry_point.empty() && !code->defines_entry_point)
        return fail("the code does not define `{}`", entry_point);
    return code;
}

Expected<std::vector<std::string>> asserts_of(const Language& language, std::string_view code,
                                              const std::string& entry_point) {
    if (code.size() > kMaxTestBlockBytes) return fail("longer than {} bytes", kMaxTestBlockBytes);
    std::vector<std::string> out;
    auto keep = [&](std::string text) {
        text = trimmed(text);
        // `candidate` is the entry point too, in the jail and in the exported scripts.
        // Model-written tests run in the judge: only plain ones (syntax::plain_test), which
        // cannot reach the harness to forge their results.
        if (!syntax::plain_test(language.grammar, text, entry_point)) return;
        if (entry_point.empty() || syntax::depends_on(language.grammar, text, entry_point) ||
            syntax::depends_on(language.grammar, text, "candidate"))
            out.push_back(std::move(text));
    };
    if (auto split = syntax::split_asserts(language.grammar, code)) {
        for (TestCase& t : split->cases)
            keep(std::move(t.code));
        return out;
    }
    // The block does not parse: each line that is a whole asserting statement by itself.
    std::size_t at = 0;
    while (at < code.size()) {
        std::size_t eol = code.find('\n', at);
        if (eol == std::string_view::npos) eol = code.size();
        const std::string line = trimmed(code.substr(at, eol - at));
        at = eol + 1;
        if (auto alone = syntax::split_asserts(language.grammar, line);
            alone && alone->cases.size() == 1)
            keep(std::move(alone->cases.front().code));
    }
    return out;
}

bool is_identifier(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_';
    });
}

std::string render_problem(const Language& language, const Problem& p, bool with_solution) {
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
    return out + fmt::format("## Solution\n```{0}\n{1}\n```\n## Tests\n```{0}\n{2}```\n",
                             language.name, trimmed(p.solution), tests);
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
        const std::uint64_t start = derive_seed(c.driver.seed(), {std::string(kind), p.id});
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
                derive_seed(c.driver.seed(), {std::string(kind), p.id, std::to_string(i)})));
            what.emplace_back(t, choice.name);
        }
    }
    const std::vector<Answer> answers = c.driver.ask(kind, requests, summary);
    const Language& language = c.driver.language();
    std::vector<Transform> out;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        const Problem& p = *targets[what[i].first].problem;
        if (!answers[i].ok) {
            ++rejected["llm call failed"];
            continue;
        }
        auto code = code_of(language, answers[i].content, p.entry_point);
        if (!code) {
            ++rejected[answers[i].truncated ? std::string("truncated reply")
                                            : code.error().message];
            continue;
        }
        const auto before = syntax::ast_hash(language.grammar, p.solution);
        const auto after = syntax::ast_hash(language.grammar, code->code);
        if (before && after && *before == *after && kind == "bug") {
            ++rejected["no change to the program"];
            continue;
        }
        if (trimmed(code->code) == trimmed(p.solution)) {
            ++rejected["no change to the program"];
            continue;
        }
        // A bug or a refactoring of the program the prompt asks for: the same interface.
        if (!p.entry_point.empty() &&
            !syntax::same_signature(language.grammar, p.solution, code->code, p.entry_point)) {
            ++rejected[fmt::format("changes the signature of `{}`", p.entry_point)];
            continue;
        }
        out.push_back({what[i].first, what[i].second, clip(trimmed(code->prose), 1000),
                       std::move(code->code), answers[i].call});
    }
    return out;
}

} // namespace assay::pipeline::stages
