// JavaScript's test splitting (split_tests.hpp): HumanEval-X's tests are a test function of
// `console.assert`s and a call of it; tests without one are top-level assertions.
#include "syntax/split_tests.hpp"

#include "syntax/body_cases.hpp"
#include "syntax/javascript/javascript.hpp"
#include "syntax/model_tests.hpp"

#include <set>

namespace assay::syntax::javascript {
namespace {

const std::vector<std::string_view> kAsserts = {"console.assert",
                                                "assert",
                                                "assert.ok",
                                                "assert.equal",
                                                "assert.strictEqual",
                                                "assert.deepEqual",
                                                "assert.deepStrictEqual",
                                                "assert.notEqual",
                                                "assert.notStrictEqual",
                                                "assert.notDeepEqual",
                                                "assert.notDeepStrictEqual",
                                                "assert.throws",
                                                "assert.doesNotThrow",
                                                "assert.match"};
const std::vector<std::string_view> kFunctions = {"arrow_function",       "function_expression",
                                                  "function_declaration", "generator_function",
                                                  "class_declaration",    "class"};

// `name()` as a statement: the call that runs a test function.
std::string called_name(const SyntaxTree& tree, TSNode statement) {
    if (type(statement) != "expression_statement") return {};
    const TSNode call = named_child(statement, 0);
    if (type(call) != "call_expression" || type(field(call, "function")) != "identifier") return {};
    if (!code_children(field(call, "arguments")).empty()) return {};
    return std::string(tree.text(field(call, "function")));
}

Expected<SplitTests> split_test_function(std::string_view test_code) {
    const SyntaxTree tree = ASSAY_TRY(parse_test_code("javascript", test_code));
    const auto top = code_children(tree.root());
    std::set<std::string> called;
    for (const TSNode statement : top)
        if (auto name = called_name(tree, statement); !name.empty()) called.insert(name);
    const auto asserts = [&](TSNode s) { return calls_any(tree, s, kAsserts, kFunctions); };
    SplitTests split;
    for (const TSNode statement : top) {
        const auto nodes = function(statement, statement);
        if (!nodes || !called.contains(std::string(tree.text(nodes->name)))) continue;
        TSNode value = statement;
        for (const TSNode declarator : named_children(statement))
            if (!ts_node_is_null(field(declarator, "value"))) value = field(declarator, "value");
        const TSNode body = field(value, "body");
        if (type(body) != "statement_block" || !asserts(body)) continue;
        std::vector<TSNode> cut{statement};
        for (const TSNode s : top)
            if (called_name(tree, s) == tree.text(nodes->name)) cut.push_back(s);
        std::sort(cut.begin(), cut.end(), [](TSNode a, TSNode b) { return start(a) < start(b); });
        split.setup = without(tree.source(), cut);
        split.cases =
            body_cases(tree, body, asserts, [](TSNode s) { return type(s) == "return_statement"; });
        return split;
    }
    // No test function: every top-level statement that asserts is a case.
    split.cases = body_cases(tree, tree.root(), asserts, [](TSNode) { return false; });
    if (split.cases.empty()) return fail("the test has no statements");
    return split;
}

// `const assert = require('assert');` and its spellings: node's assert, which the runner and the
// judge also provide as a global.
std::set<std::string, std::less<>> assert_imports() {
    std::set<std::string, std::less<>> out{"'usestrict';", "\"usestrict\";"};
    for (const std::string_view keyword : {"const", "let", "var"})
        for (const std::string_view module :
             {"assert", "node:assert", "assert/strict", "node:assert/strict"})
            for (const char quote : {'\'', '"'})
                for (const std::string_view end : {";", ""})
                    out.insert(fmt::format("{}assert=require({}{}{}){}", keyword, quote, module,
                                           quote, end));
    return out;
}

// Model-written tests (model_tests.hpp): top-level assertions and declarations.
const ModelTestRules kModelTests{
    .grammar = "javascript",
    .wrap_open = "",
    .wrap_close = "",
    .asserts = kAsserts,
    .opaque = kFunctions,
    .skipped = {},
    .declarations = {"lexical_declaration", "variable_declaration"},
    .declarators = {"variable_declarator"},
    .callables = {"BigInt",
                  "String",
                  "Number",
                  "Boolean",
                  "Map",
                  "Set",
                  "Array",
                  "Array.from",
                  "Array.isArray",
                  "Math.abs",
                  "Math.max",
                  "Math.min",
                  "Math.round",
                  "Math.floor",
                  "Math.ceil",
                  "Math.sqrt",
                  "Math.pow",
                  "Math.trunc",
                  "Math.sign",
                  "Number.isNaN",
                  "Number.isInteger",
                  "Number.isFinite",
                  "JSON.stringify",
                  "Object.keys",
                  "Object.values",
                  "Object.entries",
                  "isNaN"},
    .methods = {"sort",        "slice",       "join",     "includes", "indexOf", "has",
                "get",         "toFixed",     "toString", "keys",     "values",  "entries",
                "concat",      "reverse",     "at",       "charAt",   "split",   "trim",
                "toUpperCase", "toLowerCase", "flat",     "repeat",   "fill"},
    .members = {"length", "size"},
    .values = {"undefined", "NaN", "Infinity", "Math.PI", "Math.E", "Number.MAX_SAFE_INTEGER",
               "Number.MIN_SAFE_INTEGER", "Number.EPSILON", "Number.MAX_VALUE", "Number.MIN_VALUE",
               "Number.POSITIVE_INFINITY", "Number.NEGATIVE_INFINITY"},
    .types = {},
    .leaves = {"number", "string", "true", "false", "null", "undefined"},
    .structure = {"binary_expression", "unary_expression", "parenthesized_expression",
                  "ternary_expression", "call_expression", "arguments", "array", "object", "pair",
                  "spread_element", "subscript_expression", "new_expression"},
    .subscript_indexes = {"number"},
    .allowed_statements = assert_imports(),
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

const TestSplitter test_splitter{split_test_function, split_asserts, depends_on, plain_test};

} // namespace assay::syntax::javascript
