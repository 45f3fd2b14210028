#include "syntax/case_plan.hpp"

#include "syntax/grammar.hpp"
#include "syntax/syntax_tree.hpp"

#include <algorithm>

namespace assay::syntax {
namespace {

bool listed(const std::vector<std::string_view>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

std::string squeezed(std::string_view text) {
    std::string out;
    for (const char ch : text)
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') out.push_back(ch);
    return out;
}

class Planner {
  public:
    Planner(const CasePlanRules& rules, const SyntaxTree& tree,
            const std::vector<std::string>& candidates, uint32_t offset)
        : rules_(rules), tree_(tree), candidates_(candidates), offset_(offset) {}

    CasePlan plan(TSNode block, std::string code) {
        CasePlan plan;
        plan.code = std::move(code);
        for (const TSNode node : code_children(block)) {
            plan.statements.push_back(statement(node));
        }
        plan.whole = why_;
        return plan;
    }

  private:
    using Statement = CaseStatement;

    Span span(TSNode node) const { return {start(node) - offset_, end(node) - offset_}; }

    bool is_candidate(std::string_view name) const {
        return std::find(candidates_.begin(), candidates_.end(), name) != candidates_.end();
    }

    TSNode unwrapped(TSNode node) const {
        while (listed(rules_.wrappers, type(node)) && named_child_count(node) > 0)
            node = code_children(node).empty() ? node : code_children(node).front();
        return node;
    }

    // The names a node mentions, and the candidate calls in it (outermost only).
    void scan(TSNode root, Statement& out) {
        walk(root, [&](TSNode node) {
            const std::string_view kind = type(node);
            if (listed(rules_.calls, kind)) {
                const std::string callee = squeezed(tree_.text(field(node, "function")));
                if (is_candidate(callee)) {
                    if (const TSNode scope = enclosing_nested(node, root);
                        !ts_node_is_null(scope) && why_.empty())
                        why_ = fmt::format("a candidate call inside a {}", type(scope));
                    CaseHole hole{span(node), {}};
                    names_in(node, hole.uses);
                    out.holes.push_back(std::move(hole));
                    out.uses.insert(out.uses.end(), out.holes.back().uses.begin(),
                                    out.holes.back().uses.end());
                    return false;
                }
            }
            if (listed(rules_.names, kind)) {
                const std::string name(tree_.text(node));
                if (is_candidate(name) && why_.empty()) why_ = "the candidate is used as a value";
                out.uses.push_back(name);
            }
            return true;
        });
    }

    void names_in(TSNode root, std::vector<std::string>& out) const {
        walk(root, [&](TSNode node) {
            if (listed(rules_.names, type(node))) out.emplace_back(tree_.text(node));
            return true;
        });
    }

    // The nearest node of a nested type between `node` and `root` (exclusive), or a null node.
    TSNode enclosing_nested(TSNode node, TSNode root) const {
        for (TSNode up = ts_node_parent(node); !ts_node_is_null(up) && !ts_node_eq(up, root);
             up = ts_node_parent(up)) {
            if (listed(rules_.nested, type(up))) return up;
        }
        return listed(rules_.nested, type(root)) ? root : TSNode{};
    }

    // Identifiers outside every `value` field (the initialisers): what a declaration binds.
    void declared_names(TSNode node, std::vector<std::string>& out) const {
        TreeCursor owner(node);
        TSTreeCursor* cursor = owner.get();
        if (!ts_tree_cursor_goto_first_child(cursor)) return;
        do {
            const char* name = ts_tree_cursor_current_field_name(cursor);
            if (name != nullptr && std::string_view(name) == "value") continue;
            const TSNode child = ts_tree_cursor_current_node(cursor);
            if (listed(rules_.names, type(child)))
                out.emplace_back(tree_.text(child));
            else
                declared_names(child, out);
        } while (ts_tree_cursor_goto_next_sibling(cursor));
    }

    CaseStatement statement(TSNode node) {
        Statement out;
        out.span = span(node);
        out.declaration = listed(rules_.declarations, type(node));
        if (out.declaration) declared_names(node, out.declares);
        scan(node, out);
        if (type(node) == rules_.expression_statement) {
            const TSNode expression = unwrapped(named_child(node, 0));
            if (listed(rules_.calls, type(expression))) {
                const std::string callee = squeezed(tree_.text(field(expression, "function")));
                if (listed(rules_.condition_asserts, callee)) {
                    const auto arguments = code_children(field(expression, "arguments"));
                    if (!arguments.empty()) {
                        out.asserts = true;
                        out.assertion = assertion(arguments.front());
                    }
                } else if (listed(rules_.other_asserts, callee)) {
                    out.asserts = true;
                }
            }
        }
        // An assertion nested in a statement that also calls the candidate: not splittable.
        if (!out.asserts && !out.holes.empty() && !out.declaration && why_.empty())
            why_ = "a statement calls the candidate for its effect";
        return out;
    }

    CaseAssertion assertion(TSNode condition) const {
        CaseAssertion out;
        out.condition = span(condition);
        const TSNode inner = unwrapped(condition);
        if (type(inner) == rules_.comparison) {
            const std::string op(tree_.text(field(inner, "operator")));
            if (listed(rules_.comparison_ops, op)) {
                out.lhs = span(field(inner, "left"));
                out.rhs = span(field(inner, "right"));
                out.op = op;
            }
        }
        return out;
    }

    const CasePlanRules& rules_;
    const SyntaxTree& tree_;
    const std::vector<std::string>& candidates_;
    uint32_t offset_;
    std::string why_;
};

} // namespace

Expected<CasePlan> plan_case(std::string_view grammar, std::string code,
                             const std::vector<std::string>& candidates) {
    const Grammar* known = find_grammar(grammar);
    if (known == nullptr || known->case_plan == nullptr)
        return fail("the grammar '{}' cannot split a test case between runner and judge", grammar);
    const CasePlanRules& rules = *known->case_plan;
    std::string wrapped = std::string(rules.prefix) + code + std::string(rules.suffix);
    const SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(grammar, std::move(wrapped)));
    TSNode block = tree.root();
    if (!rules.block.empty()) {
        TSNode found{};
        walk(tree.root(), [&](TSNode node) {
            if (!ts_node_is_null(found)) return false;
            if (type(node) == rules.block) found = node;
            return ts_node_is_null(found);
        });
        block = found;
    }
    const auto offset = static_cast<uint32_t>(rules.prefix.size());
    if (ts_node_is_null(block)) {
        CasePlan plan;
        plan.code = std::move(code);
        plan.whole = "the case does not parse";
        return plan;
    }
    // A block that ends before the code does (a stray closing brace) would hide the rest.
    const bool spans_all =
        rules.block.empty() || end(block) == offset + code.size() + rules.suffix.size();
    const std::size_t size = code.size();
    CasePlan plan = Planner(rules, tree, candidates, offset).plan(block, std::move(code));
    if (plan.whole.empty() && (tree.has_error() || !spans_all))
        plan.whole = "the case does not parse";
    std::erase_if(plan.statements, [&](const CaseStatement& s) { return s.span.end > size; });
    return plan;
}

} // namespace assay::syntax
