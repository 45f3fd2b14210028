// libFuzzer target for reading model replies (untrusted text): reasoning, fences, code choice,
// JSON, and the chat-completions body itself.
// Build with -DASSAY_FUZZ=ON (clang), run: build/fuzz_reply_parser -max_len=8192 corpus/
#include "llm/client.hpp"
#include "llm/reply_parser.hpp"
#include "pipeline/llm_stages.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the language and whether an entry point is asked for.
    static constexpr std::string_view languages[] = {"python", "javascript", "cpp"};
    const std::string_view language = languages[data[0] % 3];
    const bool named = (data[0] & 0x10) != 0;
    const std::string_view reply(reinterpret_cast<const char*>(data) + 1, size - 1);
    using namespace assay::llm;
    for (const CodeBlock& block : fenced_blocks(reply))
        if (block.begin > block.end || block.end > reply.size()) __builtin_trap();
    (void)extract_code(reply, {std::string(language), named ? "f" : ""});
    static const JsonField fields[] = {{"tests", JsonType::array}, {"score", JsonType::number}};
    (void)extract_json_object(reply);
    (void)extract_json_object(reply, fields);
    (void)parse_chat_response(reply);
    const Reasoned split = split_reasoning(reply);
    if (split.answer.size() + split.reasoning.size() > reply.size()) __builtin_trap();
    (void)extract_code(split.answer, {std::string(language), named ? "f" : ""});
    for (const Section& section : sections(reply))
        if (section.name.empty()) __builtin_trap();
    static const assay::Language python = assay::load_language("python").value();
    if (const auto problem = assay::pipeline::parse_problem_reply(python, std::string(reply)))
        if (problem->tests.size() < 4 || problem->entry_point.empty()) __builtin_trap();
    return 0;
}
