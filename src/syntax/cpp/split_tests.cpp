// C++'s test splitting (split_tests.hpp): HumanEval-X's tests are helper functions and an
// `int main()` of `assert`s.
#include "syntax/split_tests.hpp"

#include "syntax/body_cases.hpp"
#include "syntax/cpp/cpp.hpp"

namespace assay::syntax::cpp {
namespace {

bool is_main(const SyntaxTree& tree, TSNode node) {
    const auto nodes = function(node, node);
    return nodes && type(node) == "function_definition" && tree.text(nodes->name) == "main";
}

// The set-up is the test without `main`; each statement of main's body that asserts is a case.
Expected<SplitTests> split_main(std::string_view test_code) {
    const SyntaxTree tree = ASSAY_TRY(parse_test_code("cpp", test_code));
    TSNode main{};
    for (const TSNode node : named_children(tree.root()))
        if (is_main(tree, node)) main = node;
    if (ts_node_is_null(main)) return fail("the test has no `int main()`");
    SplitTests split;
    split.setup = without(tree.source(), {main});
    split.cases = body_cases(
        tree, field(main, "body"),
        [&](TSNode statement) {
            return calls_any(tree, statement, {"assert"}, {"lambda_expression"});
        },
        [](TSNode statement) { return type(statement) == "return_statement"; });
    if (split.cases.empty()) return fail("the test's `main` has no statements");
    return split;
}

} // namespace

const TestSplitter test_splitter{.split_tests = split_main};

} // namespace assay::syntax::cpp
