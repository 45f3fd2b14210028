#include "cli/verb.hpp"

#include <array>

namespace assay::cli {

std::span<const Verb> verbs() {
    static const std::array kVerbs{
        Verb{"jail", "run one program file in the jail and print its verdict as JSON",
             configure_jail},
        Verb{"doctor", "show what this host offers the jail and what the jail does about gaps",
             configure_doctor},
    };
    return kVerbs;
}

} // namespace assay::cli
