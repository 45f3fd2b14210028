// What the mutation operators (mutate.hpp) need to know of a grammar: node types, the tokens each
// swap exchanges, the spellings of a few values. One table per grammar, under
// src/syntax/<grammar>/mutations.cpp, registered in grammar.cpp.
#pragma once

#include <string_view>
#include <vector>

namespace assay::syntax {

struct Swap {
    std::string_view from;
    std::string_view to;
};

// An empty entry switches its operator off.
struct MutationRules {
    std::vector<std::string_view> functions; // definitions whose `body` field is mutated
    std::vector<std::string_view> comparisons;
    std::vector<Swap> comparison_swaps;
    std::vector<std::string_view> arithmetic;
    std::vector<Swap> arithmetic_swaps;
    std::vector<std::string_view> booleans;
    std::vector<Swap> boolean_swaps;
    std::vector<std::string_view> loop_controls;
    std::vector<Swap> loop_control_swaps;
    std::vector<std::string_view> conditionals; // their `condition` field is negated
    std::string_view negation_format;
    std::vector<std::string_view> subscripts;
    std::string_view call;
    std::string_view integer;
    std::string_view floating;
    std::string_view string;
    std::vector<Swap> boolean_literals; // node type → replacement
    std::vector<Swap> empty_values;     // returned node type → empty value of that kind
    std::vector<std::string_view> boolean_expressions; // returned as `not (x)`
    std::string_view null_value;
    std::string_view block;
    std::string_view block_filler; // a statement that does nothing
    std::vector<std::string_view> simple_statements;
    std::vector<std::string_view> non_positional_arguments;
    std::vector<std::string_view> commutative_calls;
    std::vector<Swap> negations; // node type, operator token: the node becomes its `argument`
    std::vector<std::string_view> atoms; // need no parentheses as an operand
    std::string_view slice;
    std::string_view range_call;
    std::string_view for_loop;
    // A string literal becomes one of these (empty ↔ not empty).
    std::string_view empty_string = "''";
    std::string_view filled_string = "'x'";
};

} // namespace assay::syntax
