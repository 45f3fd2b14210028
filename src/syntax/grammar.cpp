#include "syntax/grammar.hpp"

#include "util/error.hpp"

#include <array>
#include <utility>

extern "C" {
const TSLanguage* tree_sitter_python();
const TSLanguage* tree_sitter_javascript();
const TSLanguage* tree_sitter_cpp();
}

namespace assay::syntax {
namespace {

const TSLanguage* checked(std::string_view name, const TSLanguage* language) {
    const uint32_t version = ts_language_version(language);
    if (version < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION ||
        version > TREE_SITTER_LANGUAGE_VERSION) {
        throw FatalError(
            ExitCode::internal,
            Error{fmt::format("grammar '{}' has ABI version {} but the tree-sitter "
                              "runtime loads {}..{}: rerun scripts/setup",
                              name, version, TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
                              TREE_SITTER_LANGUAGE_VERSION),
                  {}});
    }
    return language;
}

} // namespace

const TSLanguage* grammar(std::string_view name) {
    using Loader = const TSLanguage* (*)();
    static constexpr std::array<std::pair<std::string_view, Loader>, 3> loaders{{
        {"python", tree_sitter_python},
        {"javascript", tree_sitter_javascript},
        {"cpp", tree_sitter_cpp},
    }};
    for (const auto& [known, load] : loaders) {
        if (known == name) return checked(name, load());
    }
    return nullptr;
}

} // namespace assay::syntax
