// Python's refactorings (refactor.hpp): the rewrites, before the generic checks.
#include "syntax/edit.hpp"
#include "syntax/python/python.hpp"
#include "syntax/refactor.hpp"
#include "syntax/rename.hpp"
#include "syntax/scopes.hpp"
#include "syntax/syntax_tree.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace assay::syntax::python {
namespace {

// Python keywords and the builtins a new name must not shadow.
const std::set<std::string_view> reserved{
    "False", "None",     "True",     "and",    "as",     "assert", "async",  "await",     "break",
    "class", "continue", "def",      "del",    "elif",   "else",   "except", "finally",   "for",
    "from",  "global",   "if",       "import", "in",     "is",     "lambda", "nonlocal",  "not",
    "or",    "pass",     "raise",    "return", "try",    "while",  "with",   "yield",     "match",
    "case",  "type",     "abs",      "all",    "any",    "bool",   "dict",   "enumerate", "filter",
    "float", "int",      "len",      "list",   "map",    "max",    "min",    "next",      "object",
    "print", "range",    "reversed", "round",  "set",    "sorted", "str",    "sum",       "tuple",
    "zip",   "id",       "input",    "iter",   "format", "hash",   "ord",    "chr",       "self",
    "cls"};

bool has_identifier(const SyntaxTree& tree, TSNode root, const std::set<std::string_view>& names) {
    bool found = false;
    walk(root, [&](TSNode node) {
        if (!found && type(node) == "identifier" && names.contains(tree.text(node))) found = true;
        return !found;
    });
    return found;
}

bool has_node_of(TSNode root, std::initializer_list<std::string_view> types) {
    bool found = false;
    walk(root, [&](TSNode node) {
        if (is_one_of(node, types)) found = true;
        return !found;
    });
    return found;
}

// Identifier names in a loop target such as `i`, `(k, v)`.
std::set<std::string_view> target_names(const SyntaxTree& tree, TSNode target) {
    std::set<std::string_view> names;
    walk(target, [&](TSNode node) {
        if (type(node) == "identifier") names.insert(tree.text(node));
        return true;
    });
    return names;
}

// The body of the innermost function around `node`, or the module.
TSNode enclosing_body(const SyntaxTree& tree, TSNode node) {
    const TSNode function = ancestor(node, {"function_definition"});
    return ts_node_is_null(function) ? tree.root() : field(function, "body");
}

// Whether an identifier in `names` occurs in `region` outside the byte range [from, to).
bool used_outside(const SyntaxTree& tree, TSNode region, const std::set<std::string_view>& names,
                  uint32_t from, uint32_t to) {
    bool found = false;
    walk(region, [&](TSNode node) {
        if (found || (start(node) >= from && end(node) <= to)) return false;
        if (type(node) == "identifier" && names.contains(tree.text(node))) found = true;
        return !found;
    });
    return found;
}

// `text` ready to stand in a new context: parenthesized when it spans lines or binds loosely.
std::string operand(const SyntaxTree& tree, TSNode node) {
    const std::string_view text = tree.text(node);
    const bool loose =
        is_one_of(node, {"conditional_expression", "lambda", "expression_list", "named_expression",
                         "yield", "pattern_list", "tuple_pattern"});
    return loose || text.find('\n') != std::string_view::npos ? fmt::format("({})", text)
                                                              : std::string(text);
}

// The single statement of a block without comments, or a null node.
TSNode only_statement(TSNode block) {
    return named_child_count(block) == 1 ? named_child(block, 0) : TSNode{};
}

// `x.append(e)` as a statement: returns e, or a null node.
TSNode appended_value(const SyntaxTree& tree, TSNode statement, std::string_view list) {
    if (type(statement) != "expression_statement") return {};
    const TSNode call = named_child(statement, 0);
    const TSNode function = field(call, "function");
    if (type(call) != "call" || type(function) != "attribute" ||
        tree.text(field(function, "object")) != list ||
        tree.text(field(function, "attribute")) != "append") {
        return {};
    }
    const TSNode arguments = field(call, "arguments");
    if (type(arguments) != "argument_list" || named_child_count(arguments) != 1) return {};
    const TSNode value = named_child(arguments, 0);
    return is_one_of(value, {"keyword_argument", "list_splat", "dictionary_splat", "comment"})
               ? TSNode{}
               : value;
}

// `x = []` → x, else a null node.
TSNode empty_list_target(TSNode statement) {
    if (type(statement) != "expression_statement") return {};
    const TSNode assignment = named_child(statement, 0);
    if (type(assignment) != "assignment" || !ts_node_is_null(field(assignment, "type"))) return {};
    const TSNode right = field(assignment, "right");
    const TSNode left = field(assignment, "left");
    return type(left) == "identifier" && type(right) == "list" && named_child_count(right) == 0
               ? left
               : TSNode{};
}

// The rewrites that work statement by statement; each returns its edits and the lines touched.
class Rewriter {
  public:
    explicit Rewriter(const SyntaxTree& tree)
        : tree_(tree), names_(tree, reserved, NameStyle::snake) {}

    void loop_to_comprehension(TSNode first, TSNode loop) {
        const TSNode list = empty_list_target(first);
        if (ts_node_is_null(list) || type(loop) != "for_statement" ||
            !ts_node_is_null(field(loop, "alternative")) ||
            type(ts_node_child(loop, 0)) == "async") {
            return;
        }
        TSNode statement = only_statement(field(loop, "body"));
        TSNode condition{};
        if (type(statement) == "if_statement" && ts_node_is_null(field(statement, "alternative"))) {
            condition = field(statement, "condition");
            statement = only_statement(field(statement, "consequence"));
        }
        const TSNode value = appended_value(tree_, statement, tree_.text(list));
        if (ts_node_is_null(value)) return;
        const TSNode target = field(loop, "left");
        const TSNode iterable = field(loop, "right");
        const std::set<std::string_view> list_name{tree_.text(list)};
        for (const TSNode part : {value, condition, target, iterable}) {
            if (!ts_node_is_null(part) &&
                (has_identifier(tree_, part, list_name) || has_node_of(part, {"yield", "await"})))
                return;
        }
        if (used_outside(tree_, enclosing_body(tree_, loop), target_names(tree_, target), 0,
                         end(loop)))
            return;
        std::string comprehension =
            fmt::format("{} = [{} for {} in {}", tree_.text(list), tree_.text(value),
                        tree_.text(target), tree_.text(iterable));
        if (!ts_node_is_null(condition))
            comprehension += fmt::format(" if {}", tree_.text(condition));
        add(first, end(loop), comprehension + "]");
    }

    void comprehension_to_loop(TSNode statement) {
        TSNode list{};
        TSNode comprehension{};
        const TSNode inner = named_child(statement, 0);
        if (type(statement) == "expression_statement" && type(inner) == "assignment" &&
            type(field(inner, "left")) == "identifier" && ts_node_is_null(field(inner, "type"))) {
            list = field(inner, "left");
            comprehension = field(inner, "right");
        } else if (type(statement) == "return_statement") {
            comprehension = inner;
        }
        if (type(comprehension) != "list_comprehension" || !starts_line(statement)) return;
        TSNode loop{};
        TSNode condition{};
        for (const TSNode clause : named_children(comprehension)) {
            if (type(clause) == "comment" ||
                (type(clause) == "for_in_clause" && !ts_node_is_null(loop)) ||
                (type(clause) == "if_clause" && !ts_node_is_null(condition)) ||
                type(ts_node_child(clause, 0)) == "async") {
                return;
            }
            if (type(clause) == "for_in_clause") loop = clause;
            if (type(clause) == "if_clause") condition = named_child(clause, 0);
        }
        const TSNode value = field(comprehension, "body");
        const TSNode target = field(loop, "left");
        if (ts_node_is_null(loop) || ts_node_is_null(value) ||
            has_node_of(comprehension, {"yield", "await"}))
            return;
        if (!ts_node_is_null(list) && has_identifier(tree_, comprehension, {tree_.text(list)}))
            return;
        if (used_outside(tree_, enclosing_body(tree_, statement), target_names(tree_, target),
                         start(comprehension), end(comprehension))) {
            return;
        }
        const std::string name =
            ts_node_is_null(list) ? names_.fresh("result") : std::string(tree_.text(list));
        const std::string indent = line_indent(statement);
        const std::string unit = indent.find('\t') != std::string::npos ? "\t" : "    ";
        std::string loop_text =
            fmt::format("{} = []\n{}for {} in {}:\n", name, indent, operand(tree_, target),
                        operand(tree_, field(loop, "right")));
        std::string body_indent = indent + unit;
        if (!ts_node_is_null(condition)) {
            loop_text += fmt::format("{}if {}:\n", body_indent, operand(tree_, condition));
            body_indent += unit;
        }
        loop_text += fmt::format("{}{}.append({})", body_indent, name, tree_.text(value));
        if (ts_node_is_null(list)) loop_text += fmt::format("\n{}return {}", indent, name);
        add(statement, end(statement), loop_text);
    }

    // `if c: return a` + `else: return b`, or + a `return b` right after the if.
    void if_else_return(TSNode statement, TSNode next) {
        if (type(statement) != "if_statement") return;
        const TSNode first = only_statement(field(statement, "consequence"));
        const TSNode alternative = field(statement, "alternative");
        TSNode second{};
        uint32_t to = end(statement);
        if (!ts_node_is_null(alternative)) {
            if (type(alternative) != "else_clause" || named_child_count(statement) != 3) return;
            second = only_statement(field(alternative, "body"));
        } else if (!ts_node_is_null(next)) {
            second = next;
            to = end(next);
        }
        const TSNode a = returned(first);
        const TSNode b = returned(second);
        if (ts_node_is_null(a) || ts_node_is_null(b)) return;
        add(statement, to,
            fmt::format("return {} if {} else {}", operand(tree_, a),
                        operand(tree_, field(statement, "condition")), operand(tree_, b)));
    }

    std::vector<Edit> take_edits() { return std::exchange(edits_, {}); }
    std::vector<int> take_lines() { return std::exchange(lines_, {}); }

  private:
    static TSNode returned(TSNode statement) {
        if (type(statement) != "return_statement" || named_child_count(statement) != 1) return {};
        return named_child(statement, 0);
    }

    bool starts_line(TSNode node) const {
        const std::string_view source = tree_.source();
        uint32_t at = start(node);
        while (at > 0 && (source[at - 1] == ' ' || source[at - 1] == '\t'))
            --at;
        return at == 0 || source[at - 1] == '\n';
    }

    std::string line_indent(TSNode node) const {
        const std::string_view source = tree_.source();
        const uint32_t from = start(node) - ts_node_start_point(node).column;
        return std::string(source.substr(from, start(node) - from));
    }

    void add(TSNode from, uint32_t to, std::string replacement) {
        edits_.push_back({start(from), to, std::move(replacement)});
        lines_.push_back(line(from));
    }

    const SyntaxTree& tree_;
    NameGenerator names_;
    std::vector<Edit> edits_;
    std::vector<int> lines_;
};

// Visits every statement list (module and blocks) with each statement and the one after it.
template <typename Visit> void for_each_statement(const SyntaxTree& tree, Visit&& visit) {
    walk(tree.root(), [&](TSNode node) {
        if (type(node) == "module" || type(node) == "block") {
            const std::vector<TSNode> statements = named_children(node);
            for (std::size_t i = 0; i < statements.size(); ++i) {
                visit(statements[i], i + 1 < statements.size() ? statements[i + 1] : TSNode{});
            }
        }
        return true;
    });
}

std::string describe_lines(std::string_view what, const std::vector<int>& lines) {
    return fmt::format("{} at line{} {}", what, lines.size() == 1 ? "" : "s",
                       fmt::join(lines, ", "));
}

std::optional<Refactoring> rename_locals(const SyntaxTree& tree) {
    const Scopes scopes = python::analyze_scopes(tree);
    std::set<std::string> keywords; // keyword-argument names anywhere: callers may use them
    walk(tree.root(), [&](TSNode node) {
        if (type(node) == "keyword_argument") keywords.emplace(tree.text(field(node, "name")));
        return true;
    });
    RenameRules rules{.reserved = &reserved, .style = NameStyle::snake};
    rules.keep = [&](const Scopes& all, std::size_t index, const std::string& local) {
        const Scope& scope = all.scopes[index];
        // A top-level function's or a method's parameters are its interface: a caller may
        // pass them by keyword, and the prompt names them.
        const bool interface =
            scope.kind == ScopeKind::function &&
            (scope.parent == -1 ||
             all.scopes[static_cast<std::size_t>(scope.parent)].kind == ScopeKind::class_body);
        const bool parameter = std::find(scope.parameters.begin(), scope.parameters.end(), local) !=
                               scope.parameters.end();
        return parameter && (interface || keywords.contains(local));
    };
    return syntax::rename_locals(tree, scopes, rules);
}

} // namespace

std::vector<Refactoring> refactorings(const SyntaxTree& tree) {
    // Names may be looked up by string: renaming is unsafe, and so is anything else here.
    if (has_identifier(tree, tree.root(), {"eval", "exec", "locals", "vars"})) return {};
    const std::string_view code = tree.source();
    std::vector<Refactoring> candidates;
    if (auto renaming = rename_locals(tree)) candidates.push_back(std::move(*renaming));
    Rewriter rewriter(tree);
    const auto rewrite = [&](std::string_view kind, std::string_view what, auto&& visit) {
        for_each_statement(tree, visit);
        std::vector<Edit> edits = rewriter.take_edits();
        if (edits.empty()) return;
        candidates.push_back({std::string(kind), apply_edits(code, std::move(edits)),
                              describe_lines(what, rewriter.take_lines())});
    };
    rewrite("loop_to_comprehension", "loop → list comprehension",
            [&](TSNode s, TSNode next) { rewriter.loop_to_comprehension(s, next); });
    rewrite("comprehension_to_loop", "list comprehension → loop",
            [&](TSNode s, TSNode) { rewriter.comprehension_to_loop(s); });
    rewrite("if_else_return_to_conditional", "if/else returns → conditional expression",
            [&](TSNode s, TSNode next) { rewriter.if_else_return(s, next); });
    return candidates;
}

} // namespace assay::syntax::python
