// The Executor for languages whose descriptor has a [programs] table (C++, JavaScript;
// ARCHITECTURE.md "Programs"): per job, the judge model's runner and judge (judge_programs.hpp),
// each compiled (when the language compiles) and run in jails of their own on the cold path
// (sandbox::run), or, when the descriptor has a zygote, both forked by the slot's fork server
// (sandbox/fork_server.hpp). Compiles run in a jail with the descriptor's compile_limits;
// a program's leading include lines are precompiled once per distinct text (when the batch holds
// them twice) and every judge is compiled once per distinct source. With the descriptor's
// compile_object/use_object, a runner is linked from two units: the program alone, compiled per
// job, and its cases (the program's declarations, the set-up, the harness and the main that calls
// the program), compiled once per distinct source. That needs a program that means the same
// alone (syntax::separate_declarations); any other program, or a split build that fails, is
// compiled with its cases as one unit, as before.
#pragma once

#include "pipeline/executor.hpp"
#include "pipeline/judge_programs.hpp"
#include "sandbox/fork_server.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
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

// When a runner is linked from two units: for a job whose problem the batch holds at least twice
// (the cases' unit is then compiled once for several programs), always, or never.
enum class Split { when_repeated, always, never };

// How the runners were built, for tests and traces.
struct SplitCounts {
    std::size_t linked = 0;    // from the program's unit and its cases' object
    std::size_t refused = 0;   // one unit: the program does not stand alone
    std::size_t fell_back = 0; // one unit: the split build failed
    std::size_t objects = 0;   // cases' units compiled
    std::size_t headers = 0;   // precompiled headers built (that compiled)
    std::size_t supported = 0; // builds linked with the harness's prebuilt object (its probe too)
    std::size_t instanced = 0; // precompiled headers that declare the library's instances extern
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
    // A fork server for one slot when the descriptor has one and the host gives strict jails (not
    // started yet), else nullopt.
    [[nodiscard]] std::optional<sandbox::ForkServer> fork_server() const;
    // Compiles `source` in the jail (using or building a precompiled header for its leading
    // lines); `main.cpp` is the name errors use.
    [[nodiscard]] Compiled compile(const std::string& source);
    void set_split(Split split) { split_ = split; }
    [[nodiscard]] SplitCounts split_counts() const;

  private:
    [[nodiscard]] sandbox::SpawnSpec spec(std::vector<std::string> argv,
                                          const sandbox::Limits& limits) const;
    // A compile jail for `argv`: compile_limits, compile_env, the compiler's layout random.
    [[nodiscard]] sandbox::SpawnSpec compile_spec(std::vector<std::string> argv) const;
    // `argv` (a compile command) run so that what it writes to stdout goes to stderr, then
    // `produced` is sent on stdout (Language::send_output).
    [[nodiscard]] std::vector<std::string> sending(const std::vector<std::string>& argv,
                                                   const std::string& produced) const;
    // The precompiled header for `header` (its text), building it when the batch has asked for
    // it before; nullopt when there is none to use.
    [[nodiscard]] std::optional<std::string> precompiled(const std::string& header);
    [[nodiscard]] Compiled compile_cached(const std::string& source);
    // The runner (its records into `records`, on its fd 3) and the judge (the nonce and the
    // values in, its result lines out in `judge_lines`), by `server` or each in a jail of its own.
    [[nodiscard]] sandbox::RunResult run_runner(sandbox::ForkServer* server,
                                                const std::string& file, const std::string& runner,
                                                sandbox::Inbox& records,
                                                const sandbox::Limits& limits) const;
    [[nodiscard]] sandbox::RunResult run_judge(sandbox::ForkServer* server, const std::string& file,
                                               const std::string& judge, const std::string& nonce,
                                               const std::string& values,
                                               std::string& judge_lines) const;
    // What a build takes of the harness's prebuilt object (Language::support_object): its
    // declarations (`support_flags`: a unit that includes the harness) and the object itself (a
    // build that links such a unit).
    enum Support : unsigned { no_support = 0, declare_support = 1, link_support = 2 };
    // `wanted` when the object fits this executor's builds, else no_support.
    [[nodiscard]] unsigned support(unsigned wanted);
    // Whether the library's instances (Language::instances_header, instances_archive) are used.
    [[nodiscard]] bool instances_fit();
    // Whether the build's prebuilt files fit this executor's builds, decided once, before the
    // first build that would use one: the harness's object and the instances archive were built
    // from this harness's files (the copies the build left beside them), and a unit that only
    // includes the harness compiles and links with them under the descriptor's own command
    // (both in one build; when that fails, each alone).
    void probe_native();
    // `argv` (a compile command) run on `source`, sending back `produced`; with `object` (the
    // name of a built object) linked in. A command that links (`links`: yes) links the library's
    // instances archive too when it fits (instances_fit); `archive` links it without asking.
    enum class Links { no, yes, archive };
    [[nodiscard]] Compiled build(std::vector<std::string> argv, const std::string& source,
                                 const std::string& produced, const std::string& object,
                                 unsigned support = no_support, Links links = Links::yes);
    // The name of the object compiled from `source` (once per distinct source), or nullopt when
    // it does not compile.
    [[nodiscard]] std::optional<std::string> object(const std::string& source);
    // The runner linked from the job's program and its cases' object; nullopt when the program
    // does not stand alone, a failed Compiled when the build fails.
    [[nodiscard]] std::optional<Compiled> compile_split(const sandbox::HarnessJob& job,
                                                        const JudgePrograms& programs);
    [[nodiscard]] bool wants_split(const sandbox::HarnessJob& job);
    // Counts what the batch `which` of `jobs` repeats (headers, problems) before it runs.
    void expect(const std::vector<sandbox::HarnessJob>& jobs,
                const std::vector<std::size_t>& which);
    [[nodiscard]] bool make_scratch(); // with mutex_ held
    // `done[key]`, made once: the first caller for `key` runs `make` (outside the lock) unless
    // `admit` (under the lock) refuses, which returns T{}; every later caller waits for it.
    template <class T>
    [[nodiscard]] T once(std::map<std::string, std::shared_future<T>>& done, const std::string& key,
                         const std::function<bool()>& admit, const std::function<T()>& make);
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
    bool support_present_ = false; // the object, built from this harness's files
    std::once_flag native_probed_;
    bool support_fits_ = false;
    bool send_output_ = false; // the native sender exists (Language::send_output)
    // Language::instances_header's text, when the archive was built from this harness's files.
    std::optional<std::string> instances_;
    bool instances_fit_ = false;
    std::filesystem::path scratch_; // host directory of precompiled headers (bound read-only)
    std::mutex mutex_;
    std::map<std::string, int> header_seen_;
    std::map<std::string, int> header_expected_;  // header key → jobs of the batch that hold it
    std::map<std::string, int> problem_expected_; // problem key → jobs of the batch
    std::map<std::string, std::shared_future<std::optional<std::string>>> objects_;
    Split split_ = Split::when_repeated;
    std::atomic<std::size_t> linked_{0};
    std::atomic<std::size_t> refused_{0};
    std::atomic<std::size_t> fell_back_{0};
    std::atomic<std::size_t> objects_built_{0};
    std::atomic<std::size_t> headers_built_{0};
    std::atomic<std::size_t> supported_{0};
    std::atomic<std::size_t> instanced_{0};
    std::map<std::string, std::shared_future<std::optional<std::string>>> headers_;
    std::map<std::string, std::shared_future<Compiled>> judges_;
};

// The executor for `language`: the zygote pool when it has a zygote and no [programs] table
// (Python), else programs (whose zygote, if any, is their fork server).
[[nodiscard]] std::unique_ptr<Executor> make_executor(const Language& language, int slots,
                                                      bool allow_weak_jail);

} // namespace assay::pipeline
