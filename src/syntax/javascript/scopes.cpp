// JavaScript's name resolution (scopes.hpp): block scopes with hoisting.
//
// A Scope is a function (function declarations and expressions, generators, methods) or an arrow
// function (ScopeKind::lambda). Inside one, bindings live in regions: `let`, `const` and `class`
// in the innermost block (a statement block, a `for` head with its body, a catch clause, a switch
// body), visible in the whole block; `var` and function declarations in the function (hoisted).
// A use resolves to the innermost region around it that declares its name, and so to the function
// owning that region; nothing declares it → -1 (a global or builtin). Since locals are per
// function, two block-level bindings of one name in one function (`{ let x } { let x }`) are one
// local: renaming treats them alike, which keeps every use with its binding.
//
// Property names (`o.p`, `{p: 1}`), labels, `this` and `super` are not variables; a shorthand
// property `{p}` in an object literal is a property and a use of `p` at once, and
// `{p} = o` in a pattern a property and a binding: both are NameUses, and rename_locals spells
// them `{p: q}` (refactorings.cpp).
#include "syntax/scopes.hpp"

#include "syntax/javascript/javascript.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace assay::syntax::javascript {
namespace {

// Named nodes only: `function` is also the keyword's token.
bool is_function(TSNode node) {
    return ts_node_is_named(node) &&
           is_one_of(node, {"function_declaration", "generator_function_declaration",
                            "function_expression", "function", "generator_function",
                            "arrow_function", "method_definition"});
}

bool is_block(TSNode node) {
    return is_one_of(node, {"statement_block", "for_statement", "for_in_statement", "catch_clause",
                            "switch_body", "class_static_block"});
}

bool is_variable(TSNode node) {
    return is_one_of(node, {"identifier", "shorthand_property_identifier",
                            "shorthand_property_identifier_pattern"});
}

struct Region {
    const void* id = nullptr;
    bool function_level = false;
    int scope = -1;   // the function owning the region; -1 for the program
    uint32_t end = 0; // where the region (and the visibility of its bindings) ends
};

class Analyzer {
  public:
    explicit Analyzer(const SyntaxTree& tree) : tree_(tree) {}

    Scopes run() {
        walk(
            tree_.root(), [&](TSNode node) { return declare(node); },
            [&](TSNode node) { leave(node); });
        walk(
            tree_.root(), [&](TSNode node) { return resolve(node); },
            [&](TSNode node) { leave(node); });
        return std::move(result_);
    }

  private:
    // Pass 1: scopes, regions and the names each region declares.
    bool declare(TSNode node) {
        if (is_one_of(node, {"import_statement", "comment"})) return false;
        const std::string_view kind = type(node);
        if (kind == "function_declaration" || kind == "generator_function_declaration")
            bind_pattern(field(node, "name"), function_region(), false);
        if (kind == "class_declaration") bind_pattern(field(node, "name"), regions_.back(), false);
        enter_region(node, true);
        const Region& here = regions_.back();
        if (is_function(node)) {
            if (kind == "function_expression" || kind == "function" || kind == "generator_function")
                bind_pattern(field(node, "name"), here, false);
            bind_pattern(field(node, "parameter"), here, true);
            for (const TSNode parameter : named_children(field(node, "parameters")))
                bind_pattern(parameter, here, true);
        }
        if (kind == "lexical_declaration" || kind == "variable_declaration") {
            const Region target = kind == "lexical_declaration" ? here : function_region();
            for (const TSNode declarator : named_children(node))
                if (type(declarator) == "variable_declarator")
                    bind_pattern(field(declarator, "name"), target, false);
        }
        if (kind == "for_in_statement" && !ts_node_is_null(field(node, "kind"))) {
            const bool var = tree_.text(field(node, "kind")) == "var";
            bind_pattern(field(node, "left"), var ? function_region() : here, false);
        }
        if (kind == "catch_clause") bind_pattern(field(node, "parameter"), here, false);
        return true;
    }

    // Pass 2: every variable occurrence, resolved.
    bool resolve(TSNode node) {
        if (is_one_of(node, {"import_statement", "comment", "export_clause"})) return false;
        enter_region(node, false);
        if (!is_variable(node)) return true;
        const std::string name(tree_.text(node));
        int target = -1;
        if (const auto bound = bound_in_.find(start(node)); bound != bound_in_.end()) {
            target = bound->second;
        } else {
            for (auto region = regions_.rbegin(); region != regions_.rend(); ++region) {
                const auto declared = declared_.find(region->id);
                if (declared != declared_.end() && declared->second.contains(name)) {
                    target = region->scope;
                    break;
                }
            }
        }
        const auto visible = visible_until_.find(start(node));
        result_.uses.push_back({node, innermost_scope(), target, visible != visible_until_.end(),
                                visible == visible_until_.end() ? UINT32_MAX : visible->second});
        return true;
    }

    void enter_region(TSNode node, bool first_pass) {
        const bool function = is_function(node);
        const bool program = type(node) == "program" && regions_.empty();
        if (!function && !program && !is_block(node)) return;
        int scope = innermost_scope();
        if (function && first_pass) {
            const int depth =
                scope < 0 ? 1 : result_.scopes[static_cast<std::size_t>(scope)].depth + 1;
            const ScopeKind kind =
                type(node) == "arrow_function" ? ScopeKind::lambda : ScopeKind::function;
            result_.scopes.push_back({node, kind, scope, depth, {}, {}});
            scope_of_[node.id] = static_cast<int>(result_.scopes.size()) - 1;
        }
        if (function) scope = scope_of_.at(node.id);
        regions_.push_back({node.id, function || program, program ? -1 : scope, end(node)});
    }

    void leave(TSNode node) {
        if (!regions_.empty() && regions_.back().id == node.id) regions_.pop_back();
    }

    [[nodiscard]] int innermost_scope() const {
        return regions_.empty() ? -1 : regions_.back().scope;
    }

    [[nodiscard]] Region function_region() const {
        const auto found = std::find_if(regions_.rbegin(), regions_.rend(),
                                        [](const Region& r) { return r.function_level; });
        return found == regions_.rend() ? Region{} : *found;
    }

    // The names a declaration target binds: `x`, `[a, [b = 1], ...c]`, `{p, q: r, s = 2}`.
    void bind_pattern(TSNode target, const Region& region, bool parameter) {
        std::vector<TSNode> pending{target};
        while (!pending.empty()) {
            const TSNode node = pending.back();
            pending.pop_back();
            if (ts_node_is_null(node)) continue;
            if (type(node) == "identifier" ||
                type(node) == "shorthand_property_identifier_pattern") {
                bind(node, region, parameter);
            } else if (is_one_of(node, {"assignment_pattern", "object_assignment_pattern"})) {
                pending.push_back(field(node, "left"));
            } else if (type(node) == "pair_pattern") {
                pending.push_back(field(node, "value"));
            } else if (is_one_of(node, {"object_pattern", "array_pattern", "rest_pattern"})) {
                const std::vector<TSNode> parts = named_children(node);
                pending.insert(pending.end(), parts.rbegin(), parts.rend()); // first popped first
            }
        }
    }

    void bind(TSNode identifier, const Region& region, bool parameter) {
        const std::string name(tree_.text(identifier));
        declared_[region.id].insert(name);
        bound_in_[start(identifier)] = region.scope;
        visible_until_[start(identifier)] = region.end;
        if (region.scope < 0) return;
        Scope& owner = result_.scopes[static_cast<std::size_t>(region.scope)];
        const auto has = [&](const std::vector<std::string>& names) {
            return std::find(names.begin(), names.end(), name) != names.end();
        };
        if (!has(owner.locals)) owner.locals.push_back(name);
        if (parameter && !has(owner.parameters)) owner.parameters.push_back(name);
    }

    const SyntaxTree& tree_;
    Scopes result_;
    std::vector<Region> regions_;
    std::unordered_map<const void*, int> scope_of_;
    std::unordered_map<const void*, std::unordered_set<std::string>> declared_;
    std::unordered_map<uint32_t, int> bound_in_; // a binding identifier's start → its scope
    std::unordered_map<uint32_t, uint32_t> visible_until_; // … → its region's end
};

} // namespace

Scopes analyze_scopes(const SyntaxTree& tree) {
    return Analyzer(tree).run();
}

} // namespace assay::syntax::javascript
