// Python's name resolution (scopes.hpp): LEGB as far as renaming needs it.
#include "syntax/scopes.hpp"

#include "syntax/python/python.hpp"

#include <algorithm>
#include <optional>
#include <unordered_set>

namespace assay::syntax::python {
namespace {

std::optional<ScopeKind> scope_kind(TSNode node) {
    const std::string_view kind = type(node);
    if (kind == "function_definition") return ScopeKind::function;
    if (kind == "lambda") return ScopeKind::lambda;
    if (kind == "class_definition") return ScopeKind::class_body;
    if (is_one_of(node, {"list_comprehension", "set_comprehension", "dictionary_comprehension",
                         "generator_expression"})) {
        return ScopeKind::comprehension;
    }
    return std::nullopt;
}

bool contains_name(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// A `global` or `nonlocal` statement's name.
struct Declaration {
    int scope;
    std::string name;
    bool global;
};

class Analyzer {
  public:
    explicit Analyzer(const SyntaxTree& tree) : tree_(tree) {}

    Scopes run() {
        walk(
            tree_.root(), [&](TSNode node) { return enter(node); },
            [&](TSNode node) { leave(node); });
        for (Scope& scope : result_.scopes) {
            const int index = static_cast<int>(&scope - result_.scopes.data());
            std::erase_if(scope.locals, [&](const std::string& name) {
                return declaration(index, name) != nullptr;
            });
        }
        for (NameUse& use : result_.uses)
            use.resolves_to = resolve(use);
        return std::move(result_);
    }

  private:
    bool enter(TSNode node) {
        const std::string_view kind = type(node);
        if (is_one_of(node, {"import_statement", "import_from_statement", "future_import_statement",
                             "comment"})) {
            return false;
        }
        if (kind == "global_statement" || kind == "nonlocal_statement") {
            for (const TSNode name : named_children(node)) {
                declarations_.push_back(
                    {current(), std::string(tree_.text(name)), kind == "global_statement"});
                add_use(name, false);
            }
            return false;
        }
        if (const auto scope_type = scope_kind(node)) open_scope(node, *scope_type);
        mark_positions(node);
        if (kind == "identifier") {
            const bool binding = bindings_.contains(start(node));
            if (!skipped_.contains(start(node))) add_use(node, binding);
        }
        return true;
    }

    void leave(TSNode node) {
        if (scope_kind(node)) stack_.pop_back();
    }

    // Identifiers under `node` that are names of something else, or bind a variable.
    void mark_positions(TSNode node) {
        const std::string_view kind = type(node);
        if (kind == "attribute") skip(field(node, "attribute"));
        if (kind == "keyword_argument") skip(field(node, "name"));
        if (kind == "function_definition" || kind == "class_definition") skip(field(node, "name"));
        if (kind == "assignment" || kind == "augmented_assignment" || kind == "for_statement" ||
            kind == "for_in_clause") {
            bind_target(field(node, "left"));
        }
        if (kind == "named_expression") bind_target(field(node, "name"));
        if (kind == "as_pattern_target" || kind == "except_clause")
            bind_target(field(node, "alias"));
        if (kind == "as_pattern_target") bind_target(named_child(node, 0));
        if (kind == "parameters" || kind == "lambda_parameters") {
            for (const TSNode parameter : named_children(node))
                bind_parameter(parameter);
        }
    }

    void skip(TSNode node) {
        if (!ts_node_is_null(node)) skipped_.insert(start(node));
    }

    // Iterative: a target may nest parentheses arbitrarily deep.
    void bind_target(TSNode target) {
        std::vector<TSNode> pending{target};
        while (!pending.empty()) {
            const TSNode node = pending.back();
            pending.pop_back();
            if (ts_node_is_null(node)) continue;
            if (type(node) == "identifier") {
                bindings_.insert(start(node));
            } else if (is_one_of(node, {"pattern_list", "tuple_pattern", "list_pattern", "tuple",
                                        "list", "list_splat_pattern", "parenthesized_expression",
                                        "expression_list"})) {
                for (const TSNode child : named_children(node))
                    pending.push_back(child);
            }
        }
    }

    void bind_parameter(TSNode parameter) {
        const std::string_view kind = type(parameter);
        if (kind == "identifier") {
            bindings_.insert(start(parameter));
            parameters_.insert(start(parameter));
        } else if (kind == "default_parameter" || kind == "typed_default_parameter") {
            bind_parameter(field(parameter, "name"));
        } else if (is_one_of(parameter, {"typed_parameter", "list_splat_pattern",
                                         "dictionary_splat_pattern"})) {
            bind_parameter(named_child(parameter, 0));
        }
    }

    void open_scope(TSNode node, ScopeKind kind) {
        const int parent = current();
        const int depth =
            parent < 0 ? 1 : result_.scopes[static_cast<std::size_t>(parent)].depth + 1;
        result_.scopes.push_back({node, kind, parent, depth, {}, {}});
        stack_.push_back(static_cast<int>(result_.scopes.size()) - 1);
    }

    void add_use(TSNode node, bool binding) {
        const int scope = current();
        result_.uses.push_back({node, scope, -1, binding});
        if (!binding || scope < 0) return;
        Scope& owner = result_.scopes[static_cast<std::size_t>(scope)];
        const std::string name(tree_.text(node));
        if (!contains_name(owner.locals, name)) owner.locals.push_back(name);
        if (parameters_.contains(start(node)) && !contains_name(owner.parameters, name)) {
            owner.parameters.push_back(name);
        }
    }

    [[nodiscard]] int current() const { return stack_.empty() ? -1 : stack_.back(); }

    [[nodiscard]] const Declaration* declaration(int scope, std::string_view name) const {
        const auto found =
            std::find_if(declarations_.begin(), declarations_.end(), [&](const auto& declared) {
                return declared.scope == scope && declared.name == name;
            });
        return found == declarations_.end() ? nullptr : &*found;
    }

    // Python's rule: local to the innermost scope that binds it; class bodies are not visible from
    // the scopes nested in them; a `global` declaration sends the name to the module.
    [[nodiscard]] int resolve(const NameUse& use) const {
        const std::string_view name = tree_.text(use.node);
        bool innermost = true;
        for (int index = use.occurs_in; index >= 0;) {
            const Scope& scope = result_.scopes[static_cast<std::size_t>(index)];
            const bool visible = innermost || scope.kind != ScopeKind::class_body;
            if (visible && contains_name(scope.locals, name)) return index;
            const Declaration* declared = visible ? declaration(index, name) : nullptr;
            if (declared != nullptr && declared->global) return -1;
            innermost = false;
            index = scope.parent;
        }
        return -1;
    }

    const SyntaxTree& tree_;
    Scopes result_;
    std::vector<int> stack_;
    std::unordered_set<uint32_t> skipped_;
    std::unordered_set<uint32_t> bindings_;
    std::unordered_set<uint32_t> parameters_;
    std::vector<Declaration> declarations_;
};

} // namespace

Scopes analyze_scopes(const SyntaxTree& tree) {
    return Analyzer(tree).run();
}

} // namespace assay::syntax::python
