// C++'s name resolution (scopes.hpp): block scopes, from the point of declaration on.
//
// A Scope is a function definition (free or member) or a lambda (ScopeKind::lambda). A variable
// is visible from its declarator to the end of the innermost block around it: a compound
// statement, a `for`/range-`for` head with its body, an `if`/`while`/`switch` with a declaration
// in its condition, a catch clause, or the function (its parameters). Bindings are parameters
// (through reference, pointer and array declarators), the declarators of declarations (`int a =
// 1, b[3], *c;`), range-for and for-init declarations, structured bindings (`auto [k, v]`),
// catch parameters and init-captures (`[y = x]`, visible in the lambda only). A use resolves to
// the innermost visible binding of its name, and so to the function owning it; none visible →
// -1 (a global, a member, or something from a header): `count(…)` after the block of a local
// `count` ended is std::count. Since locals are per function, two block-level bindings of one
// name in one function are one local: renaming treats them alike, which keeps every use with
// its binding.
//
// Only `identifier` nodes are variables: field, type and namespace identifiers are not, nor the
// name in a qualified name (`std::max`), a template function's name, a function's own name, or
// the names in preprocessor lines. A lambda's capture `[&x]` is a use of the enclosing local.
#include "syntax/scopes.hpp"

#include "syntax/cpp/cpp.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace assay::syntax::cpp {
namespace {

bool opens_region(TSNode node) {
    return is_one_of(node, {"translation_unit", "function_definition", "lambda_expression",
                            "compound_statement", "for_statement", "for_range_loop", "if_statement",
                            "while_statement", "switch_statement", "catch_clause"});
}

// The identifiers a declarator declares: `x`, `&x`, `*x`, `x[3]`, `x = 1`, `[a, b]`; none for a
// function declarator (a declaration of a function, not a variable).
void declared_names(TSNode declarator, std::vector<TSNode>& out) {
    for (TSNode node = declarator; !ts_node_is_null(node);) {
        const std::string_view kind = type(node);
        if (kind == "identifier") {
            out.push_back(node);
            return;
        }
        if (kind == "structured_binding_declarator") {
            for (const TSNode name : named_children(node))
                if (type(name) == "identifier") out.push_back(name);
            return;
        }
        if (!is_one_of(node, {"init_declarator", "pointer_declarator", "reference_declarator",
                              "array_declarator", "attributed_declarator",
                              "parenthesized_declarator", "variadic_declarator"})) {
            return;
        }
        const TSNode inner = field(node, "declarator");
        node = ts_node_is_null(inner) ? named_child(node, named_child_count(node) - 1) : inner;
    }
}

// A declaration's declarators (the children in field `declarator`; there may be several).
std::vector<TSNode> declarators(TSNode declaration) {
    std::vector<TSNode> out;
    TreeCursor owner(declaration);
    TSTreeCursor* cursor = owner.get();
    for (bool more = ts_tree_cursor_goto_first_child(cursor); more;
         more = ts_tree_cursor_goto_next_sibling(cursor)) {
        const char* name = ts_tree_cursor_current_field_name(cursor);
        if (name != nullptr && std::strcmp(name, "declarator") == 0)
            out.push_back(ts_tree_cursor_current_node(cursor));
    }
    return out;
}

// The function declarator of a function definition (`int* f(int a)` wraps it in a pointer
// declarator).
TSNode function_declarator(TSNode definition) {
    TSNode node = field(definition, "declarator");
    while (!ts_node_is_null(node) && type(node) != "function_declarator" &&
           type(node) != "abstract_function_declarator") {
        const TSNode inner = field(node, "declarator");
        node = ts_node_is_null(inner) ? named_child(node, named_child_count(node) - 1) : inner;
    }
    return node;
}

struct Region {
    const void* id = nullptr;
    int scope = -1;   // the function owning the region; -1 outside functions
    uint32_t end = 0; // where the region (and the visibility of its bindings) ends
    std::unordered_set<std::string> names;
};

class Analyzer {
  public:
    explicit Analyzer(const SyntaxTree& tree) : tree_(tree) {}

    Scopes run() {
        walk(
            tree_.root(), [&](TSNode node) { return enter(node); },
            [&](TSNode node) { leave(node); });
        return std::move(result_);
    }

  private:
    bool enter(TSNode node) {
        const std::string_view kind = type(node);
        if (is_one_of(node, {"preproc_def", "preproc_function_def", "preproc_include",
                             "preproc_call", "comment", "qualified_identifier", "destructor_name",
                             "template_parameter_list"}))
            return false;
        if (kind == "template_function") skip_.insert(start(field(node, "name")));
        if (opens_region(node)) open_region(node);
        mark_bindings(node);
        if (kind == "identifier" && !skip_.contains(start(node))) use(node);
        return true;
    }

    void leave(TSNode node) {
        if (!regions_.empty() && regions_.back().id == node.id) regions_.pop_back();
        // An init-capture is visible in the lambda, after its initializer.
        if (type(node) == "lambda_capture_initializer" && !deferred_.empty()) {
            regions_.back().names.insert(deferred_.back());
            deferred_.pop_back();
        }
    }

    void open_region(TSNode node) {
        int scope = regions_.empty() ? -1 : regions_.back().scope;
        if (is_one_of(node, {"function_definition", "lambda_expression"})) {
            const int depth =
                scope < 0 ? 1 : result_.scopes[static_cast<std::size_t>(scope)].depth + 1;
            const ScopeKind kind =
                type(node) == "lambda_expression" ? ScopeKind::lambda : ScopeKind::function;
            result_.scopes.push_back({node, kind, scope, depth, {}, {}});
            scope = static_cast<int>(result_.scopes.size()) - 1;
        }
        regions_.push_back({node.id, scope, end(node), {}});
    }

    // Marks the identifiers under `node` that bind a variable (or are a function's own name).
    void mark_bindings(TSNode node) {
        const std::string_view kind = type(node);
        std::vector<TSNode> names;
        if (kind == "function_definition" || kind == "lambda_expression") {
            const TSNode declarator = function_declarator(node);
            if (kind == "function_definition") skip_.insert(start(field(declarator, "declarator")));
            for (const TSNode parameter : named_children(field(declarator, "parameters"))) {
                std::vector<TSNode> declared;
                declared_names(field(parameter, "declarator"), declared);
                for (const TSNode name : declared)
                    parameters_.insert(start(name));
                names.insert(names.end(), declared.begin(), declared.end());
            }
        } else if (kind == "declaration") {
            for (const TSNode declarator : declarators(node))
                declared_names(declarator, names);
        } else if (kind == "for_range_loop") {
            declared_names(field(node, "declarator"), names);
        } else if (kind == "catch_clause") {
            for (const TSNode parameter : named_children(field(node, "parameters")))
                declared_names(field(parameter, "declarator"), names);
        } else if (kind == "lambda_capture_initializer") {
            names.push_back(field(node, "left"));
        }
        for (const TSNode name : names)
            if (!ts_node_is_null(name)) bindings_.insert(start(name));
    }

    void use(TSNode node) {
        std::string name(tree_.text(node));
        const int occurs_in = regions_.empty() ? -1 : regions_.back().scope;
        if (bindings_.contains(start(node))) {
            const bool captured = type(ts_node_parent(node)) == "lambda_capture_initializer";
            // The innermost region is the lambda's, for an init-capture; else where it stands.
            Region& region = regions_.back();
            result_.uses.push_back({node, occurs_in, region.scope, true, region.end});
            add_local(region.scope, name, parameters_.contains(start(node)));
            if (captured)
                deferred_.push_back(std::move(name));
            else
                region.names.insert(std::move(name));
            return;
        }
        int target = -1;
        for (auto region = regions_.rbegin(); region != regions_.rend(); ++region) {
            if (region->names.contains(name)) {
                target = region->scope;
                break;
            }
        }
        result_.uses.push_back({node, occurs_in, target, false});
    }

    void add_local(int scope, const std::string& name, bool parameter) {
        if (scope < 0) return;
        Scope& owner = result_.scopes[static_cast<std::size_t>(scope)];
        const auto has = [&](const std::vector<std::string>& names) {
            return std::find(names.begin(), names.end(), name) != names.end();
        };
        if (!has(owner.locals)) owner.locals.push_back(name);
        if (parameter && !has(owner.parameters)) owner.parameters.push_back(name);
    }

    const SyntaxTree& tree_;
    Scopes result_;
    std::vector<Region> regions_;
    std::unordered_set<uint32_t> bindings_;
    std::unordered_set<uint32_t> parameters_;
    std::unordered_set<uint32_t> skip_;
    std::vector<std::string> deferred_;
};

} // namespace

Scopes analyze_scopes(const SyntaxTree& tree) {
    return Analyzer(tree).run();
}

} // namespace assay::syntax::cpp
