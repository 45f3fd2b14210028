// C++'s test splitting (split_tests.hpp): HumanEval-X's tests are helper functions and an
// `int main()` of `assert`s.
#include "syntax/split_tests.hpp"

#include "syntax/body_cases.hpp"
#include "syntax/cpp/cpp.hpp"
#include "syntax/model_tests.hpp"

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

// Model-written tests (model_tests.hpp): `assert(…);` statements, parsed inside a function.
const ModelTestRules kModelTests{
    .grammar = "cpp",
    .wrap_open = "void assay_model_tests_() {\n",
    .wrap_close = "\n}\n",
    .asserts = {"assert"},
    .opaque = {"lambda_expression"},
    .skipped = {"preproc_include", "using_declaration"},
    .declarations = {"declaration"},
    .declarators = {"init_declarator"},
    .callables = {"abs",
                  "std::abs",
                  "fabs",
                  "std::fabs",
                  "llabs",
                  "min",
                  "std::min",
                  "max",
                  "std::max",
                  "round",
                  "std::round",
                  "floor",
                  "std::floor",
                  "ceil",
                  "std::ceil",
                  "sqrt",
                  "std::sqrt",
                  "pow",
                  "std::pow",
                  "fmod",
                  "std::fmod",
                  "trunc",
                  "std::trunc",
                  "to_string",
                  "std::to_string",
                  "make_pair",
                  "std::make_pair",
                  "make_tuple",
                  "std::make_tuple",
                  "static_cast"},
    .methods = {"size", "empty", "length", "front", "back", "at", "count", "substr", "has_value",
                "value", "value_or"},
    .members = {"first", "second"},
    .values = {"nullopt", "std::nullopt", "npos", "std::string::npos", "string::npos", "INT_MAX",
               "INT_MIN", "LLONG_MAX", "LLONG_MIN", "NAN", "INFINITY"},
    .types = {"vector",   "string",   "map",      "set",     "unordered_map", "unordered_set",
              "multiset", "multimap", "pair",     "tuple",   "optional",      "array",
              "deque",    "list",     "size_t",   "int64_t", "uint64_t",      "int32_t",
              "uint32_t", "int16_t",  "uint16_t", "int8_t",  "uint8_t",       "ptrdiff_t"},
    .leaves = {"number_literal", "string_literal", "char_literal", "raw_string_literal",
               "concatenated_string", "true", "false", "null", "nullptr"},
    .structure = {"binary_expression", "unary_expression", "parenthesized_expression",
                  "conditional_expression", "call_expression", "argument_list", "initializer_list",
                  "compound_literal_expression", "subscript_expression", "subscript_argument_list",
                  "template_argument_list", "type_descriptor", "primitive_type",
                  "sized_type_specifier", "type_qualifier", "placeholder_type_specifier", "auto",
                  "cast_expression"},
    .allowed_statements = {},
};

Expected<SplitTests> split_asserts(std::string_view test_code) {
    return split_model_asserts(kModelTests, test_code);
}

bool depends_on(std::string_view test_case, std::string_view name) {
    return model_test_depends_on(kModelTests, test_case, name);
}

bool plain_test(std::string_view test_case, std::string_view name) {
    return plain_model_test(kModelTests, test_case, name);
}

} // namespace

const TestSplitter test_splitter{split_main, split_asserts, depends_on, plain_test};

} // namespace assay::syntax::cpp
