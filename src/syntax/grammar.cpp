#include "syntax/grammar.hpp"

namespace assay::syntax {

// The registry: one line per grammar, each defined in src/syntax/<grammar>/grammar.cpp.
extern const Grammar python_grammar;
extern const Grammar javascript_grammar;
extern const Grammar cpp_grammar;

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

const std::vector<const Grammar*>& grammars() {
    static const std::vector<const Grammar*> all{&python_grammar, &javascript_grammar,
                                                 &cpp_grammar};
    return all;
}

const Grammar* find_grammar(std::string_view name) {
    for (const Grammar* known : grammars())
        if (known->name == name) return known;
    return nullptr;
}

const TSLanguage* grammar(std::string_view name) {
    const Grammar* known = find_grammar(name);
    return known == nullptr ? nullptr : checked(name, known->parser());
}

} // namespace assay::syntax
