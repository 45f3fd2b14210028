#include "cli/verb.hpp"

#include <array>

namespace assay::cli {

std::span<const Verb> verbs() {
    static const std::array<Verb, 0> kVerbs{};
    return kVerbs;
}

} // namespace assay::cli
