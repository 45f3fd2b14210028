// The Executor for languages whose descriptor has a [programs] table instead of a zygote (C++,
// JavaScript; ARCHITECTURE.md "Programs"): per job, the judge model's runner and judge
// (judge_programs.hpp), each compiled (when the language compiles) and run in jails of their own
// on the cold path (sandbox::run). Compiles run in a jail with the descriptor's compile_limits;
// a program's leading include lines are precompiled once per distinct text (the second time a
// batch sees them) and every judge is compiled once per distinct source.
#pragma once

#include "pipeline/executor.hpp"
#include "pipeline/judge_programs.hpp"

#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>

namespace assay::pipeline {

// A compiled program, or why it did not compile.
struct Compiled {
    std::string binary;
    std::string error; // the compiler's first error ("main.cpp:3:5: error: …"), else its reason
    [[nodiscard]] bool ok() const { return error.empty(); }
};

class ProgramExecutor final : public Executor {
  public:
    ProgramExecutor(Language language, int slots, bool allow_weak_jail);
    ~ProgramExecutor() override;
    void launch() override {}
    [[nodiscard]] Expected<void> run(const std::vector<sandbox::HarnessJob>& jobs,
                                     const std::vector<std::size_t>& which, const Started& on_start,
                                     const Done& done) override;

    // One job, on the calling thread.
    [[nodiscard]] sandbox::JobResult run_job(const sandbox::HarnessJob& job);
    // Compiles `source` in the jail (using or building a precompiled header for its leading
    // lines); `main.cpp` is the name errors use.
    [[nodiscard]] Compiled compile(const std::string& source);

  private:
    [[nodiscard]] sandbox::SpawnSpec spec(std::vector<std::string> argv,
                                          const sandbox::Limits& limits) const;
    // The precompiled header for `header` (its text), building it when the batch has asked for
    // it before; nullopt when there is none to use.
    [[nodiscard]] std::optional<std::string> precompiled(const std::string& header);
    [[nodiscard]] Compiled compile_cached(const std::string& source);
    // Compiles both programs into `runner` and `judge` (falling back to every case whole when the
    // split ones do not compile); a result to report instead when the program does not compile.
    [[nodiscard]] std::optional<sandbox::JobResult> compile_programs(const sandbox::HarnessJob& job,
                                                                     JudgePrograms& programs,
                                                                     std::string& runner,
                                                                     std::string& judge);

    Language language_;
    int slots_;
    bool weak_;
    Expected<ProgramFrames> frames_;
    std::optional<std::regex> header_line_;
    std::filesystem::path scratch_; // host directory of precompiled headers (bound read-only)
    std::mutex mutex_;
    std::map<std::string, int> header_seen_;
    std::map<std::string, std::shared_future<std::optional<std::string>>> headers_;
    std::map<std::string, std::shared_future<Compiled>> judges_;
};

// The executor for `language`: the zygote pool when it has a zygote, else programs.
[[nodiscard]] std::unique_ptr<Executor> make_executor(const Language& language, int slots,
                                                      bool allow_weak_jail);

} // namespace assay::pipeline
