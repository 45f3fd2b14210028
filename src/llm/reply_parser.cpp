#include "llm/reply_parser.hpp"

#include "core/language.hpp"
#include "syntax/entry_point.hpp"
#include "syntax/syntax_check.hpp"
#include "util/string.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>

namespace assay::llm {

namespace {

// Bounds that keep hostile replies cheap: parses and JSON attempts per reply.
constexpr std::size_t kMaxCandidates = 64;
constexpr std::size_t kMaxTrailingTrims = 64;
// Bytes parsed while dropping trailing prose (each drop parses what is left, and prose parses at
// about half a megabyte a second): a few seconds at most, whatever the reply.
constexpr std::size_t kMaxTrimParseBytes = 1u << 20;
constexpr std::size_t kMaxJsonStarts = 64;
constexpr int kMaxJsonDepth = 256;

struct Line {
    std::string_view text; // without the newline (and without a trailing '\r')
    std::size_t begin = 0;
    std::size_t end = 0; // past the newline
};

std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> lines;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t newline = text.find('\n', at);
        const std::size_t stop = newline == std::string_view::npos ? text.size() : newline;
        std::string_view line = text.substr(at, stop - at);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
        lines.push_back({line, at, next});
        at = next;
    }
    return lines;
}

using util::trim;

std::size_t indentation(std::string_view line) {
    const auto first = line.find_first_not_of(" \t");
    return first == std::string_view::npos ? line.size() : first;
}

struct Fence {
    char mark = '`';
    std::size_t length = 0;
    std::size_t indent = 0;
    std::string tag;
};

std::string first_word_lower(std::string_view info) {
    info = trim(info);
    while (!info.empty() && (info.front() == '{' || info.front() == '.'))
        info.remove_prefix(1);
    std::string word(info.substr(0, info.find_first_of(" \t{}")));
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return word;
}

std::optional<Fence> opening_fence(std::string_view line) {
    Fence fence;
    fence.indent = indentation(line);
    line.remove_prefix(fence.indent);
    if (line.empty() || (line[0] != '`' && line[0] != '~')) return std::nullopt;
    fence.mark = line[0];
    fence.length = std::min(line.find_first_not_of(fence.mark), line.size());
    if (fence.length < 3) return std::nullopt;
    const std::string_view info = line.substr(fence.length);
    if (fence.mark == '`' && info.find('`') != std::string_view::npos) return std::nullopt;
    fence.tag = first_word_lower(info);
    return fence;
}

bool closes(const Fence& fence, std::string_view line) {
    line.remove_prefix(indentation(line));
    const std::size_t run = std::min(line.find_first_not_of(fence.mark), line.size());
    return run >= fence.length && trim(line.substr(run)).empty();
}

// `line` with up to `indent` leading blanks removed.
std::string_view dedent(std::string_view line, std::size_t indent) {
    return line.substr(std::min(indent, indentation(line)));
}

} // namespace

std::vector<CodeBlock> fenced_blocks(std::string_view reply) {
    std::vector<CodeBlock> blocks;
    std::optional<Fence> open;
    CodeBlock block;
    for (const Line& line : split_lines(reply)) {
        if (!open) {
            open = opening_fence(line.text);
            if (open) block = CodeBlock{open->tag, {}, false, line.begin, line.end};
            continue;
        }
        block.end = line.end;
        if (closes(*open, line.text)) {
            block.terminated = true;
            blocks.push_back(std::move(block));
            block = CodeBlock{};
            open.reset();
            continue;
        }
        block.code.append(dedent(line.text, open->indent)).push_back('\n');
    }
    if (open) blocks.push_back(std::move(block));
    return blocks;
}

namespace {

bool tag_matches(std::string_view tag, const CodeQuery& query) {
    return tag.empty() || tag == query.language ||
           std::find(query.fence_tags.begin(), query.fence_tags.end(), tag) !=
               query.fence_tags.end();
}

bool starts_code(std::string_view line, const CodeQuery& query) {
    for (const std::string& start : query.code_starts)
        if (!start.empty() && line.starts_with(start)) return true;
    return false;
}

struct Candidate {
    std::string code;
    CodeSource source = CodeSource::fenced;
    std::size_t begin = 0; // its span in the reply, for the prose
    std::size_t end = 0;
    bool parses = false;
    bool defines = false;

    // Ranks by the contract of extract_code; later wins ties among the first two ranks.
    [[nodiscard]] int rank() const { return defines ? (parses ? 3 : 2) : (parses ? 1 : 0); }
};

Expected<bool> parses(const std::string& code, const CodeQuery& query) {
    const auto error = ASSAY_TRY(syntax::check_syntax(query.language, code));
    return !error.has_value();
}

bool defines(const std::string& code, const CodeQuery& query) {
    return !query.entry_point.empty() &&
           syntax::find_function(query.language, code, query.entry_point).has_value();
}

Expected<void> judge(Candidate& c, const CodeQuery& query) {
    c.parses = ASSAY_TRY(parses(c.code, query));
    c.defines = defines(c.code, query);
    return {};
}

// Whether `a` beats the best so far, `b`.
bool better(const Candidate& a, const Candidate& b) {
    if (a.rank() != b.rank()) return a.rank() > b.rank();
    return a.rank() >= 2 || a.code.size() > b.code.size();
}

std::vector<Candidate> fenced_candidates(std::string_view reply, const CodeQuery& query) {
    const std::vector<CodeBlock> blocks = fenced_blocks(reply);
    const bool any_matching = std::any_of(blocks.begin(), blocks.end(), [&](const CodeBlock& b) {
        return tag_matches(b.tag, query) && !trim(b.code).empty();
    });
    std::vector<Candidate> out;
    for (const CodeBlock& block : blocks) {
        if (trim(block.code).empty() || (any_matching && !tag_matches(block.tag, query))) continue;
        const CodeSource source =
            block.terminated ? CodeSource::fenced : CodeSource::unterminated_fence;
        out.push_back({block.code, source, block.begin, block.end});
        if (out.size() == kMaxCandidates) break;
    }
    return out;
}

// Bare code: from the first line that starts code to the end, trailing lines at column 0 that
// do not start code (prose) dropped while the code does not parse (within kMaxTrailingTrims
// drops and kMaxTrimParseBytes parsed).
Expected<std::optional<Candidate>> bare_candidate(std::string_view reply, const CodeQuery& query) {
    const bool marked = !query.code_starts.empty();
    std::vector<Line> lines = split_lines(reply);
    auto first = lines.begin();
    if (marked)
        first = std::find_if(lines.begin(), lines.end(),
                             [&](const Line& l) { return starts_code(l.text, query); });
    if (first == lines.end()) return std::nullopt;
    auto last = lines.end();
    Candidate c{{}, CodeSource::bare, first->begin, reply.size()};
    std::size_t parsed = 0;
    for (std::size_t trims = 0;; ++trims) {
        c.end = std::prev(last)->end;
        c.code = std::string(reply.substr(c.begin, c.end - c.begin));
        c.parses = ASSAY_TRY(parses(c.code, query));
        parsed += c.code.size();
        const Line& tail = *std::prev(last);
        const bool prose_tail =
            marked && indentation(tail.text) == 0 && !starts_code(tail.text, query);
        if (c.parses || !prose_tail || std::prev(last) == first || trims == kMaxTrailingTrims ||
            parsed >= kMaxTrimParseBytes)
            break;
        --last;
    }
    if (trim(c.code).empty()) return std::nullopt;
    c.defines = defines(c.code, query);
    return c;
}

std::string prose_around(std::string_view reply, const Candidate& chosen) {
    const std::string before(trim(reply.substr(0, chosen.begin)));
    const std::string after(trim(reply.substr(std::min(chosen.end, reply.size()))));
    if (before.empty() || after.empty()) return before + after;
    return before + "\n" + after;
}

} // namespace

CodeQuery::CodeQuery(const Language& described, std::string function)
    : language(described.grammar), entry_point(std::move(function)),
      fence_tags(described.fence_tags), code_starts(described.code_starts) {}

CodeQuery::CodeQuery(std::string grammar, std::string function)
    : language(std::move(grammar)), entry_point(std::move(function)) {
    struct Marks {
        std::vector<std::string> fence_tags;
        std::vector<std::string> code_starts;
    };
    static std::mutex mutex;
    static std::map<std::string, Marks, std::less<>> by_grammar;
    const std::lock_guard lock(mutex);
    auto found = by_grammar.find(language);
    if (found == by_grammar.end()) {
        Marks marks;
        if (auto described = language_for_grammar(language))
            marks = {std::move(described->fence_tags), std::move(described->code_starts)};
        found = by_grammar.emplace(language, std::move(marks)).first;
    }
    fence_tags = found->second.fence_tags;
    code_starts = found->second.code_starts;
}

Expected<ExtractedCode> extract_code(std::string_view reply, const CodeQuery& query) {
    std::vector<Candidate> candidates = fenced_candidates(reply, query);
    std::optional<Candidate> best;
    for (Candidate& c : candidates) {
        ASSAY_TRY(judge(c, query));
        if (!best || better(c, *best)) best = c;
    }
    if (!best) best = ASSAY_TRY(bare_candidate(reply, query));
    if (!best) return fail("the reply holds no {} code", query.language);
    return ExtractedCode{best->code, best->source, best->defines, best->parses,
                         prose_around(reply, *best)};
}

namespace {

std::string_view type_name(JsonType type) {
    switch (type) {
    case JsonType::string:
        return "a string";
    case JsonType::integer:
        return "an integer";
    case JsonType::number:
        return "a number";
    case JsonType::boolean:
        return "a boolean";
    case JsonType::array:
        return "an array";
    case JsonType::object:
        return "an object";
    }
    return "a value";
}

bool has_type(const nlohmann::json& value, JsonType type) {
    switch (type) {
    case JsonType::string:
        return value.is_string();
    case JsonType::integer:
        return value.is_number_integer();
    case JsonType::number:
        return value.is_number();
    case JsonType::boolean:
        return value.is_boolean();
    case JsonType::array:
        return value.is_array();
    case JsonType::object:
        return value.is_object();
    }
    return false;
}

Expected<void> validate(const nlohmann::json& object, std::span<const JsonField> required) {
    for (const JsonField& field : required) {
        const auto it = object.find(field.name);
        if (it == object.end()) return fail("the JSON object has no \"{}\"", field.name);
        if (!has_type(*it, field.type))
            return fail("\"{}\" in the JSON object is not {}", field.name, type_name(field.type));
    }
    return {};
}

// The end (one past the closing brace) of the balanced object starting at `open`, or npos.
std::size_t balanced_end(std::string_view text, std::size_t open) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = open; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxJsonDepth) return std::string_view::npos;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

// Texts that may hold the object, most likely first: fenced blocks (json-tagged before others),
// then balanced braces in the whole reply.
std::vector<std::string_view> json_texts(std::string_view reply,
                                         const std::vector<CodeBlock>& blocks) {
    std::vector<std::string_view> texts;
    for (bool want_json : {true, false})
        for (const CodeBlock& b : blocks)
            if ((b.tag == "json" || b.tag == "jsonc") == want_json) texts.emplace_back(b.code);
    std::size_t at = reply.find('{');
    for (std::size_t starts = 0; at != std::string_view::npos && starts < kMaxJsonStarts;
         ++starts) {
        const std::size_t end = balanced_end(reply, at);
        if (end != std::string_view::npos) texts.push_back(reply.substr(at, end - at));
        at = reply.find('{', at + 1);
    }
    return texts;
}

} // namespace

Expected<nlohmann::json> extract_json_object(std::string_view reply,
                                             std::span<const JsonField> required) {
    const std::vector<CodeBlock> blocks = fenced_blocks(reply);
    std::optional<Error> first_problem;
    for (std::string_view text : json_texts(reply, blocks)) {
        nlohmann::json value =
            nlohmann::json::parse(text.begin(), text.end(), nullptr, false, true);
        if (value.is_discarded() || !value.is_object()) continue;
        auto valid = validate(value, required);
        if (valid) return value;
        if (!first_problem) first_problem = valid.error();
    }
    if (first_problem) return Unexpected(*first_problem);
    return fail("the reply holds no JSON object");
}

} // namespace assay::llm

namespace assay::llm {

namespace {

std::string_view strip(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The name of a heading line, or "" when the line is not one.
std::string heading_name(std::string_view line) {
    std::size_t hashes = 0;
    while (hashes < line.size() && line[hashes] == '#')
        ++hashes;
    if (hashes == 0 || hashes > 6 || hashes >= line.size() || line[hashes] != ' ') return {};
    std::string_view name = strip(line.substr(hashes));
    while (!name.empty() && (name.back() == ':' || name.back() == '*' || name.back() == '#'))
        name = strip(name.substr(0, name.size() - 1));
    while (!name.empty() && name.front() == '*')
        name.remove_prefix(1);
    std::string out;
    for (const char c : name)
        out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

} // namespace

std::vector<Section> sections(std::string_view reply) {
    const std::vector<CodeBlock> blocks = fenced_blocks(reply);
    std::vector<Section> out;
    std::size_t body_start = 0;
    auto close = [&](std::size_t end) {
        if (!out.empty())
            out.back().body = std::string(strip(reply.substr(body_start, end - body_start)));
    };
    std::size_t block = 0;
    for (std::size_t at = 0; at < reply.size();) {
        std::size_t eol = reply.find('\n', at);
        if (eol == std::string_view::npos) eol = reply.size();
        while (block < blocks.size() && blocks[block].end <= at)
            ++block;
        const bool in_block = block < blocks.size() && blocks[block].begin <= at;
        if (!in_block) {
            std::string name = heading_name(reply.substr(at, eol - at));
            if (!name.empty()) {
                close(at);
                out.push_back({std::move(name), {}});
                body_start = std::min(eol + 1, reply.size());
            }
        }
        at = eol + 1;
    }
    close(reply.size());
    return out;
}

std::optional<std::string> section(const std::vector<Section>& all, std::string_view name) {
    for (const Section& s : all)
        if (s.name == name) return s.body;
    return std::nullopt;
}

} // namespace assay::llm

namespace assay::llm {

namespace {

constexpr std::array<std::string_view, 2> kThinkTags{"think", "thinking"};
constexpr std::size_t kNone = std::string_view::npos;

bool same_letter(char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
}

// The end of the tag `<name>` (closing: `</name>`; any case, blanks before the `>`) that starts
// at `at`, or kNone.
std::size_t tag_at(std::string_view text, std::size_t at, std::string_view name, bool closing) {
    const std::string_view open = closing ? "</" : "<";
    if (text.substr(at, open.size()) != open) return kNone;
    const std::string_view word = text.substr(at + open.size(), name.size());
    if (word.size() != name.size() ||
        !std::equal(word.begin(), word.end(), name.begin(), name.end(), same_letter))
        return kNone;
    const std::size_t end = text.find_first_not_of(" \t\r\n", at + open.size() + name.size());
    return end != kNone && text[end] == '>' ? end + 1 : kNone;
}

struct Span {
    std::size_t begin = kNone;
    std::size_t end = kNone;
};

// The first tag `<name>` (or `</name>`) at or after `from`.
Span find_tag(std::string_view text, std::string_view name, bool closing, std::size_t from) {
    for (std::size_t at = text.find('<', from); at != kNone; at = text.find('<', at + 1))
        if (const std::size_t end = tag_at(text, at, name, closing); end != kNone) return {at, end};
    return {};
}

// The first closing think tag with no opening tag of its name before it, outside terminated
// fenced blocks, or an empty span.
Span orphan_close(std::string_view text) {
    Span first;
    std::optional<std::vector<CodeBlock>> blocks; // read only when a closing tag is there
    const auto fenced = [&](std::size_t at) {
        if (!blocks) blocks = fenced_blocks(text);
        // Blocks are in order and do not overlap: the one that may hold `at` starts last before.
        const auto after = std::upper_bound(
            blocks->begin(), blocks->end(), at,
            [](std::size_t position, const CodeBlock& b) { return position < b.begin; });
        if (after == blocks->begin()) return false;
        const CodeBlock& b = *std::prev(after);
        return b.terminated && at < b.end;
    };
    for (const std::string_view name : kThinkTags) {
        Span tag = find_tag(text, name, true, 0);
        while (tag.begin != kNone && fenced(tag.begin))
            tag = find_tag(text, name, true, tag.end);
        if (tag.begin != kNone && tag.begin < first.begin &&
            find_tag(text.substr(0, tag.begin), name, false, 0).begin == kNone)
            first = tag;
    }
    return first;
}

// Reads the think blocks that start `text` at `at` (blanks before each) into `parts`, and moves
// `at` past them. False when the last one never closes (`at` is then the end).
bool leading_blocks(std::string_view text, std::size_t& at, std::vector<std::string_view>& parts) {
    for (;;) {
        const std::size_t start = text.find_first_not_of(" \t\r\n", at);
        if (start == kNone) return true;
        std::string_view name;
        std::size_t body = kNone;
        for (const std::string_view candidate : kThinkTags)
            if (body = tag_at(text, start, candidate, false); body != kNone) {
                name = candidate;
                break;
            }
        if (body == kNone) return true;
        const Span close = find_tag(text, name, true, body);
        parts.push_back(text.substr(body, close.begin == kNone ? kNone : close.begin - body));
        at = close.begin == kNone ? text.size() : close.end;
        if (close.begin == kNone) return false;
    }
}

} // namespace

Reasoned split_reasoning(std::string_view reply) {
    std::vector<std::string_view> parts;
    std::size_t at = 0;
    bool closed = leading_blocks(reply, at, parts);
    if (parts.empty()) {
        const Span orphan = orphan_close(reply);
        if (orphan.begin == kNone) return {std::string(reply), {}};
        parts.push_back(reply.substr(0, orphan.begin));
        at = orphan.end;
        closed = leading_blocks(reply, at, parts);
    }
    std::string reasoning;
    for (const std::string_view part : parts) {
        const std::string_view text = trim(part);
        if (text.empty()) continue;
        if (!reasoning.empty()) reasoning += "\n\n";
        reasoning += text;
    }
    const std::size_t answer = closed ? reply.find_first_not_of(" \t\r\n", at) : kNone;
    return {answer == kNone ? std::string() : std::string(reply.substr(answer)),
            std::move(reasoning)};
}

} // namespace assay::llm
