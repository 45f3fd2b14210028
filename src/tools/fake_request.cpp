#include "tools/fake_request.hpp"

#include "llm/reply_parser.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace assay::tools {

using nlohmann::json;

namespace {

bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_ident_char(char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

// The identifier starting at `at`, or "" when none starts there.
std::string_view identifier_at(std::string_view text, std::size_t at) {
    if (at >= text.size() || !is_ident_start(text[at])) return {};
    std::size_t end = at;
    while (end < text.size() && is_ident_char(text[end]))
        ++end;
    return text.substr(at, end - at);
}

std::string_view line_at(std::string_view text, std::size_t at) {
    const std::size_t end = text.find('\n', at);
    return text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

// The name of a `def name(` that starts a line (after indentation) at or after `from`.
std::string first_def(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t p = at;
        while (p < text.size() && (text[p] == ' ' || text[p] == '\t'))
            ++p;
        if (text.substr(p, 4) == "def " || text.substr(p, 10) == "async def ") {
            p = text.find("def ", p) + 4;
            while (p < text.size() && text[p] == ' ')
                ++p;
            const std::string_view name = identifier_at(text, p);
            std::size_t q = p + name.size();
            while (q < text.size() && text[q] == ' ')
                ++q;
            if (!name.empty() && q < text.size() && text[q] == '(') return std::string(name);
        }
        const std::size_t next = text.find('\n', at);
        if (next == std::string_view::npos) break;
        at = next + 1;
    }
    return {};
}

std::string content_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string out;
    if (content.is_array())
        for (const json& part : content)
            if (part.is_object() && part.contains("text") && part["text"].is_string())
                out += part["text"].get<std::string>();
    return out;
}

// The text between `open` and `close` (or the end), trimmed; "" when `open` is absent.
std::string between(std::string_view text, std::string_view open, std::string_view close) {
    const std::size_t start = text.find(open);
    if (start == std::string_view::npos) return {};
    const std::string_view rest = text.substr(start + open.size());
    return std::string(trim(rest.substr(0, rest.find(close))));
}

int leading_int(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end != text.data() ? value : 0;
}

} // namespace

const std::string& FakeRequest::last_user() const {
    static const std::string none;
    return user.empty() ? none : user.back();
}

std::string task_kind(std::string_view message) {
    return marked_word(message, "### Task:");
}

std::string marked_word(std::string_view message, std::string_view marker) {
    for (std::size_t at = message.find(marker); at != std::string_view::npos;
         at = message.find(marker, at + 1)) {
        if (at != 0 && message[at - 1] != '\n') continue;
        std::string_view rest = trim(line_at(message, at + marker.size()));
        std::size_t end = 0;
        while (end < rest.size() && (is_ident_char(rest[end]) || rest[end] == '-'))
            ++end;
        return std::string(rest.substr(0, end));
    }
    return {};
}

std::string named_entry_point(std::string_view message) {
    constexpr std::string_view function = "function `";
    for (std::size_t at = message.find(function); at != std::string_view::npos;
         at = message.find(function, at + 1)) {
        const std::string_view name = identifier_at(message, at + function.size());
        if (!name.empty() && at + function.size() + name.size() < message.size() &&
            message[at + function.size() + name.size()] == '`')
            return std::string(name);
    }
    constexpr std::string_view marker = "ENTRY_POINT:";
    if (const std::size_t at = message.find(marker); at != std::string_view::npos) {
        std::size_t p = at + marker.size();
        while (p < message.size() && (message[p] == ' ' || message[p] == '\t'))
            ++p;
        if (const std::string_view name = identifier_at(message, p); !name.empty())
            return std::string(name);
    }
    for (const llm::CodeBlock& block : llm::fenced_blocks(message))
        if (std::string name = first_def(block.code); !name.empty()) return name;
    return first_def(message);
}

std::vector<std::string> mentioned_names(std::string_view text) {
    std::vector<std::string> out;
    std::set<std::string_view> seen;
    std::size_t at = 0;
    while (at < text.size()) {
        if (!is_ident_start(text[at]) || (at > 0 && is_ident_char(text[at - 1]))) {
            ++at;
            continue;
        }
        const std::string_view name = identifier_at(text, at);
        const std::size_t end = at + name.size();
        const bool called = end < text.size() && text[end] == '(';
        const bool quoted = at > 0 && text[at - 1] == '`' && end < text.size() && text[end] == '`';
        if ((called || quoted) && seen.insert(name).second) out.emplace_back(name);
        at = end;
    }
    return out;
}

FakeRequest read_request(const json& request) {
    FakeRequest out;
    if (!request.is_object()) return out;
    out.canonical = request.dump(-1, ' ', false, json::error_handler_t::replace);
    if (const auto it = request.find("max_tokens"); it != request.end() && it->is_number_integer())
        out.max_tokens =
            static_cast<int>(std::clamp<std::int64_t>(it->get<std::int64_t>(), 1, 1 << 24));
    if (const auto it = request.find("messages"); it != request.end() && it->is_array()) {
        for (const json& message : *it) {
            if (!message.is_object() || !message.contains("role") || !message["role"].is_string())
                continue;
            const std::string& role = message["role"].get_ref<const std::string&>();
            std::string text = message.contains("content") ? content_text(message["content"]) : "";
            if (role == "user")
                out.user.push_back(std::move(text));
            else if (role == "assistant")
                out.assistant.push_back(std::move(text));
        }
    }
    const std::string& last = out.last_user();
    out.kind = task_kind(last);
    for (const std::string& message : out.user)
        if (std::string language = marked_word(message, "### Language:"); !language.empty()) {
            out.language = std::move(language);
            break;
        }
    for (auto it = out.user.rbegin(); it != out.user.rend() && out.entry_point.empty(); ++it)
        out.entry_point = named_entry_point(*it);
    for (const llm::CodeBlock& block : llm::fenced_blocks(last)) {
        // As the program was before the template put it in a fence: no blank lines at the end.
        const std::size_t end = block.code.find_last_not_of(" \t\r\n");
        if (end != std::string::npos) out.program = block.code.substr(0, end + 1) + "\n";
        break;
    }
    out.topic = between(last, "exercise about ", ", of ");
    if (out.topic.find('\n') != std::string::npos) out.topic.clear();
    if (const std::size_t at = last.find(" unit tests"); at != std::string::npos) {
        const std::size_t write = last.rfind("Write ", at);
        if (write != std::string::npos && last.find('\n', write) > at)
            out.count = leading_int(std::string_view(last).substr(write + 6, at - write - 6));
    }
    const std::string category = between(last, "bug of this kind:", "(");
    out.category = category.substr(0, category.find_first_of(" \n"));
    out.feedback = between(last, "What failed:", "First explain");
    return out;
}

} // namespace assay::tools
