// C++'s refactorings (refactor.hpp): the rewrites, before the generic checks.
#include "syntax/conditional_returns.hpp"
#include "syntax/cpp/cpp.hpp"
#include "syntax/edit.hpp"
#include "syntax/refactor.hpp"
#include "syntax/rename.hpp"
#include "syntax/scopes.hpp"

#include <algorithm>
#include <set>

namespace assay::syntax::cpp {
namespace {

// Keywords, alternative tokens, and the names a new local must not take: `std`, `main`, and the
// macros of the C and C++ headers (a local named `assert` or `EOF` would be rewritten by them).
const std::set<std::string_view> reserved{"alignas",
                                          "alignof",
                                          "and",
                                          "and_eq",
                                          "asm",
                                          "auto",
                                          "bitand",
                                          "bitor",
                                          "bool",
                                          "break",
                                          "case",
                                          "catch",
                                          "char",
                                          "char8_t",
                                          "char16_t",
                                          "char32_t",
                                          "class",
                                          "compl",
                                          "concept",
                                          "const",
                                          "consteval",
                                          "constexpr",
                                          "constinit",
                                          "const_cast",
                                          "continue",
                                          "co_await",
                                          "co_return",
                                          "co_yield",
                                          "decltype",
                                          "default",
                                          "delete",
                                          "do",
                                          "double",
                                          "dynamic_cast",
                                          "else",
                                          "enum",
                                          "explicit",
                                          "export",
                                          "extern",
                                          "false",
                                          "float",
                                          "for",
                                          "friend",
                                          "goto",
                                          "if",
                                          "inline",
                                          "int",
                                          "long",
                                          "mutable",
                                          "namespace",
                                          "new",
                                          "noexcept",
                                          "not",
                                          "not_eq",
                                          "nullptr",
                                          "operator",
                                          "or",
                                          "or_eq",
                                          "private",
                                          "protected",
                                          "public",
                                          "register",
                                          "reinterpret_cast",
                                          "requires",
                                          "return",
                                          "short",
                                          "signed",
                                          "sizeof",
                                          "static",
                                          "static_assert",
                                          "static_cast",
                                          "struct",
                                          "switch",
                                          "template",
                                          "this",
                                          "thread_local",
                                          "throw",
                                          "true",
                                          "try",
                                          "typedef",
                                          "typeid",
                                          "typename",
                                          "union",
                                          "unsigned",
                                          "using",
                                          "virtual",
                                          "void",
                                          "volatile",
                                          "wchar_t",
                                          "while",
                                          "xor",
                                          "xor_eq",
                                          "final",
                                          "override",
                                          "import",
                                          "module",
                                          "std",
                                          "main",
                                          "assert",
                                          "NULL",
                                          "EOF",
                                          "errno",
                                          "stdin",
                                          "stdout",
                                          "stderr",
                                          "offsetof",
                                          "INT_MAX",
                                          "INT_MIN",
                                          "LLONG_MAX",
                                          "LLONG_MIN",
                                          "UINT_MAX",
                                          "LONG_MAX",
                                          "LONG_MIN",
                                          "RAND_MAX",
                                          "CHAR_BIT",
                                          "SIZE_MAX",
                                          "M_PI",
                                          "M_E",
                                          "EXIT_SUCCESS",
                                          "EXIT_FAILURE",
                                          "major",
                                          "minor",
                                          "makedev",
                                          "linux",
                                          "unix",
                                          "i386",
                                          "BUFSIZ",
                                          "FILENAME_MAX",
                                          "L_tmpnam",
                                          "TMP_MAX",
                                          "SEEK_SET",
                                          "SEEK_CUR",
                                          "SEEK_END",
                                          "HUGE_VAL",
                                          "INFINITY",
                                          "NAN",
                                          "isnan",
                                          "isinf",
                                          "signbit",
                                          "fpclassify",
                                          "isfinite",
                                          "isnormal",
                                          "setjmp",
                                          "va_start",
                                          "va_end",
                                          "va_arg",
                                          "va_copy",
                                          "CLOCKS_PER_SEC",
                                          "MB_CUR_MAX"};

bool atom(TSNode node) {
    return is_one_of(node, {"identifier", "number_literal", "string_literal", "char_literal",
                            "raw_string_literal", "concatenated_string", "true", "false", "nullptr",
                            "null", "this", "parenthesized_expression", "call_expression",
                            "field_expression", "subscript_expression", "qualified_identifier"});
}

// `if (c)`: c; nothing for `if constexpr`, `if (init; c)` or `if (T x = e)`.
TSNode tested(TSNode if_statement) {
    for (const TSNode child : children(if_statement))
        if (type(child) == "constexpr") return {};
    const TSNode clause = field(if_statement, "condition");
    const TSNode value = field(clause, "value");
    if (type(clause) != "condition_clause" || !ts_node_is_null(field(clause, "initializer")) ||
        type(value) == "declaration")
        return {};
    return value;
}

// `?:` needs one type for both operands: a braced list has none, two lambdas have two, a comma
// expression would need parentheses the branches did not have.
bool refused_operand(TSNode node) {
    return is_one_of(node, {"initializer_list", "lambda_expression", "comma_expression"});
}

// Two returns of a deduced return type must deduce the same type, where one conditional's type
// was common to both operands: refused in lambdas and in functions declared `auto`.
bool refused_split(TSNode statement) {
    const TSNode function = ancestor(statement, {"function_definition", "lambda_expression"});
    if (type(function) != "function_definition") return true;
    const TSNode result = field(function, "type");
    return type(result) == "placeholder_type_specifier" || type(result) == "auto" ||
           type(result) == "decltype";
}

const BraceSyntax syntax{.block = "compound_statement",
                         .conditional = "conditional_expression",
                         .tested = tested,
                         .atom = atom,
                         .refused_operand = refused_operand,
                         .refused_split = refused_split};

std::optional<Refactoring> rename(const SyntaxTree& tree, const Scopes& scopes) {
    // A name also spelled as a type where the parser took `T v(n);` for a function declaration:
    // which occurrence is which is unclear, so such names stay.
    std::set<std::string, std::less<>> types;
    walk(tree.root(), [&](TSNode node) {
        if (type(node) == "type_identifier") types.emplace(tree.text(node));
        return true;
    });
    RenameRules rules{.reserved = &reserved, .style = NameStyle::snake};
    // Function parameters are the interface (the prompt names them); a lambda's are not.
    rules.keep = [&](const Scopes& all, std::size_t index, const std::string& name) {
        const Scope& scope = all.scopes[index];
        const bool parameter = std::find(scope.parameters.begin(), scope.parameters.end(), name) !=
                               scope.parameters.end();
        return (parameter && scope.kind == ScopeKind::function) || types.contains(name);
    };
    return syntax::rename_locals(tree, scopes, rules);
}

// The single statement a loop body is (braced or not), or a null node.
TSNode only_statement(TSNode body) {
    if (type(body) == "compound_statement")
        return named_child_count(body) == 1 ? named_child(body, 0) : TSNode{};
    return body;
}

bool mentions(const SyntaxTree& tree, TSNode root, std::string_view name) {
    if (ts_node_is_null(root)) return false;
    bool found = false;
    walk(root, [&](TSNode node) {
        if (type(node) == "identifier" && tree.text(node) == name) found = true;
        return !found;
    });
    return found;
}

// The rewrites of range-for loops into <algorithm>/<numeric> calls.
//
// `for (const auto& x : v) out.push_back(e);` → `std::transform(std::begin(v), std::end(v),
// std::back_inserter(out), [&](const auto& x) { return e; });`. The same: std::begin/std::end
// are what the range-for calls on an lvalue `v` (a container or an array); transform visits the
// elements in order, evaluates e once for each (the lambda's parameter is declared as the loop
// variable was, so the element converts alike) and push_backs it right away through the back
// inserter; [&] lets e see every local by reference, as the body did. Refused: a loop variable
// that is a non-const reference or structured binding (transform's operation may not modify the
// element; C++17 lambdas cannot capture structured bindings, so no function that has one), a
// braced argument (a lambda cannot return one), `out` or `v` not plain names, `out` in e or as
// `v`, anything but a single push_back.
//
// `T s = init; for (auto x : v) s += x;` (x by value or any reference, declared `auto`) →
// `T s = std::accumulate(std::begin(v), std::end(v), static_cast<T>(init));`, for T an arithmetic
// type other than bool and char: accumulate folds `acc = std::move(acc) + x` in order with acc of
// type T, which is what `s += x` does for arithmetic operands; a loop variable declared with a
// type would convert each element first, so it is refused, as is any other body.
class Loops {
  public:
    Loops(const SyntaxTree& tree, const Scopes& scopes)
        : tree_(tree), scopes_(scopes), names_(tree, reserved, NameStyle::snake),
          structured_(has_node_of(tree.root(), {"structured_binding_declarator"})) {}

    void visit(TSNode statement, TSNode next) {
        if (type(statement) == "for_range_loop") transform(statement);
        if (type(statement) == "for_statement") index_loop(statement);
        if (type(next) == "for_range_loop") accumulate(statement, next);
    }

    std::optional<Refactoring> result() {
        if (edits_.empty()) return std::nullopt;
        for (const std::string_view header : headers_) {
            if (tree_.source().find(fmt::format("<{}>", header)) == std::string_view::npos)
                edits_.push_back({0, 0, fmt::format("#include <{}>\n", header)});
        }
        return Refactoring{"loop_to_algorithm", apply_edits(tree_.source(), std::move(edits_)),
                           describe_lines("range-for → std algorithm", lines_)};
    }

  private:
    // The loop's `( … :` part up to the declarator: `const auto& x`.
    std::string_view loop_variable(TSNode loop) const {
        const TSNode open = ts_node_child(loop, 1);
        const TSNode declarator = field(loop, "declarator");
        return tree_.source().substr(end(open), end(declarator) - end(open));
    }

    bool const_qualified(TSNode loop) const {
        const std::vector<TSNode> parts = named_children(loop);
        return std::any_of(parts.begin(), parts.end(), [&](TSNode child) {
            return type(child) == "type_qualifier" && tree_.text(child) == "const";
        });
    }

    void transform(TSNode loop) {
        const TSNode declarator = field(loop, "declarator");
        const TSNode range = field(loop, "right");
        const TSNode call = named_child(only_statement(field(loop, "body")), 0);
        const TSNode function = field(call, "function");
        const TSNode arguments = field(call, "arguments");
        const TSNode value = named_child(arguments, 0);
        const TSNode out = field(function, "argument");
        if (structured_ || type(range) != "identifier" ||
            !ts_node_is_null(field(loop, "initializer")) ||
            type(only_statement(field(loop, "body"))) != "expression_statement" ||
            type(call) != "call_expression" || type(function) != "field_expression" ||
            tree_.text(field(function, "operator")) != "." ||
            tree_.text(field(function, "field")) != "push_back" || type(out) != "identifier" ||
            named_child_count(arguments) != 1 || type(value) == "initializer_list" ||
            tree_.text(out) == tree_.text(range) || mentions(tree_, value, tree_.text(out)) ||
            has_node_of(loop, {"comment"}))
            return;
        if (type(declarator) != "identifier" &&
            !(type(declarator) == "reference_declarator" && const_qualified(loop)))
            return;
        edits_.push_back(
            {start(loop), end(loop),
             fmt::format("std::transform(std::begin({0}), std::end({0}), std::back_inserter({1}), "
                         "[&]({2}) {{ return {3}; }});",
                         tree_.text(range), tree_.text(out), loop_variable(loop),
                         tree_.text(value))});
        lines_.push_back(line(loop));
        headers_.insert("algorithm");
        headers_.insert("iterator");
    }

    void accumulate(TSNode first, TSNode loop) {
        const TSNode declarator = named_child(first, 1);
        const TSNode kind = field(first, "type");
        const TSNode sum = field(declarator, "declarator");
        const TSNode init = field(declarator, "value");
        const TSNode range = field(loop, "right");
        const TSNode variable = field(loop, "declarator");
        const TSNode update = named_child(only_statement(field(loop, "body")), 0);
        if (type(first) != "declaration" || named_child_count(first) != 2 ||
            !is_one_of(kind, {"primitive_type", "sized_type_specifier"}) ||
            is_one_of_text(tree_.text(kind), {"bool", "char", "void"}) ||
            type(declarator) != "init_declarator" || type(sum) != "identifier" ||
            ts_node_is_null(init) || type(init) == "initializer_list" ||
            type(init) == "argument_list" ||
            type(field(loop, "type")) != "placeholder_type_specifier" ||
            type(range) != "identifier" || !ts_node_is_null(field(loop, "initializer")) ||
            type(only_statement(field(loop, "body"))) != "expression_statement" ||
            type(update) != "assignment_expression" ||
            tree_.text(field(update, "operator")) != "+=" ||
            tree_.text(field(update, "left")) != tree_.text(sum) ||
            type(field(update, "right")) != "identifier" ||
            tree_.text(field(update, "right")) != tree_.text(loop_name(variable)) ||
            tree_.text(range) == tree_.text(sum) || has_node_of(loop, {"comment"}))
            return;
        edits_.push_back({start(declarator), end(loop),
                          fmt::format("{} = std::accumulate(std::begin({}), std::end({}), "
                                      "static_cast<{}>({}));",
                                      tree_.text(sum), tree_.text(range), tree_.text(range),
                                      tree_.text(kind), tree_.text(init))});
        lines_.push_back(line(first));
        headers_.insert("numeric");
        headers_.insert("iterator");
    }

    // `for (int i = 0; i < v.size(); i++) out.push_back(e);` → std::transform over v, and
    // `… if (c) out.push_back(v[i]);` → std::copy_if, where v is a std::vector (not of bool) or
    // std::string declared in the function (a parameter or local, not a pointer) and out a local
    // one (not a reference: it cannot be v): then v[i] for i from 0 up to v.size() is each element
    // in order, as v.begin()…v.end() gives it, and `auto&& x` binds that very element. Only
    // when i occurs in e and c just as `v[i]`, v only there (e and c do not name v to resize it),
    // out not at all, and e and c assign, increment and define nothing (transform's operation
    // may not modify an element). A conditional push of anything but v[i] is refused (no
    // transform_if).
    void index_loop(TSNode loop) {
        const TSNode start_at = field(loop, "initializer");
        const TSNode declarator = named_child(start_at, 1);
        const TSNode index = field(declarator, "declarator");
        const TSNode condition = field(loop, "condition");
        const TSNode size = field(field(condition, "right"), "function");
        const TSNode update = field(loop, "update");
        const TSNode range = field(size, "argument");
        if (type(start_at) != "declaration" || named_child_count(start_at) != 2 ||
            type(declarator) != "init_declarator" || type(index) != "identifier" ||
            tree_.text(field(declarator, "value")) != "0" ||
            type(condition) != "binary_expression" ||
            tree_.text(field(condition, "operator")) != "<" ||
            tree_.text(field(condition, "left")) != tree_.text(index) ||
            named_child_count(field(field(condition, "right"), "arguments")) != 0 ||
            type(size) != "field_expression" || tree_.text(field(size, "operator")) != "." ||
            tree_.text(field(size, "field")) != "size" || type(range) != "identifier" ||
            type(update) != "update_expression" || tree_.text(field(update, "operator")) != "++" ||
            tree_.text(field(update, "argument")) != tree_.text(index) ||
            has_node_of(loop, {"comment"}))
            return;
        TSNode body = only_statement(field(loop, "body"));
        TSNode test{};
        if (type(body) == "if_statement" && ts_node_is_null(field(body, "alternative"))) {
            test = tested(body);
            if (ts_node_is_null(test)) return;
            body = only_statement(field(body, "consequence"));
        }
        const TSNode call = named_child(body, 0);
        const TSNode function = field(call, "function");
        const TSNode arguments = field(call, "arguments");
        const TSNode value = named_child(arguments, 0);
        const TSNode out = field(function, "argument");
        if (type(body) != "expression_statement" || type(call) != "call_expression" ||
            type(function) != "field_expression" ||
            tree_.text(field(function, "operator")) != "." ||
            tree_.text(field(function, "field")) != "push_back" || type(out) != "identifier" ||
            named_child_count(arguments) != 1 || type(value) == "initializer_list" ||
            !sequence(range, false) || !sequence(out, true))
            return;
        const std::string_view v = tree_.text(range);
        const std::string_view i = tree_.text(index);
        const bool copy = !ts_node_is_null(test);
        if (copy && !element_of(value, v, i)) return;
        for (const TSNode part : {value, test}) {
            if (mentions(tree_, part, tree_.text(out)) ||
                has_node_of(part, {"assignment_expression", "update_expression",
                                   "lambda_expression", "declaration"}) ||
                !only_as_element(part, v, i))
                return;
        }
        const std::string x = names_.fresh("x");
        const std::string result =
            copy ? with_element(test, v, i, x) : with_element(value, v, i, x);
        edits_.push_back(
            {start(loop), end(loop),
             fmt::format("std::{0}({1}.begin(), {1}.end(), std::back_inserter({2}), "
                         "[&](auto&& {3}) {{ return {4}; }});",
                         copy ? "copy_if" : "transform", v, tree_.text(out), x, result)});
        lines_.push_back(line(loop));
        headers_.insert("algorithm");
        headers_.insert("iterator");
    }

    // `v[i]`?
    bool element_of(TSNode node, std::string_view v, std::string_view i) const {
        const TSNode indices = field(node, "indices");
        return type(node) == "subscript_expression" && tree_.text(field(node, "argument")) == v &&
               named_child_count(indices) == 1 && type(named_child(indices, 0)) == "identifier" &&
               tree_.text(named_child(indices, 0)) == i;
    }

    // Whether every identifier v or i under `root` is part of a `v[i]`.
    bool only_as_element(TSNode root, std::string_view v, std::string_view i) const {
        if (ts_node_is_null(root)) return true;
        bool alone = false;
        walk(root, [&](TSNode node) {
            if (element_of(node, v, i)) return false;
            if (type(node) == "identifier" && (tree_.text(node) == v || tree_.text(node) == i))
                alone = true;
            return !alone;
        });
        return !alone;
    }

    // The text of `root` with each `v[i]` spelled `x`.
    std::string with_element(TSNode root, std::string_view v, std::string_view i,
                             const std::string& x) const {
        std::vector<Edit> edits;
        walk(root, [&](TSNode node) {
            if (!element_of(node, v, i)) return true;
            edits.push_back({start(node) - start(root), end(node) - start(root), x});
            return false;
        });
        return apply_edits(tree_.text(root), std::move(edits));
    }

    // Whether `name` (a use) is a std::vector (not of bool) or std::string variable declared once
    // in its function, by value or (unless `owned`) by reference.
    bool sequence(TSNode name, bool owned) const {
        const auto use =
            std::find_if(scopes_.uses.begin(), scopes_.uses.end(),
                         [&](const NameUse& u) { return start(u.node) == start(name); });
        if (use == scopes_.uses.end() || use->resolves_to < 0) return false;
        TSNode binding{};
        for (const NameUse& other : scopes_.uses) {
            if (!other.binding || other.resolves_to != use->resolves_to ||
                tree_.text(other.node) != tree_.text(name))
                continue;
            if (!ts_node_is_null(binding)) return false; // declared twice: which one is unclear
            binding = other.node;
        }
        TSNode declaration = ts_node_parent(binding);
        if (!owned && type(declaration) == "reference_declarator")
            declaration = ts_node_parent(declaration);
        if (type(declaration) == "init_declarator") declaration = ts_node_parent(declaration);
        if (!is_one_of(declaration, {"declaration", "parameter_declaration"}) ||
            (owned && type(declaration) != "declaration"))
            return false;
        std::string spelled;
        for (const char c : tree_.text(field(declaration, "type")))
            if (c != ' ') spelled += c;
        if (spelled.starts_with("std::")) spelled.erase(0, 5);
        return spelled == "string" ||
               (spelled.starts_with("vector<") && !spelled.starts_with("vector<bool>"));
    }

    static bool is_one_of_text(std::string_view text,
                               std::initializer_list<std::string_view> names) {
        return std::find(names.begin(), names.end(), text) != names.end();
    }

    // `x`, `&x`, `&&x` → x.
    static TSNode loop_name(TSNode declarator) {
        while (type(declarator) == "reference_declarator")
            declarator = named_child(declarator, named_child_count(declarator) - 1);
        return type(declarator) == "identifier" ? declarator : TSNode{};
    }

    const SyntaxTree& tree_;
    const Scopes& scopes_;
    NameGenerator names_;
    bool structured_;
    std::vector<Edit> edits_;
    std::vector<int> lines_;
    std::set<std::string_view> headers_;
};

std::optional<Refactoring> loop_to_algorithm(const SyntaxTree& tree, const Scopes& scopes) {
    Loops loops(tree, scopes);
    walk(tree.root(), [&](TSNode node) {
        if (type(node) == "compound_statement") {
            const std::vector<TSNode> statements = named_children(node);
            for (std::size_t i = 0; i < statements.size(); ++i)
                loops.visit(statements[i],
                            i + 1 < statements.size() ? statements[i + 1] : TSNode{});
        }
        return true;
    });
    return loops.result();
}

} // namespace

std::vector<Refactoring> refactorings(const SyntaxTree& tree) {
    // A macro may name any variable (and rewrite any statement).
    if (has_node_of(tree.root(), {"preproc_def", "preproc_function_def"})) return {};
    const Scopes scopes = cpp::analyze_scopes(tree);
    std::vector<Refactoring> candidates;
    for (auto candidate : {rename(tree, scopes), if_else_return_to_conditional(tree, syntax),
                           conditional_to_if_else(tree, syntax), loop_to_algorithm(tree, scopes)}) {
        if (candidate) candidates.push_back(std::move(*candidate));
    }
    return candidates;
}

} // namespace assay::syntax::cpp
