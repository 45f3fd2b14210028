// libFuzzer target for the syntax layer: every entry point that takes untrusted code.
// Build with -DASSAY_FUZZ=ON (clang), run: build/fuzz_syntax -max_len=4096 corpus/
#include "syntax/ast_hash.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/grammar.hpp"
#include "syntax/mutate.hpp"
#include "syntax/refactor.hpp"
#include "syntax/split_tests.hpp"
#include "syntax/syntax_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    using namespace assay::syntax;
    // The first byte picks the grammar (every registered one), the rest is the code.
    const auto& all = grammars();
    const std::string_view language = all[data[0] % all.size()]->name;
    const std::string_view code(reinterpret_cast<const char*>(data) + 1, size - 1);
    (void)check_syntax(language, code);
    (void)ast_hash(language, code);
    (void)top_level_functions(language, code);
    (void)find_function(language, code, "f");
    (void)mutants(language, code, "f");
    (void)sample_mutants(language, code, "", 5, size);
    (void)refactorings(language, code, "f");
    (void)split_tests(language, code);
    (void)split_asserts(language, code);
    (void)depends_on(language, code, "f");
    (void)plain_test(language, code, "f");
    return 0;
}
