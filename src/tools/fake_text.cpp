// The text of the fake model's replies: fences and the prose around them, and the assert lines
// of `tests` replies (a problem's own, or one made wrong).
#include "core/language.hpp"
#include "syntax/grammar.hpp"
#include "tools/fake_model_detail.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <optional>

namespace assay::tools {

namespace detail {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        out.push_back(trim(text.substr(0, end)));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return out;
}

std::string with_newline(std::string_view code) {
    std::string out(code);
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
}

std::string fenced(std::string_view code, std::string_view tag, std::string_view fence) {
    return fmt::format("{}{}\n{}{}\n", fence, tag, with_newline(code), fence);
}

std::string fence_tag(Dice& dice, std::string_view language) {
    static std::mutex mutex;
    static std::map<std::string, std::vector<std::string>, std::less<>> tags;
    std::vector<std::string> known;
    {
        std::lock_guard lock(mutex);
        auto it = tags.find(language);
        if (it == tags.end()) {
            const auto descriptor = load_language(std::string(language));
            it = tags.emplace(std::string(language),
                              descriptor ? descriptor->fence_tags : std::vector<std::string>{})
                     .first;
        }
        known = it->second;
    }
    if (known.empty()) known.emplace_back(language);
    const std::size_t roll = dice.below(100);
    if (roll < 80) return known.front();
    return roll < 90 ? known[std::min<std::size_t>(1, known.size() - 1)] : "";
}

std::string request_language(const FakeRequest& request) {
    return syntax::find_grammar(request.language) != nullptr ? request.language : "python";
}

std::string framed(std::string_view before, std::string_view block, std::string_view after) {
    std::string out;
    if (!before.empty()) out += fmt::format("{}\n\n", before);
    out += block;
    if (!after.empty()) out += fmt::format("\n{}\n", after);
    return out;
}

std::string call_in(std::string_view line, std::string_view name) {
    const std::size_t at = line.find(fmt::format("{}(", name));
    if (at == std::string_view::npos) return {};
    int depth = 0;
    char quote = 0;
    for (std::size_t i = at + name.size(); i < line.size(); ++i) {
        const char c = line[i];
        if (quote != 0) {
            if (c == '\\')
                ++i;
            else if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(' || c == '[' || c == '{') {
            ++depth;
        } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
            return std::string(line.substr(at, i + 1 - at));
        }
    }
    return {};
}

} // namespace detail

namespace {

// ---- Finding the top level of an expression (outside brackets and string literals).

// Calls `visit(index, depth)` for every character outside string literals; stops when it
// returns false.
template <typename Visit> void scan_code(std::string_view text, Visit visit) {
    int depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\'' || c == '"') {
            const bool triple = text.substr(i, 3) == std::string(3, c);
            const std::string_view close = triple ? text.substr(i, 3) : text.substr(i, 1);
            std::size_t j = i + close.size();
            while (j < text.size() && text.substr(j, close.size()) != close)
                j += text[j] == '\\' ? 2 : 1;
            i = std::min(text.size(), j + close.size()) - 1;
            continue;
        }
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
        if (!visit(i, depth)) return;
    }
}

std::size_t top_level_find(std::string_view text, std::string_view token) {
    std::size_t found = std::string_view::npos;
    scan_code(text, [&](std::size_t i, int depth) {
        if (depth == 0 && text.substr(i, token.size()) == token) {
            found = i;
            return false;
        }
        return true;
    });
    return found;
}

std::vector<std::string_view> top_level_items(std::string_view inner) {
    std::vector<std::string_view> items;
    std::size_t start = 0;
    scan_code(inner, [&](std::size_t i, int depth) {
        if (depth == 0 && inner[i] == ',') {
            items.push_back(trim(inner.substr(start, i - start)));
            start = i + 1;
        }
        return true;
    });
    if (!trim(inner.substr(start)).empty()) items.push_back(trim(inner.substr(start)));
    return items;
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A literal changed to a different value of the same kind, or "" when `value` is no literal.
std::string nudged(std::string_view value) {
    value = trim(value);
    if (value == "True") return "False";
    if (value == "False") return "True";
    if (value == "None") return "0";
    const std::string_view digits = value.starts_with('-') ? value.substr(1) : value;
    if (all_digits(digits)) {
        if (digits.size() > 17) return fmt::format("{}1", value);
        return std::to_string(std::stoll(std::string(value)) + 1);
    }
    if (const std::size_t dot = digits.find('.'); dot != std::string_view::npos &&
                                                  all_digits(digits.substr(0, dot)) &&
                                                  all_digits(digits.substr(dot + 1)))
        return fmt::format("{}1", value);
    std::size_t prefix = 0;
    while (prefix < value.size() && prefix < 2 &&
           std::string_view("bBrRuU").find(value[prefix]) != std::string_view::npos)
        ++prefix;
    if (value.size() >= prefix + 2 && (value[prefix] == '\'' || value[prefix] == '"') &&
        value.back() == value[prefix] && value.substr(prefix, 3) != std::string(3, value[prefix])) {
        // One literal, not "'a' + 'b'": nothing after the prefix lies outside a string.
        bool single = true;
        scan_code(value, [&](std::size_t i, int) {
            single = i < prefix;
            return single;
        });
        if (single) return fmt::format("{}x{}", value.substr(0, value.size() - 1), value.back());
        return {};
    }
    if (value.size() < 2) return {};
    const char open = value.front();
    const char close = value.back();
    if (!((open == '[' && close == ']') || (open == '(' && close == ')') ||
          (open == '{' && close == '}')))
        return {};
    // One bracketed group, not "(a) + (b)".
    bool single = true;
    scan_code(value, [&](std::size_t i, int depth) {
        if (depth == 0 && i + 1 < value.size()) single = false;
        return single;
    });
    if (!single) return {};
    const std::vector<std::string_view> items = top_level_items(value.substr(1, value.size() - 2));
    if (items.empty()) return open == '[' ? "[0]" : open == '(' ? "(0,)" : "{0: 0}";
    std::string kept;
    for (std::size_t i = 0; i + 1 < items.size(); ++i)
        kept += fmt::format("{}{}", i == 0 ? "" : ", ", items[i]);
    if (open == '(')
        return items.size() == 2 ? fmt::format("({},)", kept) : fmt::format("({})", kept);
    if (open == '{' && kept.empty())
        return top_level_find(items[0], ":") == std::string_view::npos ? "set()" : "{}";
    return fmt::format("{}{}{}", open, kept, close);
}

} // namespace

std::vector<std::string> assert_lines(const Problem& problem) {
    std::vector<std::string> out;
    const bool python = problem.language.empty() || problem.language == "python";
    for (const Visibility visibility : {Visibility::visible, Visibility::hidden}) {
        for (const TestCase& test : problem.tests) {
            if (test.visibility != visibility) continue;
            std::string line(trim(test.code));
            if (line.find('\n') != std::string::npos || (python && !line.starts_with("assert ")))
                continue;
            for (std::size_t at = line.find("candidate("); at != std::string::npos;
                 at = line.find("candidate(", at + 1))
                if (at == 0 || !(std::isalnum(static_cast<unsigned char>(line[at - 1])) ||
                                 line[at - 1] == '_' || line[at - 1] == '.'))
                    line.replace(at, 9, problem.entry_point);
            if (line.find(problem.entry_point + "(") != std::string::npos)
                out.push_back(std::move(line));
        }
    }
    return out;
}

namespace {

// A brace language's literal nudged: true ↔ false, else as Python's.
std::string nudged_literal(std::string_view value) {
    value = trim(value);
    if (value == "true") return "false";
    if (value == "false") return "true";
    if (value == "True" || value == "False" || value == "None") return {};
    std::string changed = nudged(value);
    // Python's empty set is no brace language's.
    return changed == "set()" ? std::string("{}") : changed;
}

// The arguments of the call that `line` is (`assert(…);`, `assert.strictEqual(a, b);`) and its
// callee; nullopt when the line is no such call.
struct CallLine {
    std::string_view callee;
    std::vector<std::string_view> arguments;
};

std::optional<CallLine> call_line(std::string_view line) {
    line = trim(line);
    if (line.ends_with(';')) line = trim(line.substr(0, line.size() - 1));
    const std::size_t open = line.find('(');
    if (open == std::string_view::npos || !line.ends_with(')')) return std::nullopt;
    // The opening parenthesis must close at the end: one call, not `f(a) == g(b)`.
    bool whole = true;
    scan_code(line.substr(open), [&](std::size_t i, int depth) {
        if (depth == 0 && i + open + 1 < line.size()) whole = false;
        return whole;
    });
    if (!whole) return std::nullopt;
    return CallLine{trim(line.substr(0, open)),
                    top_level_items(line.substr(open + 1, line.size() - open - 2))};
}

std::string wrong_brace_expectation(std::string_view line, std::string_view language) {
    const auto call = call_line(line);
    if (!call || call->arguments.empty())
        return fmt::format("{} // assay-fake: no assertion to break", trim(line));
    const auto& args = call->arguments;
    const std::string rest = [&] {
        std::string out;
        for (std::size_t i = 2; i < args.size(); ++i)
            out += fmt::format(", {}", args[i]);
        return out;
    }();
    if (args.size() >= 2 && call->callee != "assert" && call->callee != "console.assert") {
        // JavaScript's assert.strictEqual(actual, expected) and its kin.
        if (const std::string changed = nudged_literal(args[1]); !changed.empty())
            return fmt::format("{}({}, {}{});", call->callee, args[0], changed, rest);
        static const std::map<std::string_view, std::string_view> negated{
            {"assert.strictEqual", "assert.notStrictEqual"},
            {"assert.deepStrictEqual", "assert.notDeepStrictEqual"},
            {"assert.equal", "assert.notEqual"},
            {"assert.deepEqual", "assert.notDeepEqual"}};
        if (const auto it = negated.find(call->callee); it != negated.end())
            return fmt::format("{}({}, {}{});", it->second, args[0], args[1], rest);
    }
    // assert(condition): the expected side of a top-level `==` / `===` nudged, else negated.
    const std::string_view condition = args[0];
    const std::string_view op = language == "javascript" ? "===" : "==";
    if (const std::size_t eq = top_level_find(condition, op); eq != std::string_view::npos) {
        const std::string_view value = condition.substr(eq + op.size());
        if (const std::string changed = nudged_literal(value); !changed.empty())
            return fmt::format("{}({} {});", call->callee,
                               trim(condition.substr(0, eq + op.size())), changed);
    }
    return fmt::format("{}(!({}));", call->callee, condition);
}

} // namespace

std::string wrong_expectation(std::string_view line, std::string_view language) {
    if (language != "python") return wrong_brace_expectation(line, language);
    std::string_view body = trim(line);
    if (!body.starts_with("assert ")) return fmt::format("assert not ({})", body);
    // The message of `assert x, "message"` stays as it is.
    std::string_view expression = body.substr(7);
    std::string_view message;
    if (const std::size_t comma = top_level_find(expression, ",");
        comma != std::string_view::npos) {
        message = expression.substr(comma);
        expression = expression.substr(0, comma);
    }
    const auto rebuilt = [&](std::string_view head, std::string_view value) {
        return fmt::format("assert {}{}{}", head, value, message);
    };
    if (const std::size_t eq = top_level_find(expression, "=="); eq != std::string_view::npos) {
        const std::string_view head = expression.substr(0, eq + 2);
        const std::string_view value = expression.substr(eq + 2);
        if (const std::string changed = nudged(value); !changed.empty())
            return rebuilt(head, fmt::format(" {}", changed));
        return rebuilt(fmt::format("{}!={}", expression.substr(0, eq), value), "");
    }
    if (const std::size_t is = top_level_find(expression, " is "); is != std::string_view::npos) {
        const std::string_view head = expression.substr(0, is);
        const std::string_view value = trim(expression.substr(is + 4));
        if (value == "True") return rebuilt(head, " is False");
        if (value == "False") return rebuilt(head, " is True");
        if (value.starts_with("not ")) return rebuilt(head, fmt::format(" is {}", value.substr(4)));
        return rebuilt(head, fmt::format(" is not {}", value));
    }
    expression = trim(expression);
    if (expression.starts_with("not ")) return rebuilt(expression.substr(4), "");
    return rebuilt(fmt::format("not ({})", expression), "");
}

} // namespace assay::tools
