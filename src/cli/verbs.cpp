#include "cli/verb.hpp"

#include <array>

namespace assay::cli {

std::span<const Verb> verbs() {
    static constexpr std::array kVerbs{
        Verb{"run", "the main job: verify references, inject bugs, refactor, export (offline)",
             &configure_run},
        Verb{"verify", "check solutions against a benchmark's tests in the jail",
             &configure_verify},
        Verb{"jail", "run one program file in the jail and print its verdict as JSON",
             &configure_jail},
        Verb{"doctor", "show what this host offers the jail and what the jail does about gaps",
             &configure_doctor},
        Verb{"export", "write a dataset (sft, bugfix, refactor, reflexion, dpo) as JSONL",
             &configure_export},
        Verb{"stats", "summarise a database", &configure_stats},
    };
    return kVerbs;
}

} // namespace assay::cli
