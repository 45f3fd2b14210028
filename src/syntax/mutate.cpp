#include "syntax/mutate.hpp"

#include "syntax/edit.hpp"
#include "syntax/grammar.hpp"
#include "syntax/mutation_rules.hpp"
#include "syntax/scopes.hpp"
#include "syntax/syntax_tree.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

namespace assay::syntax {
namespace {

enum Operator : std::size_t {
    comparison_swap,
    arithmetic_swap,
    boundary_off_by_one,
    condition_negation,
    and_or_swap,
    constant_change,
    return_value_change,
    statement_deletion,
    argument_swap,
    wrong_variable,
    slice_bound_change,
    loop_control_change,
    negation_removal,
};

const std::vector<std::string_view> operator_names{
    "comparison_swap",  "arithmetic_swap", "boundary_off_by_one", "condition_negation",
    "and_or_swap",      "constant_change", "return_value_change", "statement_deletion",
    "argument_swap",    "wrong_variable",  "slice_bound_change",  "loop_control_change",
    "negation_removal",
};

bool listed(const std::vector<std::string_view>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::optional<std::string_view> swapped(const std::vector<Swap>& swaps, std::string_view from) {
    for (const Swap& swap : swaps) {
        if (swap.from == from) return swap.to;
    }
    return std::nullopt;
}

// A plain decimal integer literal (optionally negative), small enough to shift safely.
std::optional<long long> integer_value(std::string_view text) {
    long long value = 0;
    if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0'))
        return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// A proposed mutant before it is applied and checked.
struct Proposal {
    Operator kind;
    uint32_t position;
    int line;
    std::vector<Edit> edits;
    std::string detail; // the description after "line N: "
};

class Generator {
  public:
    Generator(const SyntaxTree& tree, const MutationRules& rules)
        : tree_(tree), rules_(rules), scopes_(analyze_scopes(tree)) {
        for (const NameUse& use : scopes_.uses) {
            if (use.binding)
                bindings_[{use.resolves_to, std::string(tree_.text(use.node))}].emplace_back(
                    start(use.node), use.visible_until);
        }
    }

    std::vector<Proposal> run(const std::vector<TSNode>& bodies) {
        for (const TSNode body : bodies) {
            walk(
                body, [&](TSNode node) { return enter(node); }, [&](TSNode) { path_.pop_back(); });
            propose_wrong_variables(body);
        }
        std::stable_sort(proposals_.begin(), proposals_.end(),
                         [](const Proposal& a, const Proposal& b) {
                             return std::tie(a.kind, a.position) < std::tie(b.kind, b.position);
                         });
        return std::move(proposals_);
    }

  private:
    bool enter(TSNode node) {
        path_.push_back(node);
        if (is_bare_string_statement(node)) return false;
        const std::string_view kind = type(node);
        swap_tokens(node, comparison_swap, rules_.comparisons, rules_.comparison_swaps);
        swap_tokens(node, arithmetic_swap, rules_.arithmetic, rules_.arithmetic_swaps);
        swap_tokens(node, and_or_swap, rules_.booleans, rules_.boolean_swaps);
        swap_tokens(node, loop_control_change, rules_.loop_controls, rules_.loop_control_swaps);
        if (listed(rules_.conditionals, kind)) negate_condition(node);
        if (kind == rules_.integer || kind == rules_.floating) change_number(node);
        if (kind == rules_.string) change_string(node);
        if (const auto literal = swapped(rules_.boolean_literals, kind))
            replace(constant_change, node, *literal);
        if (kind == "return_statement") change_return(node);
        if (listed(rules_.simple_statements, kind) && type(parent()) == rules_.block)
            delete_statement(node);
        if (kind == rules_.call) swap_arguments(node);
        if (kind == rules_.slice) change_slice(node);
        if (kind == rules_.for_loop) change_range(node);
        remove_negation(node);
        return true;
    }

    [[nodiscard]] TSNode parent(std::size_t up = 1) const {
        return path_.size() > up ? path_[path_.size() - 1 - up] : TSNode{};
    }

    // A docstring, or any other statement that is only a string.
    bool is_bare_string_statement(TSNode node) const {
        if (type(node) != "expression_statement" || named_child_count(node) != 1) return false;
        const TSNode child = named_child(node, 0);
        return type(child) == rules_.string || type(child) == "concatenated_string";
    }

    void propose(Operator kind, TSNode at, std::vector<Edit> edits, std::string detail) {
        proposals_.push_back({kind, start(at), line(at), std::move(edits), std::move(detail)});
    }

    void replace(Operator kind, TSNode node, std::string_view replacement) {
        propose(kind, node, {{start(node), end(node), std::string(replacement)}},
                fmt::format("'{}' → '{}'", brief(tree_.text(node)), brief(replacement)));
    }

    void swap_tokens(TSNode node, Operator kind, const std::vector<std::string_view>& parents,
                     const std::vector<Swap>& swaps) {
        if (!listed(parents, type(node))) return;
        for (const TSNode child : children(node)) {
            if (ts_node_is_named(child)) continue;
            if (const auto to = swapped(swaps, type(child))) replace(kind, child, *to);
        }
    }

    void negate_condition(TSNode node) {
        const TSNode condition = field(node, "condition");
        if (ts_node_is_null(condition)) return;
        replace(condition_negation, condition,
                fmt::format(fmt::runtime(rules_.negation_format), tree_.text(condition)));
    }

    // `text` shifted by k: a literal is recomputed, anything else gets `+ k` / `- k`.
    std::string shifted(TSNode node, long long k) const {
        const std::string_view text = tree_.text(node);
        if (const auto value = integer_value(text)) return std::to_string(*value + k);
        const std::string operand =
            listed(rules_.atoms, type(node)) ? std::string(text) : fmt::format("({})", text);
        return fmt::format("{} {} {}", operand, k < 0 ? '-' : '+', k < 0 ? -k : k);
    }

    bool in_slice() const {
        return !rules_.slice.empty() &&
               (type(parent()) == rules_.slice || type(parent(2)) == rules_.slice);
    }

    // Comparisons, range() arguments and indices: where off-by-one bugs live.
    bool in_boundary_context() const {
        std::size_t up = 1;
        if (type(parent()) == "unary_operator" || type(parent()) == "unary_expression") up = 2;
        const TSNode context = parent(up);
        if (listed(rules_.comparisons, type(context)) || listed(rules_.subscripts, type(context)))
            return true;
        const TSNode call = parent(up + 1);
        return type(context) == "argument_list" && type(call) == rules_.call &&
               !rules_.range_call.empty() &&
               tree_.text(field(call, "function")) == rules_.range_call;
    }

    void change_number(TSNode node) {
        if (in_slice()) return; // slice_bound_change owns slice bounds
        const std::string_view text = tree_.text(node);
        const auto value = integer_value(text);
        if (value && in_boundary_context()) {
            replace(boundary_off_by_one, node, std::to_string(*value + 1));
            replace(boundary_off_by_one, node, std::to_string(*value - 1));
            return;
        }
        const bool zero = text.find_first_not_of("0._") == std::string_view::npos;
        replace(constant_change, node,
                type(node) == rules_.floating ? (zero ? "1.0" : "0.0") : (zero ? "1" : "0"));
    }

    void change_string(TSNode node) {
        if (type(parent()) == "concatenated_string") return;
        replace(constant_change, node,
                is_empty_string(node) ? rules_.filled_string : rules_.empty_string);
    }

    bool is_empty_string(TSNode node) const {
        const std::string_view text = tree_.text(node);
        return text.size() == 2 || (text.size() == 3 && (text[0] == 'f' || text[0] == 'r'));
    }

    void change_return(TSNode node) {
        const TSNode value = named_child(node, 0);
        if (ts_node_is_null(value) || type(value) == "comment") return;
        const std::string_view kind = type(value);
        std::string replacement(rules_.null_value);
        if (kind == rules_.integer || kind == rules_.floating ||
            swapped(rules_.boolean_literals, kind)) {
            return; // constant_change covers literals
        }
        if (const auto empty = swapped(rules_.empty_values, kind)) replacement = *empty;
        if (listed(rules_.boolean_expressions, kind))
            replacement = fmt::format(fmt::runtime(rules_.negation_format), tree_.text(value));
        if (replacement == tree_.text(value)) replacement = rules_.null_value;
        if (replacement != tree_.text(value)) replace(return_value_change, value, replacement);
    }

    void delete_statement(TSNode node) {
        const std::vector<TSNode> statements = code_children(parent());
        const std::string_view source = tree_.source();
        uint32_t from = start(node);
        uint32_t to = end(node);
        while (from > 0 && (source[from - 1] == ' ' || source[from - 1] == '\t'))
            --from;
        const bool own_line = from == 0 || source[from - 1] == '\n';
        const bool line_ends = to == source.size() || source[to] == '\n';
        const std::string detail = fmt::format("deleted '{}'", brief(tree_.text(node)));
        if (statements.size() > 1 && own_line && line_ends) {
            propose(statement_deletion, node,
                    {{from, std::min<uint32_t>(to + 1, static_cast<uint32_t>(source.size())), ""}},
                    detail);
        } else {
            propose(statement_deletion, node,
                    {{start(node), end(node), std::string(rules_.block_filler)}}, detail);
        }
    }

    void swap_arguments(TSNode call) {
        const TSNode arguments = field(call, "arguments");
        if (listed(rules_.commutative_calls, tree_.text(field(call, "function")))) return;
        std::vector<TSNode> positional;
        for (const TSNode argument : code_children(arguments)) {
            if (listed(rules_.non_positional_arguments, type(argument))) break;
            positional.push_back(argument);
        }
        for (std::size_t i = 0; i + 1 < positional.size(); ++i) {
            const std::string_view first = tree_.text(positional[i]);
            const std::string_view second = tree_.text(positional[i + 1]);
            if (first == second) continue;
            propose(argument_swap, positional[i],
                    {{start(positional[i]), end(positional[i]), std::string(second)},
                     {start(positional[i + 1]), end(positional[i + 1]), std::string(first)}},
                    fmt::format("swapped '{}' and '{}'", brief(first), brief(second)));
        }
    }

    void change_slice(TSNode slice) {
        TSNode bounds[2]{};
        TSNode colon{};
        for (const TSNode child : children(slice)) {
            if (type(child) == ":") {
                if (!ts_node_is_null(colon)) break;
                colon = child;
            } else if (ts_node_is_named(child) && type(child) != "comment") {
                bounds[ts_node_is_null(colon) ? 0 : 1] = child;
            }
        }
        if (ts_node_is_null(colon)) return;
        const auto bound = [&](TSNode node, long long k, uint32_t insert_at) {
            if (ts_node_is_null(node)) {
                propose(slice_bound_change, slice, {{insert_at, insert_at, std::to_string(k)}},
                        fmt::format("'{}' → bound {}", brief(tree_.text(slice)), k));
                return;
            }
            replace(slice_bound_change, node, shifted(node, k));
            propose(slice_bound_change, node, {{start(node), end(node), ""}},
                    fmt::format("dropped bound '{}'", brief(tree_.text(node))));
        };
        bound(bounds[0], 1, start(colon));
        bound(bounds[1], -1, end(colon));
    }

    void change_range(TSNode loop) {
        const TSNode call = field(loop, "right");
        if (type(call) != rules_.call || tree_.text(field(call, "function")) != rules_.range_call)
            return;
        const TSNode arguments = field(call, "arguments");
        const std::vector<TSNode> bounds = code_children(arguments);
        if (bounds.empty() || bounds.size() > 2 ||
            listed(rules_.non_positional_arguments, type(bounds[0])))
            return;
        const auto with_arguments = [&](std::string text) {
            replace(loop_control_change, arguments, fmt::format("({})", text));
        };
        if (bounds.size() == 1) {
            with_arguments(fmt::format("1, {}", tree_.text(bounds[0])));
            with_arguments(shifted(bounds[0], -1));
        } else {
            with_arguments(fmt::format("{}, {}", shifted(bounds[0], 1), tree_.text(bounds[1])));
        }
    }

    void remove_negation(TSNode node) {
        for (const Swap& negation : rules_.negations) {
            if (type(node) != negation.from || type(ts_node_child(node, 0)) != negation.to)
                continue;
            const TSNode argument = field(node, "argument");
            if (!ts_node_is_null(argument)) replace(negation_removal, node, tree_.text(argument));
        }
    }

    // A use of a local → the nearest other local of its scope already bound before the use,
    // unless an inner scope between them would capture the new name.
    void propose_wrong_variables(TSNode body) {
        for (const NameUse& use : scopes_.uses) {
            if (use.binding || !scopes_.renamable(use.resolves_to) ||
                start(use.node) < start(body) || end(use.node) > end(body)) {
                continue;
            }
            const Scope& scope = scopes_.scopes[static_cast<std::size_t>(use.resolves_to)];
            const std::string_view name = tree_.text(use.node);
            const auto own =
                std::find(scope.locals.begin(), scope.locals.end(), name) - scope.locals.begin();
            std::optional<std::string> chosen;
            for (std::ptrdiff_t distance = 1; !chosen && distance < std::ssize(scope.locals);
                 ++distance) {
                for (const std::ptrdiff_t index : {own - distance, own + distance}) {
                    if (index < 0 || index >= std::ssize(scope.locals) || chosen) continue;
                    const std::string& other = scope.locals[static_cast<std::size_t>(index)];
                    if (bound_before(use.resolves_to, other, start(use.node)) &&
                        !captured(use, other))
                        chosen = other;
                }
            }
            if (chosen) replace(wrong_variable, use.node, *chosen);
        }
    }

    // Whether a binding of the local is before `position` and still visible there (a block's
    // `let` or `int` is not after its block).
    bool bound_before(int scope, const std::string& name, uint32_t position) const {
        const auto found = bindings_.find({scope, name});
        return found != bindings_.end() &&
               std::any_of(found->second.begin(), found->second.end(), [&](const auto& binding) {
                   return binding.first < position && position < binding.second;
               });
    }

    bool captured(const NameUse& use, const std::string& name) const {
        for (int index = use.occurs_in; index != use.resolves_to && index >= 0;) {
            const Scope& scope = scopes_.scopes[static_cast<std::size_t>(index)];
            if (std::find(scope.locals.begin(), scope.locals.end(), name) != scope.locals.end())
                return true;
            index = scope.parent;
        }
        return false;
    }

    const SyntaxTree& tree_;
    const MutationRules& rules_;
    Scopes scopes_;
    // Each local's bindings: (where, visible until).
    std::map<std::pair<int, std::string>, std::vector<std::pair<uint32_t, uint32_t>>> bindings_;
    std::vector<TSNode> path_; // from the walk's root to the current node
    std::vector<Proposal> proposals_;
};

// The outermost function definitions (methods count: classes are not functions).
std::vector<TSNode> outermost_functions(const SyntaxTree& tree, const MutationRules& rules) {
    std::vector<TSNode> functions;
    walk(tree.root(), [&](TSNode node) {
        if (!listed(rules.functions, type(node))) return true;
        functions.push_back(node);
        return false;
    });
    return functions;
}

// Bodies of the entry point and the functions it reaches by name; of all functions without one.
std::vector<TSNode> bodies_to_mutate(const SyntaxTree& tree, const MutationRules& rules,
                                     std::string_view entry_point) {
    const std::vector<TSNode> functions = outermost_functions(tree, rules);
    const auto name_of = [&](TSNode function) { return tree.text(field(function, "name")); };
    std::set<std::string_view> reached;
    std::vector<std::string_view> pending;
    if (std::any_of(functions.begin(), functions.end(),
                    [&](TSNode f) { return name_of(f) == entry_point; })) {
        pending.push_back(entry_point);
    }
    while (!pending.empty()) {
        const std::string_view name = pending.back();
        pending.pop_back();
        if (!reached.insert(name).second) continue;
        for (const TSNode function : functions) {
            if (name_of(function) != name) continue;
            walk(field(function, "body"), [&](TSNode node) {
                if (type(node) == "identifier") pending.push_back(tree.text(node));
                return true;
            });
        }
    }
    std::vector<TSNode> bodies;
    for (const TSNode function : functions) {
        const TSNode body = field(function, "body");
        if (!ts_node_is_null(body) && (reached.empty() || reached.contains(name_of(function))))
            bodies.push_back(body);
    }
    return bodies;
}

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace

const std::vector<std::string_view>& mutation_operators() {
    return operator_names;
}

std::vector<Mutant> mutants(std::string_view language, std::string_view code,
                            std::string_view entry_point) {
    const Grammar* known = find_grammar(language);
    const MutationRules* rules = known == nullptr ? nullptr : known->mutations;
    if (rules == nullptr) return {};
    const auto tree = SyntaxTree::parse(language, std::string(code));
    if (!tree || tree->has_error()) return {};
    std::vector<Mutant> result;
    std::unordered_set<std::string> seen{std::string(code)};
    for (Proposal& proposal :
         Generator(*tree, *rules).run(bodies_to_mutate(*tree, *rules, entry_point))) {
        std::string mutated = apply_edits(code, std::move(proposal.edits));
        if (seen.contains(mutated) || !parses_cleanly(language, mutated)) continue;
        seen.insert(mutated);
        result.push_back({std::string(operator_names[proposal.kind]), std::move(mutated),
                          proposal.line,
                          fmt::format("line {}: {}", proposal.line, proposal.detail)});
    }
    return result;
}

std::vector<Mutant> sample_mutants(std::string_view language, std::string_view code,
                                   std::string_view entry_point, std::size_t max,
                                   std::uint64_t seed) {
    std::vector<Mutant> all = mutants(language, code, entry_point);
    // Indices per operator, each list shuffled (Fisher–Yates on splitmix64: portable).
    std::map<std::string, std::vector<std::size_t>> by_kind;
    for (std::size_t i = 0; i < all.size(); ++i)
        by_kind[all[i].kind].push_back(i);
    for (auto& [kind, indices] : by_kind) {
        for (std::size_t i = indices.size(); i > 1; --i)
            std::swap(indices[i - 1], indices[splitmix64(seed) % i]);
    }
    std::vector<std::size_t> chosen;
    for (std::size_t round = 0; chosen.size() < std::min(max, all.size()); ++round) {
        for (const auto& [kind, indices] : by_kind) {
            if (round < indices.size() && chosen.size() < max) chosen.push_back(indices[round]);
        }
    }
    std::sort(chosen.begin(), chosen.end());
    std::vector<Mutant> result;
    result.reserve(chosen.size());
    for (const std::size_t index : chosen)
        result.push_back(std::move(all[index]));
    return result;
}

} // namespace assay::syntax
