#include "pipeline/batch.hpp"

#include "syntax/syntax_check.hpp"
#include "util/interrupt.hpp"
#include "util/progress.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>

namespace assay::pipeline {

namespace {
// Results journaled as they arrive (Store::journal_results), a few at a time: the callback of
// every executor thread adds here; whoever fills the buffer, or finds it older than a second,
// writes it in one transaction. A failed write is kept and returned once the batch is over.
class Journal {
  public:
    explicit Journal(store::Store* store) : store_(store) {}

    void add(const std::string& key, const sandbox::JobResult& result) {
        if (store_ == nullptr) return;
        std::lock_guard lock(mutex_);
        pending_.emplace_back(key, result);
        if (pending_.size() >= kBatch || Clock::now() - written_ > std::chrono::seconds(1)) write();
    }
    [[nodiscard]] Expected<void> finish() {
        if (store_ == nullptr) return {};
        std::lock_guard lock(mutex_);
        write();
        if (error_) return Unexpected(*error_);
        return {};
    }

  private:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kBatch = 32;

    void write() {
        written_ = Clock::now();
        if (pending_.empty() || error_) return;
        try {
            store_->journal_results(pending_);
        } catch (const FatalError& error) {
            error_ = error.error();
        }
        pending_.clear();
    }

    store::Store* store_;
    std::mutex mutex_;
    std::vector<std::pair<std::string, sandbox::JobResult>> pending_;
    Clock::time_point written_ = Clock::now();
    std::optional<Error> error_;
};

sandbox::JobResult compile_error(const sandbox::HarnessJob& job, const std::string& message) {
    sandbox::JobResult r;
    r.verdict = Verdict::compile_error;
    r.message = message;
    for (const sandbox::HarnessCase& c : job.cases)
        r.cases.push_back({c.name, TestVerdict::error, "not run: " + message, 0});
    return r;
}
} // namespace

Expected<std::vector<Executed>> run_batch(Executor& executor,
                                          const std::vector<sandbox::HarnessJob>& jobs,
                                          const BatchOptions& options) {
    if (util::stop_signal() != 0) return util::interrupted();
    std::vector<Executed> out(jobs.size());
    std::vector<std::size_t> pending;
    std::map<std::string, std::size_t> first_with_key;
    std::vector<std::pair<std::size_t, std::size_t>> copies; // (duplicate, original)
    std::vector<std::optional<sandbox::JobResult>> cached(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        out[i].key = store::execution_key(jobs[i]);
        if (options.cache != nullptr) cached[i] = options.cache->find_execution(out[i].key);
    }
    // The jails boot while the syntax gate runs; a launch failure matters only if some job
    // needs a jail after all.
    if (std::any_of(cached.begin(), cached.end(), [](const auto& c) { return !c.has_value(); }))
        executor.launch();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (!options.grammar.empty()) {
            auto error = syntax::check_syntax(options.grammar, jobs[i].code);
            if (error && *error) {
                out[i].result = compile_error(jobs[i], (*error)->describe());
                continue;
            }
        }
        if (options.dedupe) {
            auto [first, inserted] = first_with_key.emplace(out[i].key, i);
            if (!inserted) {
                copies.emplace_back(i, first->second);
                out[i].deduplicated = true;
                continue;
            }
        }
        if (cached[i]) {
            out[i].result = std::move(*cached[i]);
            out[i].cached = true;
            continue;
        }
        pending.push_back(i);
    }
    if (!pending.empty()) {
        // Ended by its destructor on every way out, the early ones included.
        util::ProgressOptions shown =
            util::stderr_progress(options.label, pending.size(), options.progress);
        shown.ok_word = options.passed_word;
        util::Progress progress(std::move(shown));
        Journal journal(options.cache);
        const auto ran = executor.run(
            jobs, pending, [&](std::size_t) { progress.started(); },
            [&](std::size_t i, sandbox::JobResult result) {
                out[i].result = std::move(result);
                journal.add(out[i].key, out[i].result);
                progress.finished(out[i].result.all_passed() ? util::Outcome::ok
                                                             : util::Outcome::failed);
            });
        ASSAY_TRY(journal.finish());
        ASSAY_TRY(ran);
        progress.end();
        // The executor stopped taking jobs: what finished is journaled, the rest is not run.
        if (util::stop_signal() != 0) return util::interrupted();
    }
    for (const auto& [duplicate, original] : copies)
        out[duplicate].result = out[original].result;
    return out;
}

} // namespace assay::pipeline
