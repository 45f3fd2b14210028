// JavaScript's rules for splitting a test case between runner and judge (case_plan.hpp): a case
// is statements of a test function's body, parsed as a script.
#include "syntax/case_plan.hpp"

#include "syntax/javascript/javascript.hpp"

namespace assay::syntax::javascript {

const CasePlanRules case_plan_rules{
    .prefix = "",
    .suffix = "",
    .block = "",
    .calls = {"call_expression"},
    .declarations = {"lexical_declaration", "variable_declaration"},
    .names = {"identifier", "shorthand_property_identifier"},
    .nested = {"arrow_function", "function_expression", "function_declaration",
               "generator_function", "class_declaration", "class", "for_statement",
               "for_in_statement", "while_statement", "do_statement", "if_statement",
               "switch_statement", "try_statement", "statement_block", "ternary_expression"},
    .wrappers = {"parenthesized_expression"},
    .expression_statement = "expression_statement",
    .comparison = "binary_expression",
    .comparison_ops = {"===", "!==", "==", "!=", "<", ">", "<=", ">="},
    .condition_asserts = {"console.assert", "assert", "assert.ok", "assert.strict.ok"},
    .other_asserts = {"assert.equal", "assert.strictEqual", "assert.deepEqual",
                      "assert.deepStrictEqual", "assert.notEqual", "assert.notStrictEqual",
                      "assert.notDeepEqual", "assert.notDeepStrictEqual", "assert.throws",
                      "assert.doesNotThrow", "assert.match"},
};

} // namespace assay::syntax::javascript
