// JavaScript's refactorings (refactor.hpp): the rewrites, before the generic checks.
#include "syntax/conditional_returns.hpp"
#include "syntax/edit.hpp"
#include "syntax/javascript/javascript.hpp"
#include "syntax/refactor.hpp"
#include "syntax/rename.hpp"
#include "syntax/scopes.hpp"

#include <algorithm>
#include <set>

namespace assay::syntax::javascript {
namespace {

// Keywords, strict-mode reserved words and the globals a new name must not shadow.
const std::set<std::string_view> reserved{
    "break",      "case",       "catch",     "class",       "const",      "continue",  "debugger",
    "default",    "delete",     "do",        "else",        "enum",       "export",    "extends",
    "false",      "finally",    "for",       "function",    "if",         "import",    "in",
    "instanceof", "new",        "null",      "return",      "super",      "switch",    "this",
    "throw",      "true",       "try",       "typeof",      "var",        "void",      "while",
    "with",       "yield",      "let",       "static",      "implements", "interface", "package",
    "private",    "protected",  "public",    "await",       "async",      "of",        "get",
    "set",        "arguments",  "eval",      "undefined",   "NaN",        "Infinity",  "globalThis",
    "Math",       "Array",      "Object",    "String",      "Number",     "Boolean",   "Symbol",
    "BigInt",     "Map",        "Set",       "WeakMap",     "WeakSet",    "JSON",      "Date",
    "RegExp",     "Error",      "TypeError", "RangeError",  "Promise",    "Reflect",   "Proxy",
    "Function",   "console",    "require",   "module",      "exports",    "process",   "Buffer",
    "parseInt",   "parseFloat", "isNaN",     "isFinite",    "setTimeout", "global",    "window",
    "document",   "name",       "length",    "constructor", "prototype",  "__dirname", "__filename",
    "Intl",       "escape",     "unescape",  "Atomics"};

bool is_one_of_text(std::string_view text, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), text) != names.end();
}

// Syntax that looks names up by string or rebinds them behind the scopes' back: renaming (and,
// to be safe, anything else) is off for code that has it.
bool dynamic(const SyntaxTree& tree) {
    bool found = false;
    walk(tree.root(), [&](TSNode node) {
        if (type(node) == "with_statement" ||
            (type(node) == "identifier" &&
             is_one_of_text(tree.text(node), {"eval", "arguments", "Function"})))
            found = true;
        return !found;
    });
    return found;
}

bool atom(TSNode node) {
    return is_one_of(node,
                     {"identifier", "number", "string", "template_string", "true", "false", "null",
                      "undefined", "this", "parenthesized_expression", "call_expression",
                      "member_expression", "subscript_expression", "array", "object", "regex"});
}

TSNode tested(TSNode if_statement) {
    const TSNode condition = field(if_statement, "condition");
    return named_child_count(condition) == 1 ? named_child(condition, 0) : TSNode{};
}

bool never(TSNode) {
    return false;
}

const BraceSyntax syntax{.block = "statement_block",
                         .conditional = "ternary_expression",
                         .tested = tested,
                         .atom = atom,
                         .refused_operand = never,
                         .refused_split = never};

std::optional<Refactoring> rename(const SyntaxTree& tree) {
    const Scopes scopes = javascript::analyze_scopes(tree);
    RenameRules rules{.reserved = &reserved, .style = NameStyle::camel};
    // The interface: a top-level function's parameters (the prompt names them) and a method's.
    rules.keep = [](const Scopes& all, std::size_t index, const std::string& name) {
        const Scope& scope = all.scopes[index];
        const bool parameter = std::find(scope.parameters.begin(), scope.parameters.end(), name) !=
                               scope.parameters.end();
        return parameter && (scope.parent == -1 || type(scope.node) == "method_definition");
    };
    // `{p}` names a property as well as the variable: it keeps the property.
    rules.spell = [&](TSNode use, const std::string& fresh) {
        if (is_one_of(use,
                      {"shorthand_property_identifier", "shorthand_property_identifier_pattern"}))
            return fmt::format("{}: {}", tree.text(use), fresh);
        return fresh;
    };
    return syntax::rename_locals(tree, scopes, rules);
}

// `const out = [];`, `let out = [];` or `var out = [];` → out, else a null node. A `var` one
// (function-scoped) only where no try statement of its function could catch an exception of the
// loop and then see `out` half built (Array.from would not have assigned it yet).
TSNode empty_array(TSNode statement) {
    if (!is_one_of(statement, {"lexical_declaration", "variable_declaration"}) ||
        named_child_count(statement) != 1)
        return {};
    if (type(statement) == "variable_declaration") {
        for (TSNode up = ts_node_parent(statement); !ts_node_is_null(up); up = ts_node_parent(up)) {
            if (type(up) == "try_statement") return {};
            if (is_one_of(up, {"function_declaration", "function_expression", "arrow_function",
                               "method_definition", "generator_function_declaration"}))
                break;
        }
    }
    const TSNode declarator = named_child(statement, 0);
    const TSNode name = field(declarator, "name");
    const TSNode value = field(declarator, "value");
    return type(name) == "identifier" && type(value) == "array" && named_child_count(value) == 0
               ? name
               : TSNode{};
}

// `out.push(e);` → e, else a null node.
TSNode pushed(const SyntaxTree& tree, TSNode statement, std::string_view out) {
    if (type(statement) == "statement_block" && named_child_count(statement) == 1)
        statement = named_child(statement, 0);
    const TSNode call = named_child(statement, 0);
    if (type(statement) != "expression_statement" || named_child_count(statement) != 1 ||
        type(call) != "call_expression" ||
        tree.text(field(call, "function")) != fmt::format("{}.push", out))
        return {};
    const TSNode arguments = field(call, "arguments");
    const TSNode value = named_child(arguments, 0);
    return type(arguments) == "arguments" && named_child_count(arguments) == 1 &&
                   !is_one_of(value, {"spread_element", "comment"})
               ? value
               : TSNode{};
}

std::string wrapped(const SyntaxTree& tree, TSNode node) {
    return atom(node) ? std::string(tree.text(node)) : fmt::format("({})", tree.text(node));
}

// `const out = []; for (const x of xs) out.push(e);` → `const out = Array.from(xs, (x) => e);`,
// and with the push under `if (c)` → `Array.from(xs, (x) => (c ? [e] : [])).flat()`.
// Why it is the same: Array.from(iterable, f) walks the iterator exactly as for-of does and calls
// f between two steps, as the loop body ran; `.flat()` only unwraps the one-element arrays (an
// array-valued e stays one element). The loop variable was `const`/`let`, scoped to the loop, so
// an arrow parameter is the same binding per step; `out` is read nowhere before the loop ends
// (no closure could see it half full); e and c have no await, yield, this, super or new.target
// (they would mean something else inside an arrow). The one difference: for-of throws a TypeError
// on a non-iterable array-like where Array.from reads it; refused: `var` loop variables (the
// name outlives the loop, and closures in e would share it), a `var` list inside a try statement,
// `for await`, spreads, a shadowed `Array`.
class Loops {
  public:
    Loops(const SyntaxTree& tree, const Scopes& scopes) : tree_(tree), scopes_(scopes) {}

    void visit(TSNode first, TSNode loop) {
        const TSNode out = empty_array(first);
        if (ts_node_is_null(out) || type(loop) != "for_in_statement" ||
            tree_.text(field(loop, "operator")) != "of" ||
            !is_one_of(field(loop, "kind"), {"const", "let"}) ||
            !is_one_of(field(loop, "left"), {"identifier", "array_pattern", "object_pattern"}) ||
            type(ts_node_child(loop, 1)) == "await")
            return;
        TSNode body = field(loop, "body");
        if (type(body) == "statement_block" && named_child_count(body) == 1)
            body = named_child(body, 0);
        TSNode condition{};
        if (type(body) == "if_statement" && ts_node_is_null(field(body, "alternative"))) {
            condition = tested(body);
            body = field(body, "consequence");
        }
        const TSNode value = pushed(tree_, body, tree_.text(out));
        if (ts_node_is_null(value)) return;
        // The one use of `out` allowed in the loop: the receiver of the push.
        const TSNode receiver = ts_node_prev_named_sibling(ts_node_parent(value));
        if (!only_after(out, end(loop), receiver)) return;
        for (const TSNode part : {value, condition}) {
            if (has_node_of(part, {"await_expression", "yield_expression", "this", "super",
                                   "meta_property", "comment"}))
                return;
        }
        const TSNode right = field(loop, "right");
        const std::string iterable = type(right) == "sequence_expression"
                                         ? fmt::format("({})", tree_.text(right))
                                         : std::string(tree_.text(right));
        const std::string_view left = tree_.text(field(loop, "left"));
        const std::string_view kind = type(first) == "variable_declaration"
                                          ? std::string_view("var")
                                          : tree_.text(field(first, "kind"));
        const std::string head = fmt::format("{} {} = Array.from(", kind, tree_.text(out));
        std::string replacement =
            ts_node_is_null(condition)
                ? fmt::format("{}{}, ({}) => {});", head, iterable, left, wrapped(tree_, value))
                : fmt::format("{}{}, ({}) => ({} ? [{}] : [])).flat();", head, iterable, left,
                              wrapped(tree_, condition), wrapped(tree_, value));
        edits_.push_back({start(first), end(loop), std::move(replacement)});
        lines_.push_back(line(first));
    }

    std::optional<Refactoring> result() {
        const bool shadowed =
            std::any_of(scopes_.uses.begin(), scopes_.uses.end(), [&](const NameUse& use) {
                return use.binding && tree_.text(use.node) == "Array";
            });
        if (edits_.empty() || shadowed) return std::nullopt;
        return Refactoring{"loop_to_algorithm", apply_edits(tree_.source(), std::move(edits_)),
                           describe_lines("for-of push loop → Array.from", lines_)};
    }

  private:
    // Whether every use of the variable `binding` declares, other than that and the ones in
    // `allowed`, comes at `from` or later. (Per-function locals make this conservative: a
    // same-named local elsewhere counts.)
    [[nodiscard]] bool only_after(TSNode binding, uint32_t from, TSNode allowed) const {
        const auto self =
            std::find_if(scopes_.uses.begin(), scopes_.uses.end(),
                         [&](const NameUse& use) { return start(use.node) == start(binding); });
        if (self == scopes_.uses.end()) return false;
        return std::all_of(scopes_.uses.begin(), scopes_.uses.end(), [&](const NameUse& use) {
            return start(use.node) == start(binding) || start(use.node) >= from ||
                   (start(use.node) >= start(allowed) && end(use.node) <= end(allowed)) ||
                   use.resolves_to != self->resolves_to ||
                   tree_.text(use.node) != tree_.text(binding);
        });
    }

    const SyntaxTree& tree_;
    const Scopes& scopes_;
    std::vector<Edit> edits_;
    std::vector<int> lines_;
};

std::optional<Refactoring> loop_to_algorithm(const SyntaxTree& tree) {
    const Scopes scopes = javascript::analyze_scopes(tree);
    Loops loops(tree, scopes);
    walk(tree.root(), [&](TSNode node) {
        if (is_one_of(node, {"statement_block", "program"})) {
            const std::vector<TSNode> statements = named_children(node);
            for (std::size_t i = 0; i + 1 < statements.size(); ++i)
                loops.visit(statements[i], statements[i + 1]);
        }
        return true;
    });
    return loops.result();
}

} // namespace

std::vector<Refactoring> refactorings(const SyntaxTree& tree) {
    if (dynamic(tree)) return {};
    std::vector<Refactoring> candidates;
    for (auto candidate : {rename(tree), if_else_return_to_conditional(tree, syntax),
                           conditional_to_if_else(tree, syntax), loop_to_algorithm(tree)}) {
        if (candidate) candidates.push_back(std::move(*candidate));
    }
    return candidates;
}

} // namespace assay::syntax::javascript
