// Model-written tests for the grammars whose statements are braced (C++, JavaScript): the
// split_asserts, depends_on and plain_test of split_tests.hpp, driven by a table per grammar
// (src/syntax/cpp/split_tests.cpp, src/syntax/javascript/split_tests.cpp).
//
// A model asked for assert statements writes a block of them, perhaps with declarations
// before; C++ statements are not legal at namespace scope, so a grammar may wrap the block in a
// function to parse it. A plain test is what the judge can run with nothing of the model's but
// values: assertions and declarations of local names whose values are literals, arithmetic,
// comparisons, calls of the entry point and of a fixed set of pure functions, and reads of a
// fixed set of members, in a fixed set of types. Nothing else: no lambdas, no `new` of any
// other type, no other member, no global object, no I/O, no name starting with `_`.
#pragma once

#include "syntax/split_tests.hpp"
#include "syntax/syntax_tree.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace assay::syntax {

struct ModelTestRules {
    std::string_view grammar;
    // The block is parsed as `wrap_open + block + wrap_close`; the statements are those of the
    // first function body found (or of the root when wrap_open is empty).
    std::string_view wrap_open;
    std::string_view wrap_close;
    std::vector<std::string_view> asserts;        // callees that assert (statements)
    std::vector<std::string_view> opaque;         // node types an assertion is not looked for in
    std::vector<std::string_view> skipped;        // statement types left out of cases (#include)
    std::vector<std::string_view> declarations;   // statement types that declare local names
    std::vector<std::string_view> declarators;    // the node types inside that hold one name
    std::set<std::string, std::less<>> callables; // pure functions a test may call
    std::set<std::string, std::less<>> methods;   // pure methods a test may call on a value
    std::set<std::string, std::less<>> members;   // fields or properties a test may read
    std::set<std::string, std::less<>> values;    // global names a test may use as values
    std::set<std::string, std::less<>> types;     // type names (last component, `std::` only)
    std::set<std::string, std::less<>> leaves;    // literal node types
    std::set<std::string, std::less<>> structure; // node types made only of their children
    // Literal node types a subscript's index may be; empty: any plain value. (JavaScript: a
    // number only, since `[]["constructor"]["constructor"]` is the Function constructor.)
    std::set<std::string, std::less<>> subscript_indexes;
    // Declarations a test may hold whatever they are (`const assert = require('assert');`),
    // as their text without whitespace.
    std::set<std::string, std::less<>> allowed_statements;
};

[[nodiscard]] Expected<SplitTests> split_model_asserts(const ModelTestRules& rules,
                                                       std::string_view test_code);
[[nodiscard]] bool model_test_depends_on(const ModelTestRules& rules, std::string_view test_case,
                                         std::string_view name);
[[nodiscard]] bool plain_model_test(const ModelTestRules& rules, std::string_view test_case,
                                    std::string_view name);

} // namespace assay::syntax
