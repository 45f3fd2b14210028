// The judge model as two programs (../shared/DESIGN.md "The judge model"), for languages whose
// descriptor has a [programs] table instead of a zygote (C++, JavaScript): from one job, the
// *runner* (the candidate's program, then each case's holes evaluated natively and sent as
// records) and the *judge* (the tests' set-up and each case with its holes replaced by the
// runner's values; no candidate code). A case that cannot be split (syntax/case_plan.hpp) runs
// whole in the runner and reports only its own result. The sources are built from the harness's
// frame files and the descriptor's snippets, so nothing here names a language.
#pragma once

#include "core/language.hpp"
#include "sandbox/harness.hpp"
#include "util/error.hpp"

#include <map>
#include <string>
#include <vector>

namespace assay::pipeline {

// The harness's frame files (ProgramTemplates::runner and ::judge), read once.
struct ProgramFrames {
    std::string runner;
    std::string judge;
};

[[nodiscard]] Expected<ProgramFrames> load_frames(const Language& language);

// What the supervisor needs of one case to read its result and word its message.
struct ProgramCase {
    std::string name;
    bool whole = false;
    std::string why;                   // why it runs whole
    std::string assertion;             // the deciding assertion's code
    std::map<long, std::string> holes; // hole id → its code
};

struct JudgePrograms {
    std::string runner;
    std::string judge; // empty when every case runs whole
    std::vector<ProgramCase> cases;
    // What the runner's frame holds after the program: the set-up (empty when no case needs
    // it) and the cases, as filled into `runner`.
    std::string runner_setup;
    std::string runner_cases;
};

// Builds both programs for `job`; with `all_whole` every case runs whole (the fallback when a
// split program does not compile). The candidate's program comes first in the runner, so its
// line numbers are the program's own.
[[nodiscard]] Expected<JudgePrograms> build_programs(const Language& language,
                                                     const ProgramFrames& frames,
                                                     const sandbox::HarnessJob& job,
                                                     bool all_whole);

// The runner's frame filled with `program` (a line or more) and `programs`' set-up and cases:
// build_programs' runner for the job's code, or the cases' unit for the program's declarations.
[[nodiscard]] std::string runner_source(const ProgramFrames& frames, const std::string& program,
                                        const JudgePrograms& programs);

// `text` with each `{name}` of `values` replaced, in one pass over `text` (a value's own braces
// are never read again); other braces stay.
[[nodiscard]] std::string fill(std::string_view text,
                               const std::vector<std::pair<std::string, std::string>>& values,
                               std::string_view open = "{", std::string_view close = "}");

} // namespace assay::pipeline
