#include "support/fake_llm.hpp"
#include "tools/fake_request.hpp"

#include <doctest/doctest.h>

using namespace assay;
using namespace assay::tools;
using assay::testing::chat_body;
using assay::testing::prompt_request;
using assay::testing::render_prompt;
using nlohmann::json;

TEST_CASE("tools::task_kind") {
    CHECK(task_kind("### Task: solve\nSolve it.") == "solve");
    CHECK(task_kind("intro\n### Task:   reflexion-retry  \nmore") == "reflexion-retry");
    CHECK(task_kind("text ### Task: solve") == ""); // not at the start of a line
    CHECK(task_kind("").empty());
    CHECK(task_kind("### Task:").empty());
}

TEST_CASE("tools::named_entry_point") {
    CHECK(named_entry_point("The tests call the function `rle_encode`.") == "rle_encode");
    CHECK(named_entry_point("Write it.\nENTRY_POINT: task_3") == "task_3");
    CHECK(named_entry_point("Fix:\n```python\nimport os\ndef helper(x):\n    pass\n```") ==
          "helper");
    CHECK(named_entry_point("def   spaced (a):\n  return a") == "spaced");
    CHECK(named_entry_point("the function `` and `not closed").empty());
    CHECK(named_entry_point("nothing here").empty());
    SUBCASE("the template's name wins over a def in its code") {
        CHECK(named_entry_point("The function `main_one` below:\n```python\ndef helper():\n    "
                                "pass\ndef main_one():\n    pass\n```") == "main_one");
    }
}

TEST_CASE("tools::mentioned_names") {
    const auto names = mentioned_names("Call `f` then g(1) and g(2); `h` is `not closed; x = y");
    CHECK(names == std::vector<std::string>{"f", "g", "h"});
}

TEST_CASE("tools::read_request reads every template the pipeline sends") {
    SUBCASE("solve") {
        const FakeRequest r =
            read_request(prompt_request("solve", {{"entry_point", "rle"}, {"prompt", "P"}}, 1));
        CHECK(r.kind == "solve");
        CHECK(r.entry_point == "rle");
        CHECK(r.user.size() == 1);
        CHECK(r.max_tokens == 2048);
        CHECK(!r.canonical.empty());
    }
    SUBCASE("tests") {
        const FakeRequest r = read_request(
            prompt_request("tests", {{"entry_point", "rle"}, {"prompt", "P"}, {"count", "7"}}, 1));
        CHECK(r.kind == "tests");
        CHECK(r.entry_point == "rle");
        CHECK(r.count == 7);
    }
    SUBCASE("bug") {
        const FakeRequest r =
            read_request(prompt_request("bug",
                                        {{"entry_point", "f"},
                                         {"prompt", "Write a function `g`."},
                                         {"code", "def f(x):\n    return x + 1"},
                                         {"category", "off-by-one"},
                                         {"category_description", "a bound (one too far)"}},
                                        1));
        CHECK(r.kind == "bug");
        CHECK(r.entry_point == "f");
        CHECK(r.program == "def f(x):\n    return x + 1\n");
        CHECK(r.category == "off-by-one");
    }
    SUBCASE("refactor") {
        const FakeRequest r = read_request(prompt_request(
            "refactor",
            {{"entry_point", "f"}, {"goal", "G"}, {"prompt", "P"}, {"code", "def f():\n    pass"}},
            1));
        CHECK(r.kind == "refactor");
        CHECK(r.entry_point == "f");
        CHECK(r.program == "def f():\n    pass\n");
    }
    SUBCASE("instruct") {
        const FakeRequest r = read_request(prompt_request(
            "instruct", {{"topic", "dates-and-times"}, {"difficulty", "hard"}, {"examples", "E"}},
            1));
        CHECK(r.kind == "instruct");
        CHECK(r.topic == "dates-and-times");
        CHECK(r.entry_point.empty());
    }
    SUBCASE("reflexion-retry: the entry point comes from the first user message") {
        const std::string first = render_prompt(
            "reflexion", "user", {{"entry_point", "rle"}, {"prompt", "P"}, {"tests", "assert 1"}});
        const std::string retry =
            render_prompt("reflexion", "retry",
                          {{"tests_passed", "1"},
                           {"tests_total", "3"},
                           {"feedback", "visible_1: assert rle('a') == 'a1'\n  got 'a'"}});
        const FakeRequest r = read_request(chat_body(
            {{"system", "S"}, {"user", first}, {"assistant", "```python\nx\n```"}, {"user", retry}},
            1));
        CHECK(r.kind == "reflexion-retry");
        CHECK(r.entry_point == "rle");
        CHECK(r.assistant.size() == 1);
        CHECK(r.feedback == "visible_1: assert rle('a') == 'a1'\n  got 'a'");
    }
}

TEST_CASE("tools::read_request on hostile bodies") {
    CHECK(read_request(json::array()).kind.empty());
    CHECK(read_request(json("text")).user.empty());
    CHECK(read_request(json{{"messages", 5}}).user.empty());
    CHECK(read_request(json{{"messages", json::array({1, "x", json::object()})}}).user.empty());
    const FakeRequest odd = read_request(json{
        {"messages",
         {{{"role", "user"},
           {"content",
            {{{"type", "text"}, {"text", "### Task: "}}, {{"type", "text"}, {"text", "solve"}}}}}}},
        {"max_tokens", "many"}});
    CHECK(odd.kind == "solve");
    CHECK(odd.max_tokens == 1024);
    CHECK(read_request(json{{"messages", json::array()}, {"max_tokens", -5}}).max_tokens == 1);
}
