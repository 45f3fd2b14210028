// Python's test splitting (split_tests.hpp).
#include "syntax/split_tests.hpp"

#include "syntax/python/python.hpp"
#include "syntax/syntax_check.hpp"
#include "syntax/syntax_tree.hpp"

#include <algorithm>
#include <set>

namespace assay::syntax::python {
namespace {

bool is_check_definition(const SyntaxTree& tree, TSNode node) {
    return type(node) == "function_definition" && tree.text(field(node, "name")) == "check";
}

// Whether `statement` asserts: an assert, or a compound statement with an assert in it (one inside
// a nested function or class only defines code and does not count).
bool asserts(TSNode statement) {
    bool found = false;
    walk(statement, [&](TSNode node) {
        if (found) return false;
        if (type(node) == "assert_statement") found = true;
        return !found && !is_one_of(node, {"function_definition", "class_definition", "lambda"});
    });
    return found;
}

// A module-level `check(...)` call: the harness runs the cases itself.
bool calls_check(const SyntaxTree& tree, TSNode statement) {
    if (type(statement) != "expression_statement") return false;
    const TSNode call = named_child(statement, 0);
    return type(call) == "call" && tree.text(field(call, "function")) == "check";
}

// The module without its calls of check(), byte for byte otherwise.
std::string module_setup(const SyntaxTree& tree) {
    std::string setup;
    uint32_t copied = 0;
    for (const TSNode statement : named_children(tree.root())) {
        if (!calls_check(tree, statement)) continue;
        setup.append(tree.source().substr(copied, start(statement) - copied));
        copied = end(statement);
    }
    setup.append(tree.source().substr(copied));
    return setup;
}

std::string as_line(std::string text) {
    if (text.empty() || text.back() != '\n') text += '\n';
    return text;
}

// The names a statement could share state through: identifiers other than the functions it
// calls, attribute names and keyword-argument names (`data` and `s` in `assert f(data) == 1`,
// `assert s.pop() == 2`; not `f`).
std::set<std::string, std::less<>> state_names(const SyntaxTree& tree, TSNode statement) {
    std::set<std::string, std::less<>> out;
    walk(statement, [&](TSNode n) {
        if (type(n) != "identifier") return true;
        const TSNode parent = ts_node_parent(n);
        const bool called = type(parent) == "call" && ts_node_eq(field(parent, "function"), n);
        const bool attribute =
            type(parent) == "attribute" && ts_node_eq(field(parent, "attribute"), n);
        const bool keyword =
            type(parent) == "keyword_argument" && ts_node_eq(field(parent, "name"), n);
        if (!called && !attribute && !keyword) out.emplace(tree.text(n));
        return false;
    });
    return out;
}

// Builds cases from a body's statements: each statement that asserts is a case, whose code is
// the statements before it that do not assert, then itself. An earlier plain `assert` that
// shares state with the case (`assert f(data) == [1, 2, 3]` before `assert data == [3, 1, 2]`;
// `assert next(r) == 0` before `assert next(r) == 1`) is kept too, as `assert (…) or True`, so
// that what it did (a call that changes `data`, a generator that advances) happens as under
// plain python3 while only the case's own assertion decides the case.
class CaseBuilder {
  public:
    CaseBuilder(const SyntaxTree& tree, std::string prefix)
        : tree_(tree), prefix_(std::move(prefix)) {}

    void add(TSNode statement, std::string text, std::vector<TestCase>& cases) {
        if (!asserts(statement)) {
            earlier_.push_back({std::move(text), {}, false});
            return;
        }
        const auto shared = state_names(tree_, statement);
        std::string code;
        for (const Earlier& e : earlier_)
            if (!e.assertion ||
                std::any_of(e.names.begin(), e.names.end(),
                            [&](const std::string& n) { return shared.contains(n); }))
                code += e.text;
        cases.push_back({fmt::format("{}_{}", prefix_, cases.size()), code + text});
        if (type(statement) == "assert_statement") {
            const TSNode condition = named_child(statement, 0);
            // `or True`: evaluated (split by the judge like any assertion, so its expected
            // value stays out of the candidate's process), never failing.
            earlier_.push_back({"assert (" + std::string(tree_.text(condition)) + ") or True\n",
                                state_names(tree_, condition), true});
        }
    }

    [[nodiscard]] std::string plain_prefix() const {
        std::string code;
        for (const Earlier& e : earlier_)
            if (!e.assertion) code += e.text;
        return code;
    }

  private:
    struct Earlier {
        std::string text;
        std::set<std::string, std::less<>> names; // of an assertion: the state it touches
        bool assertion = false;
    };
    const SyntaxTree& tree_;
    std::string prefix_;
    std::vector<Earlier> earlier_;
};

// The tree of test code, or its first syntax error at "test:LINE:COLUMN".
Expected<SyntaxTree> parse_tests(std::string_view test_code) {
    SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(grammar_name, std::string(test_code)));
    if (!tree.has_error()) return tree;
    const auto error = ASSAY_TRY(check_syntax(grammar_name, test_code));
    return fail_at(fmt::format("test:{}:{}", error->line, error->column), "{}", error->message);
}

Expected<SplitTests> split_check(std::string_view test_code) {
    const SyntaxTree tree = ASSAY_TRY(parse_tests(test_code));
    TSNode check{};
    for (const TSNode statement : named_children(tree.root())) {
        const TSNode definition =
            type(statement) == "decorated_definition" ? field(statement, "definition") : statement;
        if (is_check_definition(tree, definition)) check = definition;
    }
    if (ts_node_is_null(check))
        return fail("the test code defines no module-level `def check(candidate)`");

    SplitTests split{module_setup(tree), {}};
    CaseBuilder builder(tree, "check");
    for (const TSNode statement : code_children(field(check, "body")))
        builder.add(statement, as_line(dedented_text(tree, statement)), split.cases);
    if (split.cases.empty()) split.cases.push_back({"check_0", builder.plain_prefix()});
    return split;
}

Expected<SplitTests> split_asserts(std::string_view test_code) {
    const SyntaxTree tree = ASSAY_TRY(parse_tests(test_code));
    SplitTests split;
    CaseBuilder builder(tree, "test");
    for (const TSNode statement : code_children(tree.root()))
        builder.add(statement, as_line(std::string(tree.text(statement))), split.cases);
    return split;
}

// The names `node` uses (identifiers other than attributes and keyword-argument names).
std::set<std::string, std::less<>> names_used(const SyntaxTree& tree, TSNode node) {
    std::set<std::string, std::less<>> out;
    walk(node, [&](TSNode n) {
        if (type(n) != "identifier") return true;
        const TSNode parent = ts_node_parent(n);
        const bool attribute =
            type(parent) == "attribute" && ts_node_eq(field(parent, "attribute"), n);
        const bool keyword =
            type(parent) == "keyword_argument" && ts_node_eq(field(parent, "name"), n);
        if (!attribute && !keyword) out.emplace(tree.text(n));
        return false;
    });
    return out;
}

// The names `node` binds: assignment and loop targets, names of definitions, walrus names and
// `with … as` aliases.
std::set<std::string, std::less<>> names_bound(const SyntaxTree& tree, TSNode node) {
    std::set<std::string, std::less<>> out;
    walk(node, [&](TSNode n) {
        TSNode target{};
        if (is_one_of(n, {"assignment", "augmented_assignment", "for_statement", "for_in_clause"}))
            target = field(n, "left");
        else if (is_one_of(n, {"function_definition", "class_definition", "named_expression"}))
            target = field(n, "name");
        else if (type(n) == "as_pattern")
            target = field(n, "alias");
        if (!ts_node_is_null(target)) out.merge(names_used(tree, target));
        return true;
    });
    return out;
}

bool uses_any(const std::set<std::string, std::less<>>& used,
              const std::set<std::string, std::less<>>& names) {
    return std::any_of(used.begin(), used.end(),
                       [&](const std::string& n) { return names.count(n) != 0; });
}

bool plain_node(const SyntaxTree& tree, TSNode node, std::set<std::string, std::less<>>& allowed) {
    const std::string_view kind = type(node);
    if (is_one_of(node, {"attribute", "import_statement", "import_from_statement", "lambda",
                         "list_comprehension", "set_comprehension", "dictionary_comprehension",
                         "generator_expression", "named_expression", "function_definition",
                         "class_definition", "decorated_definition", "global_statement",
                         "nonlocal_statement", "await", "yield", "future_import_statement",
                         "print_statement", "exec_statement"}))
        return false;
    if (kind == "identifier") {
        const std::string_view text = tree.text(node);
        return !text.starts_with("_") && allowed.count(text) != 0;
    }
    if (kind == "keyword_argument") {
        const TSNode value = field(node, "value");
        return ts_node_is_null(value) || plain_node(tree, value, allowed);
    }
    for (const TSNode child : named_children(node))
        if (!plain_node(tree, child, allowed)) return false;
    return true;
}

bool plain_test(std::string_view test_case, std::string_view name) {
    const auto tree = SyntaxTree::parse(grammar_name, std::string(test_case));
    if (!tree || tree->has_error()) return false;
    std::set<std::string, std::less<>> allowed{std::string(name),
                                               "candidate",
                                               "abs",
                                               "all",
                                               "any",
                                               "bool",
                                               "dict",
                                               "divmod",
                                               "enumerate",
                                               "float",
                                               "frozenset",
                                               "int",
                                               "isinstance",
                                               "len",
                                               "list",
                                               "max",
                                               "min",
                                               "range",
                                               "reversed",
                                               "round",
                                               "set",
                                               "sorted",
                                               "str",
                                               "sum",
                                               "tuple",
                                               "zip",
                                               "bytes",
                                               "complex",
                                               "chr",
                                               "ord"};
    for (const TSNode statement : code_children(tree->root())) {
        if (type(statement) == "assert_statement") {
            if (!plain_node(*tree, statement, allowed)) return false;
            continue;
        }
        if (type(statement) != "expression_statement") return false;
        const TSNode assignment = named_child(statement, 0);
        if (type(assignment) != "assignment" || named_child_count(statement) != 1) return false;
        const TSNode left = field(assignment, "left");
        const TSNode right = field(assignment, "right");
        if (ts_node_is_null(right) || !plain_node(*tree, right, allowed)) return false;
        std::vector<TSNode> targets{left};
        if (is_one_of(left, {"pattern_list", "tuple_pattern"})) targets = named_children(left);
        for (const TSNode target : targets) {
            if (type(target) != "identifier" || tree->text(target).starts_with("_")) return false;
            allowed.insert(std::string(tree->text(target)));
        }
    }
    return true;
}

bool depends_on(std::string_view test_case, std::string_view name) {
    const auto tree = SyntaxTree::parse(grammar_name, std::string(test_case));
    if (!tree || tree->has_error()) return false;
    const std::vector<TSNode> statements = code_children(tree->root());
    if (statements.empty()) return false;
    std::set<std::string, std::less<>> depending{std::string(name)};
    for (std::size_t i = 0; i + 1 < statements.size(); ++i)
        if (uses_any(names_used(*tree, statements[i]), depending))
            depending.merge(names_bound(*tree, statements[i]));
    return uses_any(names_used(*tree, statements.back()), depending);
}

} // namespace

const TestSplitter test_splitter{split_check, split_asserts, depends_on, plain_test};

} // namespace assay::syntax::python
