#include "dataset/problem_files.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace assay;
using assay::testing::TempDir;

namespace {
const char* kProblem = R"(id = "bank/add"
language = "python"
title = "Add"
entry_point = "add"
difficulty = "easy"
topics = ["arithmetic"]
prompt = "Add two numbers."
solution = '''
def add(a, b):
    return a + b
'''
visible = ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]
hidden = ["assert add(-1, 1) == 0"]
)";
} // namespace

TEST_CASE("dataset::parse_problem_toml") {
    SUBCASE("a valid problem") {
        auto p = dataset::parse_problem_toml(kProblem, "add.toml");
        REQUIRE(p);
        CHECK(p->id == "bank/add");
        CHECK(p->entry_point == "add");
        REQUIRE(p->tests.size() == 3);
        CHECK(p->tests[0].name == "visible_0");
        CHECK(p->tests[2].visibility == Visibility::hidden);
        CHECK(p->topics == std::vector<std::string>{"arithmetic"});
    }
    SUBCASE("a syntax error names the line") {
        std::string broken = kProblem;
        broken.insert(broken.find("title"), "oops = = 1\n");
        auto p = dataset::parse_problem_toml(broken, "bad.toml");
        REQUIRE_FALSE(p);
        CHECK(p.error().where == "bad.toml:3");
    }
    SUBCASE("a missing key is named") {
        std::string missing = kProblem;
        missing.erase(missing.find("entry_point"), std::string("entry_point = \"add\"\n").size());
        auto p = dataset::parse_problem_toml(missing, "m.toml");
        REQUIRE_FALSE(p);
        CHECK(p.error().message.find("entry_point") != std::string::npos);
    }
    SUBCASE("a wrongly typed value names its line") {
        std::string typed = kProblem;
        typed.replace(typed.find("difficulty = \"easy\""), 19, "difficulty = 3");
        auto p = dataset::parse_problem_toml(typed, "t.toml");
        REQUIRE_FALSE(p);
        CHECK(p.error().where == "t.toml:5");
    }
}

TEST_CASE("dataset::load_problems reads the real benchmarks") {
    SUBCASE("HumanEval, gzipped") {
        // Reads ../shared/data: nothing to check where a clone has none.
        if (testing::no_shared_data()) return;
        auto problems = dataset::load_problems(testing::shared_data() / "HumanEval.jsonl.gz",
                                               dataset::Format::humaneval);
        REQUIRE(problems);
        REQUIRE(problems->size() == 164);
        const Problem& first = problems->front();
        CHECK(first.id == "HumanEval/0");
        CHECK(first.entry_point == "has_close_elements");
        CHECK(first.solution.rfind(first.prompt, 0) == 0);
        CHECK(first.test_setup.find("def check(candidate)") != std::string::npos);
    }
    SUBCASE("MBPP sanitized, a JSON array") {
        // Reads ../shared/data: nothing to check where a clone has none.
        if (testing::no_shared_data()) return;
        auto problems = dataset::load_problems(testing::shared_data() / "mbpp-sanitized.json",
                                               dataset::Format::mbpp);
        REQUIRE(problems);
        REQUIRE(problems->size() == 427);
        for (const Problem& p : *problems)
            CHECK_FALSE(p.entry_point.empty());
        CHECK(dataset::detect_format(testing::shared_data() / "mbpp-sanitized.json") ==
              dataset::Format::mbpp);
    }
}

TEST_CASE(
    "dataset::load_problems: a benchmark's language is the descriptor that lists its format") {
    TempDir dir;
    const auto humaneval =
        dir.write("he.jsonl",
                  "{\"task_id\": \"A/0\", \"prompt\": \"def f():\\n\", \"entry_point\": \"f\", "
                  "\"canonical_solution\": \"  return 1\\n\", \"test\": \"def check(candidate):\\n"
                  "    assert candidate() == 1\\n    assert candidate() != 2\\n\"}\n");
    const auto mbpp = dir.write("mbpp.jsonl", "{\"task_id\": 3, \"text\": \"x\", \"code\": "
                                              "\"import os\\n@staticmethod\\ndef g(): pass\\n"
                                              "def f(): return g()\\n\", "
                                              "\"test_list\": [\"assert f() is None\"]}\n");
    SUBCASE("the project's descriptors") {
        const auto he = dataset::load_problems(humaneval, dataset::Format::humaneval);
        REQUIRE(he);
        CHECK(he->at(0).language == language_for_format("humaneval")->name);
        CHECK(he->at(0).tests.size() == 2); // split by the language's grammar
        const auto mb = dataset::load_problems(mbpp, dataset::Format::mbpp);
        REQUIRE(mb);
        CHECK(mb->at(0).language == language_for_format("mbpp")->name);
        CHECK(mb->at(0).entry_point == "f"); // the first top-level function the tests call
    }
    SUBCASE("another root: its descriptor's name, or an error when none lists the format") {
        dir.write("root/languages/snake.toml",
                  "source_file = \"m\"\nrun = [\"/bin/true\"]\ngrammar = \"python\"\n"
                  "problem_formats = [\"humaneval\"]\n");
        const auto he = dataset::load_problems(humaneval, dataset::Format::humaneval, dir / "root");
        REQUIRE(he);
        CHECK(he->at(0).language == "snake");
        const auto mb = dataset::load_problems(mbpp, dataset::Format::mbpp, dir / "root");
        REQUIRE_FALSE(mb);
        CHECK(mb.error().message.find("'mbpp'") != std::string::npos);
    }
}

TEST_CASE("dataset::load_problems rejects bad input with file and line") {
    TempDir dir;
    SUBCASE("a truncated JSON line") {
        auto file = dir.write("he.jsonl", "{\"task_id\": \"A/0\", \"prompt\": \"def f():\\n\", "
                                          "\"entry_point\": \"f\", \"canonical_solution\": \"  "
                                          "return 1\\n\", \"test\": \"def check(candidate): "
                                          "pass\"}\n{\"task_id\": \"A/1\", \"pro\n");
        auto problems = dataset::load_problems(file, dataset::Format::humaneval);
        REQUIRE_FALSE(problems);
        CHECK(problems.error().where == file.string() + ":2");
    }
    SUBCASE("a missing field") {
        auto file = dir.write("mbpp.jsonl", "{\"task_id\": 3, \"text\": \"x\", \"code\": \"def "
                                            "f(): pass\"}\n");
        auto problems = dataset::load_problems(file, dataset::Format::mbpp);
        REQUIRE_FALSE(problems);
        CHECK(problems.error().describe() == file.string() + ":1: missing field 'test_list'");
    }
    SUBCASE("a missing file") {
        auto problems = dataset::load_problems(dir / "nope.jsonl", dataset::Format::humaneval);
        REQUIRE_FALSE(problems);
        CHECK(problems.error().message == "no such file");
    }
    SUBCASE("a FIFO or a directory is refused, not waited on") {
        for (const char* name : {"fifo.jsonl", "fifo.jsonl.gz"}) {
            REQUIRE(::mkfifo((dir / name).c_str(), 0600) == 0);
            auto problems = dataset::load_problems(dir / name, dataset::Format::humaneval);
            REQUIRE_FALSE(problems);
            CHECK(problems.error().message == "not a regular file");
            CHECK(problems.error().exit_code() == ExitCode::bad_input);
        }
        std::filesystem::create_directory(dir / "d.jsonl.gz");
        auto problems = dataset::load_problems(dir / "d.jsonl.gz", dataset::Format::mbpp);
        REQUIRE_FALSE(problems);
        CHECK(problems.error().message == "is a directory");
    }
    SUBCASE("corrupt gzip") {
        auto file = dir.write("x.jsonl.gz", "\x1f\x8b\x08\x00garbage-not-deflate");
        CHECK_FALSE(dataset::load_problems(file, dataset::Format::humaneval));
    }
    SUBCASE("duplicate ids in a directory") {
        dir.write("bank/a.toml", kProblem);
        dir.write("bank/b.toml", kProblem);
        auto problems = dataset::load_problems(dir / "bank", dataset::Format::assay);
        REQUIRE_FALSE(problems);
        CHECK(problems.error().message.find("duplicate problem id") != std::string::npos);
    }
}

TEST_CASE("dataset::load_samples") {
    TempDir dir;
    auto problems = dataset::load_problems(dir.write("p.toml", kProblem), dataset::Format::assay);
    REQUIRE(problems);
    SUBCASE("human-eval and evalplus fields, several per task") {
        auto file =
            dir.write("s.jsonl", "{\"task_id\": \"bank/add\", \"completion\": \"def add(a, b): "
                                 "return a - b\"}\n\n{\"task_id\": \"bank/add\", \"solution\": "
                                 "\"def add(a, b): return b + a\"}\n");
        auto samples = dataset::load_samples(file, *problems);
        REQUIRE(samples);
        REQUIRE(samples->size() == 2);
        CHECK((*samples)[1].index == 1);
        CHECK((*samples)[1].program == "def add(a, b): return b + a");
        CHECK((*samples)[1].where == file.string() + ":3");
    }
    SUBCASE("an unknown task_id names its line") {
        auto file = dir.write("s.jsonl", "{\"task_id\": \"bank/add\", \"completion\": \"\"}\n"
                                         "{\"task_id\": \"bank/sub\", \"completion\": \"\"}\n");
        auto samples = dataset::load_samples(file, *problems);
        REQUIRE_FALSE(samples);
        CHECK(samples.error().describe() == file.string() + ":2: unknown task_id 'bank/sub'");
    }
    SUBCASE("a sample with neither completion nor solution") {
        auto file = dir.write("s.jsonl", "{\"task_id\": \"bank/add\"}\n");
        CHECK_FALSE(dataset::load_samples(file, *problems));
    }
}

// Reads ../shared/data's HumanEval-X files: skipped (doctest::skip) where a clone has none.
TEST_CASE("dataset::load_problems reads HumanEval-X in C++ and JavaScript" *
          doctest::skip(assay::testing::no_shared_data())) {
    using namespace assay;
    const auto data = testing::shared_data();
    SUBCASE("C++: the declaration's prototype and the test's helpers are the set-up") {
        REQUIRE(dataset::detect_format(data / "humaneval-x-cpp.jsonl.gz") ==
                dataset::Format::humaneval_x);
        const auto problems =
            dataset::load_problems(data / "humaneval-x-cpp.jsonl.gz", dataset::Format::humaneval_x);
        REQUIRE(problems);
        REQUIRE(problems->size() == 164);
        const Problem& p = problems->front();
        CHECK(p.id == "CPP/0");
        CHECK(p.language == "cpp");
        CHECK(p.entry_point == "has_close_elements");
        CHECK(p.completion_extends_prompt);
        CHECK(
            p.test_setup.find("bool has_close_elements(vector<float> numbers, float threshold);") !=
            std::string::npos);
        CHECK(p.test_setup.find("int main") == std::string::npos);
        REQUIRE(p.tests.size() == 7);
        // The declaration the first two assertions use comes with each of them.
        CHECK(p.tests[0].code.starts_with("vector<float> a={1.0, 2.0, 3.9, 4.0, 5.0, 2.2};\n"));
        CHECK(p.tests[6].code.find("has_close_elements({1.1, 2.2, 3.1, 4.1, 5.1}, 0.5)") !=
              std::string::npos);
        const Problem& separate = (*problems)[1];
        CHECK(separate.test_setup.find("bool issame(vector<string> a,vector<string>b)") !=
              std::string::npos);
    }
    SUBCASE("JavaScript: the test function's assertions are the cases") {
        const auto problems =
            dataset::load_problems(data / "humaneval-x-js.jsonl.gz", dataset::Format::humaneval_x);
        REQUIRE(problems);
        const Problem& p = problems->front();
        CHECK(p.language == "javascript");
        CHECK(p.entry_point == "hasCloseElements");
        CHECK(p.tests.size() == 7);
        CHECK(p.test_setup.find("testHasCloseElements") == std::string::npos);
        CHECK(p.tests[1].code.find("console.assert(") == 0);
    }
    SUBCASE("a record whose test has no main is an error at its line") {
        testing::TempDir dir;
        dir.write(
            "x.jsonl",
            R"({"task_id": "CPP/0", "prompt": "int f(){", "declaration": "int f(){", )"
            R"("canonical_solution": "return 1;}", "test": "void g() {}", "example_test": ""})"
            "\n");
        const auto loaded = dataset::load_problems(dir / "x.jsonl", dataset::Format::humaneval_x);
        REQUIRE_FALSE(loaded);
        CHECK(loaded.error().where == (dir / "x.jsonl").string() + ":1");
        CHECK(loaded.error().message.find("no `int main()`") != std::string::npos);
    }
}
