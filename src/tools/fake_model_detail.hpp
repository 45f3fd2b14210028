// The fake model's parts (internal to src/tools/fake_*.cpp): the draws of one reply, the text
// every reply is made of, what the model knows, and one writer per prompt kind. fake_model.cpp
// picks the writer; fake_answers.cpp writes the answers about a problem (solve, tests, bug,
// refactor, reflexion), fake_exercises.cpp the new exercises (instruct, evolve), fake_text.cpp
// the text of fences, prose and assert lines.
#pragma once

#include "syntax/mutate.hpp"
#include "syntax/refactor.hpp"
#include "tools/fake_model.hpp"
#include "tools/fake_request.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace assay::tools {

struct FakeModel::Knowledge {
    std::vector<Problem> problems; // the known ones, then the inventions
    std::size_t first_invention = 0;
    std::map<std::string, std::vector<std::size_t>, std::less<>> by_entry_point;

    // Mutants and refactorings per (program, entry point), computed once.
    struct Variants {
        std::vector<syntax::Mutant> mutants;
        std::vector<syntax::Refactoring> refactorings;
    };
    mutable std::mutex mutex;
    mutable std::map<std::string, std::shared_ptr<const Variants>> variants_cache;

    // In the grammar of `language` (a name the request gave: Python when no grammar has it).
    std::shared_ptr<const Variants> variants(std::string_view code, std::string_view entry_point,
                                             std::string_view language) const;
    // A known problem with this entry point, of `language` when one is (any language
    // otherwise), whose prompt's first line is in `context` when one's is.
    const Problem* find(std::string_view entry_point, std::string_view context,
                        std::string_view language = "python") const;
    std::span<const Problem> inventions() const;
};

namespace detail {

// The draws of one reply: splitmix64 from the hash of (seed, request).
class Dice {
  public:
    explicit Dice(std::uint64_t state) : state_(state) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
    bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
    template <typename T> const T& pick(std::span<const T> items) {
        return items[below(items.size())];
    }

  private:
    std::uint64_t state_;
};

inline std::string_view pick_line(Dice& dice, std::span<const std::string_view> lines) {
    return dice.pick(lines);
}

// What a reply writer gets.
struct Context {
    const FakeModel::Knowledge& knowledge;
    const FakeRequest& request;
    Dice& dice;
    std::uint64_t h; // the reply's hash, for the canned replies
};

// ---- Text (fake_text.cpp).

// The lines of `text`, each trimmed.
std::vector<std::string_view> lines_of(std::string_view text);

// `code`, ending in one newline (added when missing).
std::string with_newline(std::string_view code);

// `code` in a fenced block: fence and tag, the code, the fence.
std::string fenced(std::string_view code, std::string_view tag = "python",
                   std::string_view fence = "```");

// How a model tags code in `language`: mostly its descriptor's first fence tag (```python),
// sometimes its second (```py) or nothing.
std::string fence_tag(Dice& dice, std::string_view language = "python");

// The language a request asks about: its `### Language:` when a grammar has that name, else
// Python.
std::string request_language(const FakeRequest& request);

// Prose around a block: `before` + block + `after`, each part optional.
std::string framed(std::string_view before, std::string_view block, std::string_view after);

// The call of `name` in an assert line, e.g. "f(1, [2])" from "assert f(1, [2]) == 3".
std::string call_in(std::string_view line, std::string_view name);

// ---- Answers about a problem (fake_answers.cpp).

// A function `name` taking anything, in `language`, with one of a few bodies (mostly wrong),
// chosen by `pick`.
std::string canned_function(const std::string& name, std::uint64_t pick,
                            std::string_view language = "python");

// A reply about `name` that the model cannot solve: a canned function in one of the shapes
// real replies take, in rough proportion (drawn from `h`).
FakeReply canned_reply(const std::string& name, std::uint64_t h,
                       std::string_view language = "python");

// A request without a task line: the behaviour assay-fake-llm always had.
FakeReply untasked_reply(const FakeRequest& request, std::uint64_t h);

// The request's entry point, else "solve".
std::string name_or_solve(const FakeRequest& request);

// One of `all`: an operator drawn uniformly among those present (among `prefer` when one of
// those is present), then one of its mutants; never one whose code is in `avoid`.
const syntax::Mutant* pick_mutant(const std::vector<syntax::Mutant>& all, Dice& dice,
                                  std::span<const std::string_view> prefer = {},
                                  const std::set<std::string>& avoid = {});

// One writer per `### Task:` kind (fake_model.hpp says what each replies).
FakeReply write_solve(const Context& c);
FakeReply write_tests(const Context& c);
FakeReply write_bug(const Context& c);
FakeReply write_refactor(const Context& c);
FakeReply write_reflexion(const Context& c);
FakeReply write_retry(const Context& c);

// ---- Reasoning (fake_reasoning.cpp).

// `answer` with the reasoning a reasoning model writes before it, placed as `mode` says
// (fake_model.hpp); drawn from `h`.
FakeReply with_reasoning(const FakeModel::Knowledge& knowledge, const FakeRequest& request,
                         FakeReply answer, ReasoningMode mode, std::uint64_t h);

// ---- New exercises (fake_exercises.cpp).

// instruct and evolve.
FakeReply write_exercise(const Context& c);

} // namespace detail

} // namespace assay::tools
