// The Executor for languages whose descriptor has a [programs] table (C++, JavaScript;
// ARCHITECTURE.md "Programs"): per job, the judge model's runner and judge (judge_programs.hpp),
// each compiled (when the language compiles) and run in jails of their own on the cold path
// (sandbox::run), or, when the descriptor has a zygote, both forked by the slot's fork server
// (sandbox/fork_server.hpp). Compiles run in a jail with the descriptor's compile_limits;
// a program's leading include lines are precompiled once per distinct text (the second time a
// batch sees them) and every judge is compiled once per distinct source.
#pragma once

#include "pipeline/executor.hpp"
#include "pipeline/judge_programs.hpp"
#include "sandbox/fork_server.hpp"

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

    // One job, on the calling thread (on the cold path).
    [[nodiscard]] sandbox::JobResult run_job(const sandbox::HarnessJob& job);
    // One job, its two programs run by `server` (nullptr: on the cold path).
    [[nodiscard]] sandbox::JobResult run_job(const sandbox::HarnessJob& job,
                                             sandbox::ForkServer* server);
    // A fork server for one slot when the descriptor has one (not started yet), else nullopt.
    [[nodiscard]] std::optional<sandbox::ForkServer> fork_server() const;
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
    // The runner (values on its fd 3) and the judge (the nonce and the values in, its result
    // lines out in `judge_lines`), by `server` or each in a jail of its own.
    [[nodiscard]] sandbox::RunResult run_runner(sandbox::ForkServer* server,
                                                const std::string& file, const std::string& runner,
                                                int values_fd, const sandbox::Limits& limits) const;
    [[nodiscard]] sandbox::RunResult run_judge(sandbox::ForkServer* server, const std::string& file,
                                               const std::string& judge, const std::string& nonce,
                                               const std::string& values,
                                               std::string& judge_lines) const;
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

// The executor for `language`: the zygote pool when it has a zygote and no [programs] table
// (Python), else programs (whose zygote, if any, is their fork server).
[[nodiscard]] std::unique_ptr<Executor> make_executor(const Language& language, int slots,
                                                      bool allow_weak_jail);

} // namespace assay::pipeline
