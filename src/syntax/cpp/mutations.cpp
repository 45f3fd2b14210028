// C++'s mutation table (mutation_rules.hpp). A mutant that does not compile (a `-` on strings, a
// `/` on pointers) is no bug: the mutate stage drops it like one whose run failed inside.
#include "syntax/cpp/cpp.hpp"
#include "syntax/mutation_rules.hpp"

namespace assay::syntax::cpp {

const MutationRules mutation_rules{
    .functions = {"function_definition", "lambda_expression"},
    .comparisons = {"binary_expression"},
    .comparison_swaps =
        {{"<", "<="}, {"<=", "<"}, {">", ">="}, {">=", ">"}, {"==", "!="}, {"!=", "=="}},
    .arithmetic = {"binary_expression", "assignment_expression"},
    .arithmetic_swaps = {{"+", "-"},
                         {"-", "+"},
                         {"*", "/"},
                         {"/", "*"},
                         {"%", "/"},
                         {"+=", "-="},
                         {"-=", "+="},
                         {"*=", "/="},
                         {"/=", "*="}},
    .booleans = {"binary_expression"},
    .boolean_swaps = {{"&&", "||"}, {"||", "&&"}, {"and", "or"}, {"or", "and"}},
    .loop_controls = {"break_statement", "continue_statement"},
    .loop_control_swaps = {{"break", "continue"}, {"continue", "break"}},
    .conditionals = {"if_statement", "while_statement", "do_statement"},
    .negation_format = "(!{})", // the condition is already parenthesized
    .subscripts = {"subscript_expression", "subscript_argument_list"},
    .call = "call_expression",
    .integer = "number_literal",
    .floating = "",
    .string = "string_literal",
    .boolean_literals = {{"true", "false"}, {"false", "true"}},
    // `return {};` value-initialises whatever the function returns.
    .empty_values = {{"string_literal", "\"\""}, {"initializer_list", "{}"}},
    .boolean_expressions = {},
    .null_value = "{}",
    .block = "compound_statement",
    .block_filler = ";",
    // Not return_statement: a non-void function that flows off its end is undefined behaviour,
    // not a bug a test can be trusted to catch.
    .simple_statements = {"expression_statement", "break_statement", "continue_statement"},
    .non_positional_arguments = {},
    .commutative_calls = {"std::max", "std::min", "max", "min", "std::swap", "swap", "std::gcd",
                          "gcd", "std::lcm", "lcm", "std::hypot", "hypot"},
    .negations = {{"unary_expression", "!"},
                  {"unary_expression", "not"},
                  {"unary_expression", "-"}},
    .atoms = {"identifier", "number_literal", "call_expression", "field_expression",
              "subscript_expression", "parenthesized_expression", "qualified_identifier",
              "string_literal", "char_literal"},
    .slice = "",
    .range_call = "",
    .for_loop = "",
    .empty_string = "\"\"",
    .filled_string = "\"x\"",
};

} // namespace assay::syntax::cpp
