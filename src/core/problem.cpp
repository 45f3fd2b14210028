#include "core/problem.hpp"

namespace assay {

std::string_view to_string(ProblemSource source) {
    switch (source) {
    case ProblemSource::bank:
        return "bank";
    case ProblemSource::humaneval:
        return "humaneval";
    case ProblemSource::mbpp:
        return "mbpp";
    case ProblemSource::llm:
        return "llm";
    }
    return "unknown";
}

std::optional<ProblemSource> parse_problem_source(std::string_view name) {
    for (ProblemSource s :
         {ProblemSource::bank, ProblemSource::humaneval, ProblemSource::mbpp, ProblemSource::llm})
        if (to_string(s) == name) return s;
    return std::nullopt;
}

} // namespace assay
