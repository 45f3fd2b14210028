#include "pipeline/stages/mutate.hpp"

#include "pipeline/stages/bugfix.hpp"
#include "pipeline/stages/common.hpp"
#include "pipeline/verify.hpp"
#include "syntax/ast_hash.hpp"
#include "syntax/mutate.hpp"

#include <set>

namespace assay::pipeline {

namespace {

struct Mutant {
    std::size_t problem = 0; // index into the run's problems
    syntax::Mutant mutant;
};

// FNV-1a, so that each problem gets its own stable mutant sample for one --seed.
std::uint64_t problem_seed(std::uint64_t seed, std::string_view id) {
    std::uint64_t h = 14695981039346656037ULL ^ seed;
    for (unsigned char c : id)
        h = (h ^ c) * 1099511628211ULL;
    return h;
}

// The problem's mutants, none equal (as normalised syntax trees) to the reference or each other.
std::vector<syntax::Mutant> mutants_of(const Problem& p, const Language& language,
                                       std::uint64_t seed, std::size_t count) {
    std::vector<syntax::Mutant> out;
    const auto original = syntax::ast_hash(language.grammar, p.solution);
    if (!original) return out;
    std::set<std::string> seen{*original};
    for (syntax::Mutant& m : syntax::sample_mutants(language.grammar, p.solution, p.entry_point,
                                                    count, problem_seed(seed, p.id))) {
        const auto hash = syntax::ast_hash(language.grammar, m.code);
        if (hash && seen.insert(*hash).second) out.push_back(std::move(m));
    }
    return out;
}

enum class Fate { killed, survived, errored };

// A mutant that does not compile is no bug a test caught: it is dropped like one whose run failed
// inside.
Fate fate_of(const sandbox::JobResult& result) {
    if (result.verdict == Verdict::internal_error || result.verdict == Verdict::compile_error)
        return Fate::errored;
    return result.all_passed() ? Fate::survived : Fate::killed;
}

void count(const Mutant& m, Fate fate, RunSummary& summary, std::vector<ProblemTally>& tallies) {
    MutantCounts& c = summary.mutants[m.mutant.kind];
    ProblemTally& t = tallies[m.problem];
    ++c.generated;
    switch (fate) {
    case Fate::killed:
        ++c.killed, ++t.killed;
        break;
    case Fate::survived:
        ++c.survived, ++t.survived;
        break;
    case Fate::errored:
        ++c.errored;
        break;
    }
}

} // namespace

Expected<void> mutate(const Driver& driver, const std::vector<Problem>& problems,
                      const std::vector<ReferenceRun>& references, const MutateOptions& options,
                      RunSummary& summary, std::vector<ProblemTally>& tallies) {
    const Language& language = driver.language();
    TaggedJobs<Mutant> jobs;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        if (!references[i].passed()) continue;
        for (syntax::Mutant& m :
             mutants_of(problems[i], language, driver.seed(), options.per_problem)) {
            sandbox::HarnessJob job = make_job(
                problems[i], m.code, stages::quick(language.limits, references[i].result.cpu_ms));
            jobs.add({i, std::move(m)}, std::move(job));
        }
    }
    // The syntax layer's output parses: no gate.
    const auto ran = ASSAY_TRY(driver.run(std::move(jobs), "mutants", Gate::none, "survived"));
    for (const Ran<Mutant>& r : ran)
        count(r.tag, fate_of(r.result()), summary, tallies);
    driver.commit([&] {
        for (const Ran<Mutant>& r : ran) {
            if (fate_of(r.result()) == Fate::errored) continue;
            const syntax::Mutant& m = r.tag.mutant;
            const ReferenceRun& reference = references[r.tag.problem];
            record_bug(driver,
                       {.problem = &problems[r.tag.problem],
                        .reference = reference.candidate,
                        .reference_execution = reference.execution,
                        .origin = store::Origin::mutation,
                        .kind = m.kind,
                        .code = m.code,
                        .meta = {{"description", m.description}, {"line", m.line}}},
                       r.job, r.run);
        }
    });
    return {};
}

} // namespace assay::pipeline
