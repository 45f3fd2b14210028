#include "syntax/body_cases.hpp"

#include "syntax/edit.hpp"
#include "syntax/syntax_check.hpp"

#include <algorithm>

namespace assay::syntax {

std::vector<TestCase> body_cases(const SyntaxTree& tree, TSNode body,
                                 const std::function<bool(TSNode)>& asserts,
                                 const std::function<bool(TSNode)>& skip) {
    std::vector<TestCase> cases;
    std::string earlier;
    for (const TSNode statement : code_children(body)) {
        if (skip(statement)) continue;
        std::string text = dedented_text(tree, statement);
        if (text.empty() || text.back() != '\n') text += '\n';
        if (!asserts(statement)) {
            earlier += text;
            continue;
        }
        cases.push_back({fmt::format("check_{}", cases.size()), earlier + text});
    }
    if (cases.empty() && !earlier.empty()) cases.push_back({"check_0", earlier});
    return cases;
}

bool calls_any(const SyntaxTree& tree, TSNode node, const std::vector<std::string_view>& callees,
               const std::vector<std::string_view>& opaque) {
    bool found = false;
    walk(node, [&](TSNode n) {
        if (found) return false;
        if (type(n) == "call_expression") {
            std::string callee;
            for (const char ch : tree.text(field(n, "function")))
                if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') callee.push_back(ch);
            if (std::find(callees.begin(), callees.end(), callee) != callees.end()) found = true;
        }
        return !found && std::find(opaque.begin(), opaque.end(), type(n)) == opaque.end();
    });
    return found;
}

Expected<SyntaxTree> parse_test_code(std::string_view grammar, std::string_view test_code) {
    SyntaxTree tree = ASSAY_TRY(SyntaxTree::parse(grammar, std::string(test_code)));
    if (!tree.has_error()) return tree;
    const auto error = ASSAY_TRY(check_syntax(grammar, test_code));
    if (!error) return tree;
    return fail_at(fmt::format("test:{}:{}", error->line, error->column), "{}", error->message);
}

std::string without(std::string_view source, const std::vector<TSNode>& cut) {
    std::string out;
    uint32_t copied = 0;
    for (const TSNode node : cut) {
        if (start(node) < copied) continue;
        out.append(source.substr(copied, start(node) - copied));
        copied = end(node);
    }
    out.append(source.substr(copied));
    return out;
}

Expected<std::string> inline_alias(std::string_view grammar, std::string_view code,
                                   std::string_view alias, std::string_view name) {
    const SyntaxTree tree = ASSAY_TRY(parse_test_code(grammar, code));
    std::vector<Edit> edits;
    std::vector<std::pair<uint32_t, uint32_t>> removed;
    walk(tree.root(), [&](TSNode node) {
        if (type(node) != "identifier" || tree.text(node) != alias) return true;
        // `alias = name` as the only declarator of its declaration: the declaration goes.
        const TSNode declarator = ts_node_parent(node);
        const TSNode value = field(declarator, "value");
        const TSNode declaration = ts_node_parent(declarator);
        const auto declarators = [&] {
            const auto all = named_children(declaration);
            return std::count_if(all.begin(), all.end(),
                                 [&](TSNode c) { return type(c) == type(declarator); });
        };
        if (!ts_node_is_null(value) && !ts_node_eq(value, node) && type(value) == "identifier" &&
            tree.text(value) == name && declarators() == 1) {
            removed.emplace_back(start(declaration), end(declaration));
            return true;
        }
        edits.push_back({start(node), end(node), std::string(name)});
        return true;
    });
    // A use inside a removed declaration (its own name) is part of what goes.
    std::erase_if(edits, [&](const Edit& e) {
        return std::any_of(removed.begin(), removed.end(),
                           [&](const auto& r) { return e.start >= r.first && e.end <= r.second; });
    });
    for (const auto& [from, to] : removed)
        edits.push_back({from, to, ""});
    return apply_edits(tree.source(), std::move(edits));
}

} // namespace assay::syntax
