// libFuzzer target for the syntax layer: every entry point that takes untrusted code.
// Build with -DASSAY_FUZZ=ON (clang), run: build/fuzz_syntax -max_len=4096 corpus/
#include "syntax/ast_hash.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/mutate.hpp"
#include "syntax/refactor.hpp"
#include "syntax/split_tests.hpp"
#include "syntax/syntax_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the language, the rest is the code.
    static constexpr std::string_view languages[] = {"python", "javascript", "cpp"};
    const std::string_view language = languages[data[0] % 3];
    const std::string_view code(reinterpret_cast<const char*>(data) + 1, size - 1);
    using namespace assay::syntax;
    (void)check_syntax(language, code);
    (void)ast_hash(language, code);
    (void)top_level_functions(language, code);
    (void)find_function(language, code, "f");
    (void)mutants(language, code, "f");
    (void)sample_mutants(language, code, "", 5, size);
    (void)refactorings(language, code, "f");
    if (language == "python") (void)split_tests(code);
    return 0;
}
