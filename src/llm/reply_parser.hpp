// Reading model replies, which are untrusted text: the reasoning split from the answer, code from
// fenced blocks or bare text, JSON objects validated against the fields the caller needs. Linear in
// the reply's size apart from a bounded number of parses; never throws on any input.
#pragma once

#include "util/error.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace assay {
struct Language; // core/language.hpp
} // namespace assay

namespace assay::llm {

// A reply of a reasoning model (DeepSeek-R1, Qwen3, QwQ, …) split into its reasoning and its
// answer. Everything else in this file reads an answer: code, sections and JSON objects are never
// taken from the reasoning, which often holds drafts of the very function asked for.
struct Reasoned {
    std::string answer;
    std::string reasoning; // "" when the reply has none
};

// Splits off the reasoning a reply starts with: each leading `<think>…</think>` or
// `<thinking>…</thinking>` block (tags in any case, whitespace around them and between blocks;
// the first closing tag of the same name ends a block). A closing tag with no opening tag before
// it (servers that put the opening tag in the prompt and strip it from the reply) makes
// everything before it reasoning, unless it lies inside a terminated fenced block. A block that
// never closes makes the whole rest of the reply reasoning and the answer empty. The answer is
// the rest with its leading whitespace removed; a reply with no reasoning is its own answer,
// unchanged. The reasoning is the blocks' texts, trimmed, joined by a blank line.
[[nodiscard]] Reasoned split_reasoning(std::string_view reply);

// One fenced block of a reply.
struct CodeBlock {
    std::string tag;        // first word of the info string, lower-case ("" if none)
    std::string code;       // the lines between the fences, the fence's indentation removed
    bool terminated = true; // false: the reply ended inside the block (a truncated reply)
    std::size_t begin = 0;  // byte span of the block in the reply, fences included
    std::size_t end = 0;
};

// Fenced blocks in order: a line of three or more ``` or ~~~ (any indentation, an optional info
// string) opens a block that a line of the same character, at least as long and with nothing
// after it, closes. A block still open at the end runs to the end of the reply.
[[nodiscard]] std::vector<CodeBlock> fenced_blocks(std::string_view reply);

enum class CodeSource { fenced, unterminated_fence, bare };

// What code to look for, and how a reply marks it: from the language's descriptor.
struct CodeQuery {
    std::string language;    // a grammar name, as syntax::check_syntax takes
    std::string entry_point; // the function the code must define; "" when any will do
    // Info-string words of a fence that mean the language (lower-case); an untagged block and
    // the grammar name always do (Language::fence_tags).
    std::vector<std::string> fence_tags;
    // Prefixes of a line at column 0 that start code in a reply without fences; none: the whole
    // reply is the code (Language::code_starts).
    std::vector<std::string> code_starts;

    // The descriptor's grammar, fence tags and code starts.
    CodeQuery(const Language& described, std::string function);
    // The grammar with the fence tags and code starts of the descriptor under languages/ that
    // has this grammar (none when no descriptor has it), read once per grammar: for callers that
    // hold a grammar name and no descriptor (the fake model in src/tools, tests).
    CodeQuery(std::string grammar, std::string function);
};

struct ExtractedCode {
    std::string code;
    CodeSource source = CodeSource::fenced;
    bool defines_entry_point = false; // always false when the query names none
    bool parses = false;              // no syntax error
    std::string prose;                // the reply without the chosen code, trimmed
};

// The code of an answer (a reply without its reasoning: split_reasoning). From fenced blocks tagged
// with the language (its grammar name or one of `fence_tags`) or untagged (blocks tagged otherwise
// only when there is nothing else), preferring in turn: the last block that defines the entry point
// and parses; the last that defines it; the longest that parses; the longest. Without fences: the
// reply from its first line that starts code (one of `code_starts` at column 0, such as `def `),
// trailing prose lines dropped until it parses. Fails when the reply holds no code or `language`
// has no grammar.
[[nodiscard]] Expected<ExtractedCode> extract_code(std::string_view reply, const CodeQuery& query);

enum class JsonType { string, integer, number, boolean, array, object };

// A field a JSON reply must have, and its type (`number` accepts integers too).
struct JsonField {
    std::string name;
    JsonType type = JsonType::string;
};

// The first JSON object of a reply that has every `required` field with its type: the content of
// a fenced block (```json or any other), else a balanced `{…}` in the text (nested at most 256
// deep), prose around it ignored. Comments are tolerated. Fails naming what was missing when no
// object qualifies.
[[nodiscard]] Expected<nlohmann::json>
extract_json_object(std::string_view reply, std::span<const JsonField> required = {});

} // namespace assay::llm

namespace assay::llm {

// One markdown section of a reply: a heading line (`#` to `######`, then the name) and the text
// up to the next heading.
struct Section {
    std::string name; // lower-case, trimmed, without trailing ':' or emphasis: "entry point"
    std::string body; // trimmed
};

// The sections of a reply in order. A heading-like line inside a fenced block belongs to the
// block. Text before the first heading is not a section.
[[nodiscard]] std::vector<Section> sections(std::string_view reply);

// The body of the first section called `name` (lower-case), or nullopt.
[[nodiscard]] std::optional<std::string> section(const std::vector<Section>& all,
                                                 std::string_view name);

} // namespace assay::llm
