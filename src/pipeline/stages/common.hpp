// What the stages (src/pipeline/stages/*.cpp) share: reading code and tests out of replies,
// rendering problems, the limits for generated code. Internal to src/pipeline.
#pragma once

#include "core/language.hpp"
#include "llm/reply_parser.hpp"
#include "pipeline/stages/context.hpp"
#include "util/string.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace assay::pipeline::stages {

using util::clip;
using util::first_line;
using util::trimmed;

constexpr int kMinTests = 4;

constexpr std::size_t kMaxTestsPerProblem = 24;

// Each case repeats the statements before it, so the cases of a test block grow with its square:
// 290 kB of alternating assignments and asserts made 900 MB of cases. A model asked for a dozen
// one-line asserts needs a small fraction of this.
constexpr std::size_t kMaxTestBlockBytes = std::size_t{32} * 1024;

// A request seed from --seed and what the request is for; below 2^63 (servers read it signed).
std::uint64_t derive_seed(std::uint64_t seed, const std::vector<std::string>& parts);

// Generated code (mutants, model-written programs) is new and often wrong: an injected infinite
// loop should cost a second or so, not the language's full limit. Its CPU limit is four times
// what the problem's reference took (`reference_cpu_ms`, 0 when there is none), rounded up to
// whole seconds, at least one second and at most the language's limit; its wall limit twice that.
// A program as slow as its reference is then far from the limit whatever the machine's load (the
// reference's own time varies about 2x with it), so its verdict does not depend on the load: a
// fixed 1 s made a problem whose reference takes 1 s time its mutants out or not by chance.
sandbox::Limits quick(sandbox::Limits limits, long reference_cpu_ms);

// The code of a reply that should define `entry_point`, or why there is none.
Expected<llm::ExtractedCode> code_of(const Language& language, const std::string& reply,
                                     const std::string& entry_point);

// The assert statements of a block a model wrote that test `entry_point` (syntax::depends_on:
// the name or `candidate`, not its letters in `assert True`), each with the statements before it. A
// block with a syntax error is read line by line, keeping the lines that parse on their own. Fails
// for a block longer than kMaxTestBlockBytes.
Expected<std::vector<std::string>> asserts_of(const Language& language, std::string_view code,
                                              const std::string& entry_point);

bool is_identifier(std::string_view name);

std::string render_problem(const Language& language, const Problem& p, bool with_solution);

// Problems the model may be asked about: the reference passes, and there are visible tests.
std::string visible_tests(const Problem& p);

Problem only_visible(const Problem& p);

// Whether two problems state and test the same thing (what the store keeps of them).
bool same_problem(const Problem& a, const Problem& b);

std::string verdict_line(const sandbox::JobResult& r);

struct Transform {
    std::size_t target = 0;
    std::string label;       // bug category or refactoring goal
    std::string description; // the model's words about it
    std::string code;
    std::string call; // the llm call the reply came from (Answer::call)
};

// Asks for one transformation per (target, index), and returns the replies that hold a program
// that defines the entry point and differs from the reference.
std::vector<Transform> transforms(const LlmContext& c, const std::vector<Target>& targets,
                                  std::string_view kind, std::string_view list, int per_target,
                                  std::map<std::string, int>& rejected, LlmSummary& summary);

} // namespace assay::pipeline::stages
