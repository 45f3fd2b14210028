// The Python language's fast-path spawn spec, for tests that start jailed zygotes.
#pragma once

#include "core/language.hpp"
#include "sandbox/jail.hpp"

#include <stdexcept>

namespace assay::testing {

inline sandbox::SpawnSpec python_zygote_spec() {
    auto lang = load_language("python");
    if (!lang) throw std::runtime_error(lang.error().describe());
    return lang->spawn_spec(lang->zygote);
}

} // namespace assay::testing
