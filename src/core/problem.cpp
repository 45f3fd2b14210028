#include "core/problem.hpp"

namespace assay {

std::string_view to_string(ProblemSource source) {
    switch (source) {
    case ProblemSource::bank: return "bank";
    case ProblemSource::humaneval: return "humaneval";
    case ProblemSource::mbpp: return "mbpp";
    case ProblemSource::llm: return "llm";
    }
    return "unknown";
}

} // namespace assay
