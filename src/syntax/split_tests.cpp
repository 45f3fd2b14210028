#include "syntax/split_tests.hpp"

#include "syntax/grammar.hpp"

namespace assay::syntax {
namespace {

const TestSplitter* splitter(std::string_view grammar) {
    const Grammar* known = find_grammar(grammar);
    return known == nullptr ? nullptr : known->tests;
}

} // namespace

Expected<SplitTests> split_tests(std::string_view grammar, std::string_view test_code) {
    const TestSplitter* tests = splitter(grammar);
    if (tests == nullptr || tests->split_tests == nullptr)
        return fail("no test splitter for the grammar '{}'", grammar);
    return tests->split_tests(test_code);
}

Expected<SplitTests> split_asserts(std::string_view grammar, std::string_view test_code) {
    const TestSplitter* tests = splitter(grammar);
    if (tests == nullptr || tests->split_asserts == nullptr)
        return fail("no assertion splitter for the grammar '{}'", grammar);
    return tests->split_asserts(test_code);
}

bool depends_on(std::string_view grammar, std::string_view test_case, std::string_view name) {
    const TestSplitter* tests = splitter(grammar);
    return tests != nullptr && tests->depends_on != nullptr && tests->depends_on(test_case, name);
}

bool plain_test(std::string_view grammar, std::string_view test_case, std::string_view name) {
    const TestSplitter* tests = splitter(grammar);
    return tests != nullptr && tests->plain_test != nullptr && tests->plain_test(test_case, name);
}

} // namespace assay::syntax
