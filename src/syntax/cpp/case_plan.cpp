// C++'s rules for splitting a test case between runner and judge (case_plan.hpp): a case is the
// statements of a `main` body, parsed inside a function.
#include "syntax/case_plan.hpp"

#include "syntax/cpp/cpp.hpp"

namespace assay::syntax::cpp {

const CasePlanRules case_plan_rules{
    .prefix = "void assay_case_() {\n",
    .suffix = "\n}",
    .block = "compound_statement",
    .calls = {"call_expression"},
    .declarations = {"declaration"},
    .names = {"identifier"},
    .nested = {"lambda_expression", "for_statement", "for_range_loop", "while_statement",
               "do_statement", "if_statement", "switch_statement", "try_statement",
               "compound_statement", "conditional_expression"},
    .wrappers = {"parenthesized_expression"},
    .expression_statement = "expression_statement",
    .comparison = "binary_expression",
    .comparison_ops = {"==", "!=", "<", ">", "<=", ">="},
    .condition_asserts = {"assert"},
    .other_asserts = {},
};

} // namespace assay::syntax::cpp
