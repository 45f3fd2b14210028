// Name resolution for the block-scoped grammars (JavaScript, C++): which occurrence is which local.
#include "syntax/scopes.hpp"
#include "syntax/syntax_tree.hpp"

#include <doctest/doctest.h>
#include <string>

using assay::syntax::analyze_scopes;
using assay::syntax::NameUse;
using assay::syntax::Scopes;
using assay::syntax::SyntaxTree;

namespace {

// Every use as `name>scope` (`*` marks a binding), scope the index of the function whose local it
// is or -1, in document order.
std::string resolved(std::string_view language, const std::string& code) {
    const auto tree = SyntaxTree::parse(language, code);
    REQUIRE(tree);
    const Scopes scopes = analyze_scopes(*tree);
    std::string out;
    for (const NameUse& use : scopes.uses) {
        if (!out.empty()) out += ' ';
        out += std::string(tree->text(use.node)) + (use.binding ? "*" : "") + ">" +
               std::to_string(use.resolves_to);
    }
    return out;
}

// Each scope's locals, `[parameters|locals]`, in order.
std::string locals(std::string_view language, const std::string& code) {
    const auto tree = SyntaxTree::parse(language, code);
    REQUIRE(tree);
    std::string out;
    for (const auto& scope : analyze_scopes(*tree).scopes) {
        out += "[";
        for (const auto& name : scope.parameters)
            out += name + " ";
        out += "|";
        for (const auto& name : scope.locals)
            out += " " + name;
        out += "]";
    }
    return out;
}

} // namespace

TEST_CASE("syntax::scopes javascript") {
    SUBCASE("let/const/class in blocks, var and functions hoisted, params of every kind") {
        CHECK(locals("javascript",
                     "function f(a, {b, c: d}, [e = a], ...r) { var v; { let w; } "
                     "function g() {} class K {} }") == "[a b d e r | a b d e r v w g K][|]");
        CHECK(resolved("javascript", "function f(a) { { var v = a; } return v; }") ==
              "f*>-1 a*>0 v*>0 a>0 v>0");
        // `count` after the block of a local `count` is the global.
        CHECK(resolved("javascript",
                       "function f(xs) { { let count = 1; xs.push(count); } return count(xs); }") ==
              "f*>-1 xs*>0 count*>0 xs>0 count>0 count>-1 xs>0");
        // A closure's use is the enclosing function's local; its own parameter shadows.
        CHECK(resolved("javascript",
                       "const f = (n) => { let t = 0; const add = (x) => { t += x; }; "
                       "[1].map((t) => t); return t; }") ==
              "f*>-1 n*>0 t*>0 add*>0 x*>1 t>0 x>1 t*>2 t>2 t>0");
    }
    SUBCASE("properties, labels and this are not variables; shorthands are both") {
        CHECK(resolved("javascript",
                       "function f(p) { const o = {p, q: p}; outer: for (const k in o) { "
                       "this.k = o.p; break outer; } const {p: z, q} = o; return z + q; }") ==
              "f*>-1 p*>0 o*>0 p>0 p>0 k*>0 o>0 o>0 z*>0 q*>0 o>0 z>0 q>0");
    }
    SUBCASE("catch parameters, for heads, switch bodies") {
        CHECK(resolved("javascript",
                       "function f(x) { try { g(); } catch (e) { return e; } "
                       "for (let i = 0; i < x; i++) {} for (const [k, v] of x) {} return i; }") ==
              "f*>-1 x*>0 g>-1 e*>0 e>0 i*>0 i>0 x>0 i>0 k*>0 v*>0 x>0 i>-1");
    }
}

TEST_CASE("syntax::scopes cpp") {
    SUBCASE("parameters through declarators; a local from its declaration to its block's end") {
        CHECK(locals("cpp", "int f(const vector<int>& v, int* p, int a[], int n = 2) { int s = 0, "
                            "t[3]; for (auto [k, w] : m) {} return s; }") ==
              "[v p a n | v p a n s t k w]");
        CHECK(resolved("cpp", "int count = 0;\nint f(int n) { { int count = n; n += count; } "
                              "return count + n; }") ==
              "count*>-1 n*>0 count*>0 n>0 n>0 count>0 count>-1 n>0");
    }
    SUBCASE("fields, types, namespaces and qualified names are not locals") {
        CHECK(resolved("cpp",
                       "int f(vector<int> v) { int max = 0; for (int x : v) max = std::max(max, "
                       "x); return v.size() + max; }") ==
              "v*>0 max*>0 x*>0 v>0 max>0 max>0 x>0 v>0 max>0");
    }
    SUBCASE("lambdas: parameters their own, captures the enclosing local") {
        CHECK(resolved("cpp",
                       "int f(int n) { int k = 2; auto g = [&k, m = n](int x) { return x * k + m; "
                       "}; return g(n); }") ==
              "n*>0 k*>0 g*>0 k>0 m*>1 n>0 x*>1 x>1 k>0 m>1 g>0 n>0");
        CHECK(locals("cpp", "int f(int n) { auto g = [=](int x) { int y = x; return y + n; }; "
                            "return g(1); }") == "[n | n g][x | x y]");
    }
}
