// Reading untrusted model replies: code blocks, bare code, JSON objects.
#include "core/language.hpp"
#include "llm/reply_parser.hpp"
#include "util/string.hpp"

#include <array>
#include <chrono>
#include <doctest/doctest.h>

using namespace assay::llm;

namespace {

const std::string kFunction = "def add(a, b):\n    return a + b\n";

const assay::Language& python() {
    static const assay::Language language = assay::load_language("python").value();
    return language;
}

CodeQuery query(std::string entry_point) {
    return {python(), std::move(entry_point)};
}

ExtractedCode extract(std::string_view reply, std::string entry_point = "add") {
    auto code = extract_code(reply, query(std::move(entry_point)));
    REQUIRE(code);
    return *code;
}

} // namespace

TEST_CASE("llm::fenced_blocks") {
    SUBCASE("backticks and tildes, tags, terminated or not") {
        const auto blocks =
            fenced_blocks("a\n```python\nx = 1\n```\nb\n~~~\ny = 2\n~~~\n```Py title=\"t\"\nz");
        REQUIRE(blocks.size() == 3);
        CHECK(blocks[0].tag == "python");
        CHECK(blocks[0].code == "x = 1\n");
        CHECK(blocks[0].terminated);
        CHECK(blocks[1].tag.empty());
        CHECK(blocks[1].code == "y = 2\n");
        CHECK(blocks[2].tag == "py");
        CHECK(blocks[2].code == "z\n");
        CHECK_FALSE(blocks[2].terminated);
    }
    SUBCASE("a longer fence holds a shorter one") {
        const auto blocks = fenced_blocks("````markdown\n```python\nx\n```\n````\n");
        REQUIRE(blocks.size() == 1);
        CHECK(blocks[0].code == "```python\nx\n```\n");
    }
    SUBCASE("indented fences are dedented; CRLF lines") {
        const auto blocks =
            fenced_blocks("1. Step:\r\n   ```python\r\n   def f():\r\n       pass\r\n   ```\r\n");
        REQUIRE(blocks.size() == 1);
        CHECK(blocks[0].code == "def f():\n    pass\n");
    }
    SUBCASE("inline triple backticks are not fences") {
        CHECK(fenced_blocks("use ```x``` here\n").empty());
        CHECK(fenced_blocks("``not a fence``\n").empty());
    }
    SUBCASE("spans cover the fences") {
        const std::string reply = "pre\n```\ncode\n```\npost";
        const auto blocks = fenced_blocks(reply);
        REQUIRE(blocks.size() == 1);
        CHECK(reply.substr(blocks[0].begin, blocks[0].end - blocks[0].begin) == "```\ncode\n```\n");
    }
}

TEST_CASE("llm::extract_code") {
    SUBCASE("prose around one block") {
        const auto code = extract("Here you go:\n\n```python\n" + kFunction + "```\n\nThis adds.");
        CHECK(code.code == kFunction);
        CHECK(code.source == CodeSource::fenced);
        CHECK(code.defines_entry_point);
        CHECK(code.parses);
        CHECK(code.prose == "Here you go:\nThis adds.");
    }
    SUBCASE("the block that defines the entry point beats a longer example") {
        const auto code = extract("```python\n" + kFunction +
                                  "```\nUsage:\n```python\n"
                                  "print(add(1, 2))\nprint(add(3, 4))\nprint(add(5, 6))\n```\n");
        CHECK(code.code == kFunction);
    }
    SUBCASE("the last definition wins (a corrected version)") {
        const std::string fixed = "def add(a, b):\n    return b + a\n";
        const auto code =
            extract("```python\n" + kFunction + "```\nBetter:\n```python\n" + fixed + "```\n");
        CHECK(code.code == fixed);
    }
    SUBCASE("a definition that parses beats a broken one") {
        const auto code = extract("```python\n" + kFunction +
                                  "```\nOr:\n```python\ndef add(a, b)\n    return\n```\n");
        CHECK(code.code == kFunction);
    }
    SUBCASE("blocks in other languages are skipped") {
        const auto code = extract(
            "```bash\npip install numpy && echo done && echo more && echo more\n```\n```\n" +
            kFunction + "```\n");
        CHECK(code.code == kFunction);
    }
    SUBCASE("without an entry point: the longest block that parses") {
        const auto code = extract(
            "```python\nx = 1\n```\n```python\n" + kFunction + "```\n```python\ndef (((\n```", "");
        CHECK(code.code == kFunction);
        CHECK_FALSE(code.defines_entry_point);
    }
    SUBCASE("a truncated reply: the unterminated final fence") {
        const auto code = extract("Thinking...\n```python\ndef add(a, b):\n    return a +");
        CHECK(code.source == CodeSource::unterminated_fence);
        CHECK(code.defines_entry_point);
        CHECK_FALSE(code.parses);
    }
    SUBCASE("tildes") {
        CHECK(extract("~~~py\n" + kFunction + "~~~\n").code == kFunction);
    }
    SUBCASE("bare code") {
        const auto code = extract(kFunction);
        CHECK(code.code == kFunction);
        CHECK(code.source == CodeSource::bare);
    }
    SUBCASE("bare code with prose before and after") {
        const auto code = extract("Sure! Here is the function.\n\nfrom math import *\n" +
                                  kFunction + "\nThis runs in O(1) time.\nHope it helps!\n");
        CHECK(code.code == "from math import *\n" + kFunction + "\n");
        CHECK(code.parses);
        CHECK(code.prose.starts_with("Sure!"));
        CHECK(code.prose.ends_with("Hope it helps!"));
    }
    SUBCASE("no code at all") {
        CHECK_FALSE(extract_code("I cannot help with that.", query("add")));
        CHECK_FALSE(extract_code("", query("add")));
        CHECK_FALSE(extract_code("```python\n\n```\n", query("add")));
    }
    SUBCASE("an unknown grammar fails") {
        CHECK_FALSE(extract_code("```\nx\n```", {"cobol", ""}));
    }
}

TEST_CASE("llm::CodeQuery: how a reply marks code comes from the language") {
    SUBCASE("from a descriptor: its grammar, fence tags and code starts") {
        const CodeQuery q(python(), "add");
        CHECK(q.language == python().grammar);
        CHECK(q.fence_tags == python().fence_tags);
        CHECK(q.code_starts == python().code_starts);
    }
    SUBCASE("the grammar-only form reads the descriptor with that grammar") {
        const CodeQuery q(python().grammar, "add");
        CHECK(q.fence_tags == python().fence_tags);
        CHECK(q.code_starts == python().code_starts);
        CHECK(CodeQuery("cobol", "").fence_tags.empty());
    }
    SUBCASE("fence tags: only the caller's count, besides the grammar name and no tag") {
        assay::Language snake = python();
        snake.fence_tags = {"snake"};
        const std::string reply = "```py\nx = 1\n```\n```snake\n" + kFunction + "```\n";
        CHECK(extract_code(reply, {snake, ""})->code == kFunction);
        CHECK(extract_code(reply, query("add"))->code == "x = 1\n");
        snake.fence_tags.clear();
        CHECK(extract_code("```python\nx = 1\n```\n```snake\n" + kFunction + "```\n", {snake, ""})
                  ->code == "x = 1\n");
    }
    SUBCASE("code starts: without any, a reply without fences is all code") {
        const std::string reply = "Here it is.\n" + kFunction;
        CHECK(extract(reply).code == kFunction);
        assay::Language plain = python();
        plain.code_starts.clear();
        CHECK(extract_code(reply, {plain, "add"})->code == reply);
        plain.code_starts = {"Here"};
        CHECK(extract_code(reply, {plain, "add"})->code == reply);
    }
}

TEST_CASE("llm::extract_code on hostile replies") {
    SUBCASE("huge") {
        std::string reply = "```python\n" + kFunction + "```\n";
        reply += std::string(4 << 20, 'x');
        CHECK(extract(reply).code == kFunction);
    }
    SUBCASE("many blocks") {
        std::string reply;
        for (int i = 0; i < 5000; ++i)
            reply += "```\nx = " + std::to_string(i) + "\n```\n";
        reply += "```python\n" + kFunction + "```\n";
        CHECK(extract_code(reply, query("add")));
    }
    SUBCASE("NUL bytes") {
        std::string reply = "```python\n" + kFunction + "```\n";
        reply.insert(3, 1, '\0');
        reply += std::string("\0\0```\0", 6);
        CHECK(extract_code(reply, query("add")));
        (void)extract_code(std::string("\0def add(a, b):\0", 16), query("add"));
    }
    SUBCASE("unbalanced fences") {
        for (const char* reply : {"```", "```\n", "~~~~\n```\n", "```python\n```python\n```\n```",
                                  "\n```\n\n```\n```\n", "`````````````````````````````````"})
            (void)extract_code(reply, query("add"));
        CHECK(extract("```\n```python\n" + kFunction + "```\n").code.find("def add") !=
              std::string::npos);
    }
    SUBCASE("long lines of prose with no code") {
        CHECK_FALSE(extract_code(std::string(1 << 20, 'a') + " b", query("add")));
    }
    SUBCASE("bare code that never parses, then thousands of lines of prose") {
        // Each trailing line dropped meant a parse of everything before it (prose parses at
        // about half a megabyte a second): 64 of them over 200 kB took a minute.
        std::string reply = "def add(a, b):\n    return (a + b\n";
        for (int i = 0; i < 5000; ++i)
            reply += "This line is prose and it goes on for a while, number " + std::to_string(i) +
                     ".\n";
        const auto started = std::chrono::steady_clock::now();
        const auto code = extract_code(reply, query("add"));
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        REQUIRE(code);
        CHECK(!code->parses);
        CHECK(code->defines_entry_point);
        CHECK(took.count() < 15);
    }
}

TEST_CASE("llm::extract_json_object") {
    const std::vector<JsonField> fields{{"tests", JsonType::array}, {"reason", JsonType::string}};
    SUBCASE("in a json fence with prose") {
        const auto json = extract_json_object(
            "Sure:\n```json\n{\"tests\": [\"assert f(1) == 2\"], \"reason\": \"edge\"}\n```\nDone.",
            fields);
        REQUIRE(json);
        CHECK((*json)["tests"].size() == 1);
    }
    SUBCASE("bare with trailing prose and braces in strings") {
        const auto json = extract_json_object("Result: {\"tests\": [\"x = {1: '}'}\"], \"reason\": "
                                              "\"a \\\"}\\\" b\"} -- that is all {",
                                              fields);
        REQUIRE(json);
        CHECK((*json)["tests"][0] == "x = {1: '}'}");
    }
    SUBCASE("the first object that validates") {
        const auto json =
            extract_json_object("{\"a\": 1} then {\"tests\": [], \"reason\": \"r\"}", fields);
        REQUIRE(json);
        CHECK(json->contains("tests"));
    }
    SUBCASE("comments are tolerated") {
        CHECK(extract_json_object(
            "```json\n{\n  // why\n  \"tests\": [], \"reason\": \"r\"\n}\n```", fields));
    }
    SUBCASE("validation names the problem") {
        const auto missing = extract_json_object("{\"tests\": []}", fields);
        REQUIRE_FALSE(missing);
        CHECK(missing.error().message.find("reason") != std::string::npos);
        const auto wrong = extract_json_object("{\"tests\": \"x\", \"reason\": \"r\"}", fields);
        REQUIRE_FALSE(wrong);
        CHECK(wrong.error().message.find("an array") != std::string::npos);
    }
    SUBCASE("number accepts integers; integer refuses floats") {
        const std::vector<JsonField> n{{"score", JsonType::number}};
        const std::vector<JsonField> i{{"score", JsonType::integer}};
        CHECK(extract_json_object("{\"score\": 3}", n));
        CHECK_FALSE(extract_json_object("{\"score\": 3.5}", i));
    }
    SUBCASE("no object") {
        CHECK_FALSE(extract_json_object("no json here"));
        CHECK_FALSE(extract_json_object("[1, 2, 3]"));
        CHECK_FALSE(extract_json_object("{\"unterminated\": "));
    }
    SUBCASE("hostile: deep nesting, many braces, NULs") {
        CHECK_FALSE(extract_json_object(std::string(100'000, '{')));
        CHECK_FALSE(extract_json_object(std::string(100'000, '[')));
        const std::string deep = std::string(300, '[') + std::string(300, ']');
        CHECK_FALSE(extract_json_object("{\"a\": " + deep + "}"));
        CHECK(extract_json_object(std::string("\0{\"a\": 1}\0", 10)));
    }
}

TEST_CASE("llm::sections") {
    const std::string reply =
        "Sure! Here it is.\n\n## Title\nSum of squares\n\n### Entry point:\n"
        "`sum_squares`\n## **Problem**\nAdd the squares.\n## Solution\n"
        "```python\n# not a heading\ndef sum_squares(xs):\n    return 0\n```\n"
        "#Tests\nnot a heading either\n";
    const auto all = sections(reply);
    REQUIRE(all.size() == 4);
    CHECK(all[0].name == "title");
    CHECK(all[0].body == "Sum of squares");
    CHECK(all[1].name == "entry point");
    CHECK(all[1].body == "`sum_squares`");
    CHECK(all[2].name == "problem");
    CHECK(all[3].name == "solution");
    // The comment inside the fence and `#Tests` (no space) are not headings.
    CHECK(all[3].body.find("# not a heading") != std::string::npos);
    CHECK(all[3].body.find("#Tests") != std::string::npos);
    CHECK(section(all, "problem") == std::optional<std::string>("Add the squares."));
    CHECK(!section(all, "tests"));
    CHECK(sections("").empty());
    CHECK(sections("no headings at all\n```\n## inside\n```").empty());
    // An unterminated fence swallows the rest; a lone '#' line is not a heading.
    CHECK(sections("## A\n```\n## B\n").size() == 1);
    CHECK(sections("#\n# \n##\n").empty());
}

TEST_CASE("llm::split_reasoning") {
    const std::string draft = "```python\ndef add(a, b):\n    return a - b\n```\n";
    const std::string answer = "Here:\n\n```python\n" + kFunction + "```\n";
    SUBCASE("a reply without reasoning is its own answer, byte for byte") {
        for (const std::string& reply :
             {answer, std::string(), std::string("  \n  x  \n"), std::string("<b>bold</b> text"),
              std::string("I will <think> about it"), std::string("a < b and c > d")}) {
            const Reasoned split = split_reasoning(reply);
            CHECK(split.answer == reply);
            CHECK(split.reasoning.empty());
        }
    }
    SUBCASE("a think block, in any case, with whitespace around") {
        for (const std::string open :
             {"<think>", "<THINK>", "<Think >", "<thinking>", "<THINKING>"}) {
            std::string close = open;
            close.insert(1, "/");
            const Reasoned split = split_reasoning("\n  " + open + "\n  Let me see.\n" + draft +
                                                   close + "\n\n" + answer);
            INFO(open);
            CHECK(split.answer == answer);
            CHECK(split.reasoning == "Let me see.\n" + assay::util::trimmed(draft));
        }
    }
    SUBCASE("a block is closed by a tag of its own name") {
        const Reasoned split = split_reasoning("<thinking>a </think> b</thinking>done");
        CHECK(split.reasoning == "a </think> b");
        CHECK(split.answer == "done");
    }
    SUBCASE("several blocks in a row, empty ones dropped") {
        const Reasoned split = split_reasoning(
            "<think>one</think>\n<think>\n</think> <thinking>two</thinking>\n" + answer);
        CHECK(split.reasoning == "one\n\ntwo");
        CHECK(split.answer == answer);
    }
    SUBCASE("a block that never closes: all reasoning, no answer") {
        const Reasoned split = split_reasoning("<think>\nLet me draft it.\n" + draft);
        CHECK(split.answer.empty());
        CHECK(split.reasoning == "Let me draft it.\n" + assay::util::trimmed(draft));
        CHECK_FALSE(extract_code(split.answer, query("add")));
        const Reasoned after = split_reasoning("<think>a</think>\n<think>b");
        CHECK(after.answer.empty());
        CHECK(after.reasoning == "a\n\nb");
    }
    SUBCASE("a closing tag with no opening tag: everything before it is reasoning") {
        const Reasoned split = split_reasoning("Okay, so\n" + draft + "</think>\n\n" + answer);
        CHECK(split.reasoning == "Okay, so\n" + assay::util::trimmed(draft));
        CHECK(split.answer == answer);
        const Reasoned upper = split_reasoning("hmm\n</THINKING>\nfinal");
        CHECK(upper.reasoning == "hmm");
        CHECK(upper.answer == "final");
        // A block may follow it.
        const Reasoned more = split_reasoning("a</think><think>b</think>c");
        CHECK(more.reasoning == "a\n\nb");
        CHECK(more.answer == "c");
    }
    SUBCASE("a closing tag inside a fenced block of the answer is code") {
        const std::string reply =
            "```python\ndef strip(s):\n    return s.split('</think>')[-1]\n```\n";
        CHECK(split_reasoning(reply).answer == reply);
        CHECK(split_reasoning(reply).reasoning.empty());
    }
    SUBCASE("a closing tag after an opening one later in the text is not an orphan") {
        const std::string reply = "Sure. <think>x</think> y";
        CHECK(split_reasoning(reply).answer == reply);
    }
    SUBCASE("code is taken from the answer, never from a draft in the reasoning") {
        // The draft defines the entry point and parses, and the answer is bare code: read
        // whole, the extractor would pick the draft.
        const std::string reply = "<think>\n" + draft + "</think>\n" + kFunction;
        const auto whole = extract(reply);
        CHECK(whole.code.find("a - b") != std::string::npos);
        const auto code = extract(split_reasoning(reply).answer);
        CHECK(code.code == kFunction);
        CHECK(code.source == CodeSource::bare);
    }
    SUBCASE("sections and JSON objects come from the answer") {
        const std::string reply = "<think>\n## Solution\n" + draft + R"({"score": 1})" +
                                  "\n</think>\n## Title\nAdd\n## Solution\n```python\n" +
                                  kFunction + "```\n" + R"({"score": 2})";
        const Reasoned split = split_reasoning(reply);
        CHECK(section(sections(reply), "solution")->find("a - b") != std::string::npos);
        CHECK(section(sections(split.answer), "solution")->find("a + b") != std::string::npos);
        CHECK(section(sections(split.answer), "title") == "Add");
        const std::array fields{JsonField{"score", JsonType::integer}};
        CHECK((*extract_json_object(reply, fields))["score"] == 1);
        CHECK((*extract_json_object(split.answer, fields))["score"] == 2);
    }
    SUBCASE("hostile replies stay linear") {
        const std::string many(1 << 20, '<');
        const auto start = std::chrono::steady_clock::now();
        CHECK(split_reasoning(many).answer == many);
        CHECK(split_reasoning("</think" + many).answer.size() == many.size() + 7);
        std::string opens;
        for (int i = 0; i < 20000; ++i)
            opens += "<think>x</think>";
        CHECK(split_reasoning(opens).answer.empty());
        std::string fenced_closes; // every closing tag inside a block: each one looked up
        for (int i = 0; i < 20000; ++i)
            fenced_closes += "```\n</think>\n```\n";
        CHECK(split_reasoning(fenced_closes).answer == fenced_closes);
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }
}
