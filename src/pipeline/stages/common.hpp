// What the LLM stages (src/pipeline/stages/*.cpp) share: asking the model, running the
// jail on what came back, reading code and tests out of replies, rendering problems.
// Internal to src/pipeline; the stages themselves are declared in pipeline/llm_stages.hpp.
#pragma once

#include "llm/reply_parser.hpp"
#include "pipeline/llm_stages.hpp"
#include "util/string.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace assay::pipeline::stages {

using util::clip;
using util::first_line;
using util::trimmed;

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
std::uint64_t derive_seed(std::uint64_t seed, const std::vector<std::string>& parts);

void log(const LlmContext& c, const std::string& line);

// Generated code is new and often wrong: an injected infinite loop should cost a second, not
// the language's full limit.
sandbox::Limits quick(sandbox::Limits limits);

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
                        std::vector<llm::ChatRequest> requests, LlmSummary& summary);

Expected<std::vector<Executed>> execute(const LlmContext& c,
                                        const std::vector<sandbox::HarnessJob>& jobs,
                                        const std::string& label);

// The code of a reply that should define `entry_point`, or why there is none.
Expected<llm::ExtractedCode> code_of(const std::string& reply, const std::string& entry_point);

// The assert statements of a block a model wrote that test `entry_point` (syntax::depends_on:
// the name or `candidate`, not its letters in `assert True`), each with the statements before it. A
// block with a syntax error is read line by line, keeping the lines that parse on their own. Fails
// for a block longer than kMaxTestBlockBytes.
Expected<std::vector<std::string>> asserts_of(std::string_view code,
                                              const std::string& entry_point);

bool is_identifier(std::string_view name);

std::string render_problem(const Problem& p, bool with_solution);

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
};

// Asks for one transformation per (target, index), and returns the replies that hold a program
// that defines the entry point and differs from the reference.
std::vector<Transform> transforms(const LlmContext& c, const std::vector<Target>& targets,
                                  std::string_view kind, std::string_view list, int per_target,
                                  std::map<std::string, int>& rejected, LlmSummary& summary);

} // namespace assay::pipeline::stages
