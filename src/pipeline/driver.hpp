// The driver (ARCHITECTURE.md "Stages and the driver"): every stage reaches the world through it.
// It owns the three effects a stage has — asking the model, running a batch of jobs, committing
// records — so a stage is only the logic that turns inputs into requests and jobs, and replies
// and verdicts into records.
#pragma once

#include "core/language.hpp"
#include "llm/client.hpp"
#include "pipeline/batch.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/llm_summary.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace assay::pipeline {

// One reply (or why there is none) to one request of a stage.
struct Answer {
    bool ok = false;
    std::string content;   // the answer, without the model's reasoning (llm::ChatReply::content)
    std::string reasoning; // the model's reasoning, cut as the content is; never parsed
    // The request hash (llm::request_hash) of the call that gave the content: where its
    // reasoning is stored (llm_calls), for a record to name (candidate meta `llm_call`).
    std::string call;
    std::string error;
    bool truncated = false; // still cut by max_tokens after asking again
};

// Whether a batch's programs pass the syntax gate before they reach the executor: model-written
// code does (a reply that does not parse costs no jail run); the problems' own code and programs
// derived from it by the syntax layer are known to parse.
enum class Gate { syntax, none };

class Driver {
  public:
    struct Options {
        std::int64_t run = 0;   // the run every record belongs to
        std::uint64_t seed = 0; // --seed
        bool progress = false;  // progress lines on stderr
    };
    // `client` may be null for a run without a model (ask() then fails every request).
    Driver(store::Store& db, Executor& executor, const Language& language, llm::LlmClient* client,
           Options options)
        : db_(db), executor_(executor), language_(language), client_(client), options_(options) {}

    // Asks every request at once; a reply cut by max_tokens is asked once more with twice the
    // tokens (a new request: its own cache entry), and kept marked truncated if cut again (if that
    // ask fails, the request has failed). A reply longer than kMaxBytesPerToken per token asked for
    // is cut there and marked truncated. Counts calls, failures and tokens under `stage`.
    [[nodiscard]] std::vector<Answer> ask(std::string_view stage,
                                          const std::vector<llm::ChatRequest>& requests,
                                          LlmSummary& summary) const;

    // Runs the jobs (the store's execution cache answers what it can; identical jobs run once)
    // and returns each with its tag, in the order added. The progress line calls the jobs that
    // passed every test `passed_word` ("survived" where passing means a bug went unseen).
    template <typename Tag>
    [[nodiscard]] Expected<std::vector<Ran<Tag>>>
    run(TaggedJobs<Tag> jobs, const std::string& label, Gate gate = Gate::syntax,
        const std::string& passed_word = "ok") const {
        return run_tagged(
            executor_, std::move(jobs),
            {.cache = &db_,
             .label = label,
             .progress = options_.progress,
             .grammar = gate == Gate::syntax ? language_.gate_grammar() : std::string(),
             .passed_word = passed_word});
    }

    // Writes records in one transaction: all of them, or (on failure) none.
    template <typename Write> void commit(Write&& write) const {
        db_.transaction(std::forward<Write>(write));
    }

    // What earlier runs stored, for stages that read it before they ask (instruct).
    [[nodiscard]] store::Store& store() const { return db_; }
    [[nodiscard]] const Language& language() const { return language_; }
    [[nodiscard]] std::int64_t run_id() const { return options_.run; }
    [[nodiscard]] std::uint64_t seed() const { return options_.seed; }
    // A line on stderr when progress is on.
    void log(const std::string& line) const;

  private:
    store::Store& db_;
    Executor& executor_;
    const Language& language_;
    llm::LlmClient* client_;
    Options options_;
};

// A reply asked with max_tokens is asked again, with twice the tokens, up to this many.
constexpr int kMaxRetryTokens = 16384;

// A reply has at most max_tokens tokens, and tokens average a few bytes (16 is generous for any
// text). A longer reply comes from a server that ignores max_tokens, or a hostile one: it is cut
// there and kept as truncated, so that megabytes of it never reach the next Reflexion request,
// the trajectories or the exports.
constexpr std::size_t kMaxBytesPerToken = 16;

} // namespace assay::pipeline
