#include "syntax/body_cases.hpp"

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

} // namespace assay::syntax
