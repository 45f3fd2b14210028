#include "pipeline/judge_programs.hpp"

#include "syntax/case_plan.hpp"
#include "util/file.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <set>

namespace assay::pipeline {

std::string fill(std::string_view text,
                 const std::vector<std::pair<std::string, std::string>>& values,
                 std::string_view open, std::string_view close) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t found = text.find(open, at);
        if (found == std::string_view::npos) break;
        out.append(text.substr(at, found - at));
        bool replaced = false;
        for (const auto& [name, value] : values) {
            const std::size_t name_at = found + open.size();
            if (text.substr(name_at, name.size()) == name &&
                text.substr(name_at + name.size(), close.size()) == close) {
                out += value;
                at = name_at + name.size() + close.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out.append(open);
            at = found + open.size();
        }
    }
    out.append(text.substr(std::min(at, text.size())));
    return out;
}

Expected<ProgramFrames> load_frames(const Language& language) {
    if (language.programs.empty())
        return fail_env("the language '{}' has no [programs] table", language.name);
    ProgramFrames frames;
    frames.runner =
        ASSAY_TRY(util::read_file((language.harness_dir / language.programs.runner).string()));
    frames.judge =
        ASSAY_TRY(util::read_file((language.harness_dir / language.programs.judge).string()));
    return frames;
}

namespace {

using syntax::CasePlan;
using syntax::CaseStatement;
using syntax::Span;

std::string as_line(std::string text) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text;
}

// Builds one case's statements for both programs, numbering holes from `next_id`.
class CaseWriter {
  public:
    CaseWriter(const ProgramTemplates& t, const CasePlan& plan, long& next_id)
        : t_(t), plan_(plan), next_id_(next_id) {
        for (const CaseStatement& s : plan.statements)
            for (const auto& hole : s.holes)
                ids_.push_back({hole.span.begin, next_id_++});
    }

    // `span` of the case's code with every hole in it written by `snippet` (emit or take).
    std::string with_holes(Span span, const std::string& snippet) const {
        std::string out;
        uint32_t at = span.begin;
        for (const CaseStatement& s : plan_.statements)
            for (const auto& hole : s.holes) {
                if (hole.span.begin < at || hole.span.end > span.end) continue;
                out += plan_.code.substr(at, hole.span.begin - at);
                const std::string expr =
                    plan_.code.substr(hole.span.begin, hole.span.end - hole.span.begin);
                out += fill(snippet, {{"id", std::to_string(id(hole.span.begin))}, {"expr", expr}});
                at = hole.span.end;
            }
        out += plan_.code.substr(at, span.end - at);
        return out;
    }

    long id(uint32_t begin) const {
        for (const auto& [at, id] : ids_)
            if (at == begin) return id;
        return -1;
    }

    std::string text(Span span) const {
        return plan_.code.substr(span.begin, span.end - span.begin);
    }

    // The runner's statements: each hole, and the statements before it that its inputs come
    // from (declarations of the names it uses, and statements that change them, found walking
    // back from the last hole); assertions and the rest stay out. A statement kept for a hole's
    // inputs runs in both programs, with whatever else it computes.
    std::string runner_body() const {
        std::set<std::string> needed;
        const auto touches = [&](const std::vector<std::string>& names) {
            return std::any_of(names.begin(), names.end(),
                               [&](const std::string& n) { return needed.contains(n); });
        };
        std::vector<bool> keep(plan_.statements.size(), false);
        for (std::size_t i = plan_.statements.size(); i-- > 0;) {
            const CaseStatement& s = plan_.statements[i];
            if (!s.holes.empty()) {
                keep[i] = true;
                if (s.declaration) needed.insert(s.uses.begin(), s.uses.end());
                for (const auto& hole : s.holes)
                    needed.insert(hole.uses.begin(), hole.uses.end());
            } else if (s.declaration ? touches(s.declares) : !s.asserts && touches(s.uses)) {
                keep[i] = true;
                needed.insert(s.uses.begin(), s.uses.end());
            }
        }
        std::string out;
        for (std::size_t i = 0; i < plan_.statements.size(); ++i) {
            const CaseStatement& s = plan_.statements[i];
            if (!keep[i]) continue;
            if (s.holes.empty() || s.declaration) {
                out += with_holes(s.span, t_.emit) + "\n";
                continue;
            }
            for (const auto& hole : s.holes)
                out += fill(t_.emit, {{"id", std::to_string(id(hole.span.begin))},
                                      {"expr", text(hole.span)}}) +
                       ";\n";
        }
        return out;
    }

    std::string judge_body() const {
        std::string out;
        for (const CaseStatement& s : plan_.statements) {
            if (!s.assertion) {
                out += with_holes(s.span, t_.take) + "\n";
                continue;
            }
            const auto& a = *s.assertion;
            if (a.lhs && a.rhs)
                out += fill(t_.compare, {{"lhs", with_holes(*a.lhs, t_.take)},
                                         {"rhs", with_holes(*a.rhs, t_.take)},
                                         {"op", a.op}});
            else
                out += fill(t_.check, {{"cond", with_holes(a.condition, t_.take)}});
            out += "\n";
        }
        return out;
    }

    // Names the holes use that the case itself does not declare: they come from the set-up.
    bool uses_setup(const std::vector<std::string>& candidates) const {
        std::set<std::string> declared;
        for (const CaseStatement& s : plan_.statements)
            declared.insert(s.declares.begin(), s.declares.end());
        for (const CaseStatement& s : plan_.statements)
            for (const auto& hole : s.holes)
                for (const std::string& name : hole.uses)
                    if (!declared.contains(name) &&
                        std::find(candidates.begin(), candidates.end(), name) == candidates.end())
                        return true;
        return false;
    }

  private:
    const ProgramTemplates& t_;
    const CasePlan& plan_;
    long& next_id_;
    std::vector<std::pair<uint32_t, long>> ids_;
};

} // namespace

std::string runner_source(const ProgramFrames& frames, const std::string& program,
                          const JudgePrograms& programs) {
    return fill(
        frames.runner,
        {{"program", program}, {"setup", programs.runner_setup}, {"cases", programs.runner_cases}},
        "{{", "}}");
}

Expected<JudgePrograms> build_programs(const Language& language, const ProgramFrames& frames,
                                       const sandbox::HarnessJob& job, bool all_whole) {
    const ProgramTemplates& t = language.programs;
    const std::vector<std::string> candidates{job.entry_point};
    JudgePrograms out;
    std::string runner_cases;
    std::string judge_cases;
    bool runner_needs_setup = false;
    long next_id = 0;
    for (std::size_t k = 0; k < job.cases.size(); ++k) {
        const sandbox::HarnessCase& c = job.cases[k];
        ProgramCase pc;
        pc.name = c.name;
        CasePlan plan;
        if (auto planned = syntax::plan_case(language.grammar, c.code, candidates)) {
            plan = std::move(*planned);
        } else {
            plan.code = c.code;
            plan.whole = planned.error().message;
        }
        for (auto it = plan.statements.rbegin(); it != plan.statements.rend(); ++it)
            if (it->asserts) {
                pc.assertion = plan.code.substr(it->span.begin, it->span.end - it->span.begin);
                break;
            }
        // A test with no assertion statement of its own (a loop, a MultiPL-E check function):
        // a failure names the test's code.
        if (pc.assertion.empty()) pc.assertion = util::trimmed(c.code);
        if (all_whole || !plan.whole.empty()) {
            pc.whole = true;
            pc.why = all_whole ? "the split programs do not compile" : plan.whole;
            runner_needs_setup = true;
            runner_cases +=
                as_line(fill(t.whole_case, {{"case", std::to_string(k)}, {"body", c.code}}));
            out.cases.push_back(std::move(pc));
            continue;
        }
        const CaseWriter writer(t, plan, next_id);
        for (const CaseStatement& s : plan.statements)
            for (const auto& hole : s.holes)
                pc.holes[writer.id(hole.span.begin)] = writer.text(hole.span);
        runner_needs_setup = runner_needs_setup || writer.uses_setup(candidates);
        runner_cases += as_line(
            fill(t.runner_case, {{"case", std::to_string(k)}, {"body", writer.runner_body()}}));
        judge_cases += as_line(
            fill(t.judge_case, {{"case", std::to_string(k)}, {"body", writer.judge_body()}}));
        out.cases.push_back(std::move(pc));
    }
    out.runner_setup = runner_needs_setup ? as_line(job.setup) : std::string();
    out.runner_cases = std::move(runner_cases);
    out.runner = runner_source(frames, as_line(job.code), out);
    if (!judge_cases.empty())
        out.judge =
            fill(frames.judge, {{"setup", as_line(job.setup)}, {"cases", judge_cases}}, "{{", "}}");
    return out;
}

} // namespace assay::pipeline
