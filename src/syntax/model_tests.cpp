#include "syntax/model_tests.hpp"

#include "syntax/body_cases.hpp"
#include "syntax/syntax_check.hpp"

#include <algorithm>
#include <optional>

namespace assay::syntax {

namespace {

// A block of test code parsed as the rules say, and the node whose children are its statements.
struct Block {
    SyntaxTree tree;
    TSNode body{};
};

TSNode first_body(TSNode root) {
    TSNode body{};
    walk(root, [&](TSNode n) {
        if (!ts_node_is_null(body)) return false;
        if (type(n) == "function_definition" || type(n) == "function_declaration") {
            body = field(n, "body");
            return false;
        }
        return true;
    });
    return body;
}

// A function called `main` at the top of `tree` (a model that wrote a whole test program).
TSNode main_body(const SyntaxTree& tree) {
    for (const TSNode node : named_children(tree.root())) {
        if (type(node) != "function_definition") continue;
        const TSNode declarator = field(node, "declarator");
        if (tree.text(field(declarator, "declarator")) == "main") return field(node, "body");
    }
    return {};
}

Expected<Block> parse_block(const ModelTestRules& rules, std::string_view code) {
    if (!rules.wrap_open.empty()) {
        // A whole test program (`int main() { … }`) is read as it is.
        if (auto whole = SyntaxTree::parse(rules.grammar, std::string(code));
            whole && !whole->has_error()) {
            const TSNode body = main_body(*whole);
            if (!ts_node_is_null(body)) return Block{std::move(*whole), body};
        }
    }
    std::string text;
    text.reserve(rules.wrap_open.size() + code.size() + rules.wrap_close.size());
    text.append(rules.wrap_open).append(code).append(rules.wrap_close);
    SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(rules.grammar, text));
    if (tree.has_error()) {
        const auto error = ASSAY_TRY(check_syntax(rules.grammar, text));
        const int shift =
            static_cast<int>(std::count(rules.wrap_open.begin(), rules.wrap_open.end(), '\n'));
        if (error)
            return fail_at(
                fmt::format("test:{}:{}", std::max(1, error->line - shift), error->column), "{}",
                error->message);
        return fail("the test does not parse");
    }
    TSNode body = rules.wrap_open.empty() ? tree.root() : first_body(tree.root());
    if (ts_node_is_null(body)) return fail("the test does not parse");
    return Block{std::move(tree), body};
}

std::string squeezed(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
    return out;
}

// `std::vector<int>` → `std::vector`: a name without its template arguments.
std::string base_name(std::string_view text) {
    std::string out;
    int depth = 0;
    for (const char c : squeezed(text)) {
        if (c == '<') ++depth;
        if (depth == 0) out += c;
        if (c == '>' && depth > 0) --depth;
    }
    return out;
}

bool asserts(const ModelTestRules& rules, const SyntaxTree& tree, TSNode statement) {
    return calls_any(tree, statement, rules.asserts, rules.opaque);
}

bool is_type(TSNode node, const std::vector<std::string_view>& types) {
    return std::find(types.begin(), types.end(), type(node)) != types.end();
}

// The names `node` uses: its identifiers (not member names, which have types of their own).
std::set<std::string, std::less<>> names_used(const SyntaxTree& tree, TSNode node) {
    std::set<std::string, std::less<>> out;
    walk(node, [&](TSNode n) {
        if (type(n) == "identifier" || type(n) == "shorthand_property_identifier") {
            out.emplace(tree.text(n));
            return false;
        }
        return true;
    });
    return out;
}

// The name a declarator declares: its `declarator` (C++) or `name` (JavaScript) field when
// that is a plain identifier.
TSNode declared_name(TSNode declarator) {
    for (const std::string_view f : {"declarator", "name"}) {
        const TSNode n = field(declarator, f);
        if (type(n) == "identifier") return n;
    }
    return {};
}

std::set<std::string, std::less<>> names_bound(const ModelTestRules& rules, const SyntaxTree& tree,
                                               TSNode statement) {
    std::set<std::string, std::less<>> out;
    walk(statement, [&](TSNode n) {
        if (is_type(n, rules.declarators)) {
            walk(field(n, ts_node_is_null(field(n, "declarator")) ? "name" : "declarator"),
                 [&](TSNode m) {
                     if (type(m) == "identifier") out.emplace(tree.text(m));
                     return true;
                 });
        }
        return true;
    });
    return out;
}

bool uses_any(const std::set<std::string, std::less<>>& used,
              const std::set<std::string, std::less<>>& names) {
    return std::any_of(used.begin(), used.end(),
                       [&](const std::string& n) { return names.contains(n); });
}

// ---- Plain tests.

// The node kinds of names, qualified or not (C++'s `std::abs`, `vector<int>`).
bool name_like(TSNode node) {
    return is_one_of(node, {"identifier", "qualified_identifier", "template_function",
                            "template_type", "type_identifier", "namespace_identifier"});
}

// A member access: JavaScript's `a.b`, C++'s `a.b`.
bool member_like(TSNode node) {
    return is_one_of(node, {"member_expression", "field_expression"});
}

TSNode member_name(TSNode node) {
    const TSNode property = field(node, "property");
    return ts_node_is_null(property) ? field(node, "field") : property;
}

bool is_field(TSNode parent, TSNode node, std::string_view name) {
    return ts_node_eq(field(parent, name), node);
}

// Whether every node of an expression (or a type) is plain; `locals` are the names the test
// declared before it.
class PlainWalker {
  public:
    PlainWalker(const ModelTestRules& rules, const SyntaxTree& tree,
                const std::set<std::string, std::less<>>& locals)
        : rules_(rules), tree_(tree), locals_(locals) {}

    bool check(TSNode root) {
        ok_ = true;
        walk(root, [&](TSNode n) { return ok_ && enter(n); });
        return ok_;
    }

  private:
    bool fail() {
        ok_ = false;
        return false;
    }

    bool value_name(std::string_view name) const {
        return !name.starts_with("_") && (locals_.contains(name) || rules_.values.contains(name));
    }

    bool type_name(const std::string& base) const {
        std::string_view last = base;
        if (const auto at = last.rfind("::"); at != std::string_view::npos) {
            if (!last.starts_with("std::")) return false;
            last = last.substr(at + 2);
        }
        return rules_.types.contains(last);
    }

    // A name at the top of a name-like subtree: checked by its position.
    bool name(TSNode node, TSNode parent) {
        const std::string base = base_name(tree_.text(node));
        const bool callee = type(parent) == "call_expression" && is_field(parent, node, "function");
        const bool constructed =
            type(parent) == "new_expression" && is_field(parent, node, "constructor");
        const bool as_type = is_one_of(node, {"type_identifier", "template_type"}) ||
                             is_one_of(parent, {"type_descriptor", "compound_literal_expression"});
        bool allowed = false;
        if (callee || constructed)
            allowed = rules_.callables.contains(base) || locals_.contains(base) ||
                      (callee && type_name(base));
        else if (as_type)
            allowed = type_name(base);
        else
            allowed = value_name(base) ||
                      (type(node) == "qualified_identifier" && type_name(base)) ||
                      rules_.values.contains(base);
        if (!allowed) return fail();
        // Only the template arguments inside are looked at (as types).
        return true;
    }

    bool member(TSNode node, TSNode parent) {
        const std::string text = squeezed(tree_.text(node));
        const std::string member = std::string(tree_.text(member_name(node)));
        const bool callee = type(parent) == "call_expression" && is_field(parent, node, "function");
        if (callee) {
            if (rules_.callables.contains(text)) return false;
            return rules_.methods.contains(member) ? true : fail();
        }
        if (rules_.values.contains(text)) return false;
        return rules_.members.contains(member) ? true : fail();
    }

    bool enter(TSNode node) {
        const TSNode parent = ts_node_parent(node);
        if (!ts_node_is_named(node))
            return is_one_of(node, {"delete", "=", "++", "--"}) ? fail() : true;
        if (member_like(parent) && ts_node_eq(member_name(parent), node)) return false;
        if (type(node) == "property_identifier" && type(parent) == "pair" &&
            is_field(parent, node, "key"))
            return false;
        if (name_like(node) && !name_like(parent)) return name(node, parent);
        if (name_like(node)) return true; // inside a checked name
        if (member_like(node)) return member(node, parent);
        if (type(node) == "shorthand_property_identifier")
            return value_name(tree_.text(node)) ? false : fail();
        if (type(node) == "template_string") {
            for (const TSNode child : named_children(node))
                if (type(child) == "template_substitution") return fail();
            return false;
        }
        if (rules_.leaves.contains(type(node))) return false;
        if (!rules_.structure.contains(type(node))) return fail();
        // What is called is a name or a member the lists allow, never a computed value.
        if (type(node) == "call_expression") {
            const TSNode callee = field(node, "function");
            if (!name_like(callee) && !member_like(callee)) return fail();
        }
        if (type(node) == "subscript_expression" && !rules_.subscript_indexes.empty()) {
            const TSNode index = field(node, "index");
            if (ts_node_is_null(index) || !rules_.subscript_indexes.contains(type(index)))
                return fail();
        }
        return true;
    }

    const ModelTestRules& rules_;
    const SyntaxTree& tree_;
    const std::set<std::string, std::less<>>& locals_;
    bool ok_ = true;
};

// A declaration of plain names with plain values; adds the names to `locals`.
bool plain_declaration(const ModelTestRules& rules, const SyntaxTree& tree, TSNode statement,
                       std::set<std::string, std::less<>>& locals) {
    std::vector<TSNode> names;
    for (const TSNode child : named_children(statement)) {
        if (is_type(child, rules.declarators)) {
            const TSNode declared = declared_name(child);
            const TSNode value = field(child, "value");
            if (ts_node_is_null(declared) || ts_node_is_null(value) ||
                tree.text(declared).starts_with("_"))
                return false;
            if (!PlainWalker(rules, tree, locals).check(value)) return false;
            names.push_back(declared);
        } else if (ts_node_eq(child, field(statement, "type"))) {
            if (!PlainWalker(rules, tree, locals).check(child)) return false;
        } else if (!is_one_of(child, {"type_qualifier"})) {
            return false;
        }
    }
    if (names.empty()) return false;
    for (const TSNode n : names)
        locals.emplace(tree.text(n));
    return true;
}

bool plain_assertion(const ModelTestRules& rules, const SyntaxTree& tree, TSNode statement,
                     const std::set<std::string, std::less<>>& locals) {
    if (named_child_count(statement) != 1) return false;
    const TSNode call = named_child(statement, 0);
    if (type(call) != "call_expression") return false;
    const std::string callee = squeezed(tree.text(field(call, "function")));
    if (std::find(rules.asserts.begin(), rules.asserts.end(), callee) == rules.asserts.end())
        return false;
    return PlainWalker(rules, tree, locals).check(field(call, "arguments"));
}

} // namespace

Expected<SplitTests> split_model_asserts(const ModelTestRules& rules, std::string_view test_code) {
    const Block block = ASSAY_TRY(parse_block(rules, test_code));
    const auto test_asserts = [&](TSNode s) { return asserts(rules, block.tree, s); };
    const auto statements = code_children(block.body);
    SplitTests split;
    if (std::none_of(statements.begin(), statements.end(), test_asserts)) return split;
    split.cases = body_cases(block.tree, block.body, test_asserts,
                             [&](TSNode s) { return is_type(s, rules.skipped); });
    for (std::size_t i = 0; i < split.cases.size(); ++i)
        split.cases[i].name = fmt::format("test_{}", i);
    return split;
}

bool model_test_depends_on(const ModelTestRules& rules, std::string_view test_case,
                           std::string_view name) {
    const auto block = parse_block(rules, test_case);
    if (!block) return false;
    const std::vector<TSNode> statements = code_children(block->body);
    if (statements.empty()) return false;
    std::set<std::string, std::less<>> depending{std::string(name)};
    for (std::size_t i = 0; i + 1 < statements.size(); ++i)
        if (uses_any(names_used(block->tree, statements[i]), depending))
            depending.merge(names_bound(rules, block->tree, statements[i]));
    return uses_any(names_used(block->tree, statements.back()), depending);
}

bool plain_model_test(const ModelTestRules& rules, std::string_view test_case,
                      std::string_view name) {
    const auto block = parse_block(rules, test_case);
    if (!block) return false;
    std::set<std::string, std::less<>> locals{std::string(name), "candidate"};
    for (const TSNode statement : code_children(block->body)) {
        if (rules.allowed_statements.contains(squeezed(block->tree.text(statement)))) continue;
        if (type(statement) == "expression_statement") {
            if (!plain_assertion(rules, block->tree, statement, locals)) return false;
        } else if (is_type(statement, rules.declarations)) {
            if (!plain_declaration(rules, block->tree, statement, locals)) return false;
        } else {
            return false;
        }
    }
    return true;
}

} // namespace assay::syntax
