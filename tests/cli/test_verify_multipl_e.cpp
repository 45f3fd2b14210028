// Black-box: `assay verify --format multipl-e` on MultiPL-E-shaped records in C++ and JavaScript
// (a program is prompt + completion + tests; the tests name the entry point `candidate`): each
// sample's verdict is plain compile-and-run's, and a failure shows the values (the cases were
// split, not run whole).
#include "support/run_assay.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::TempDir;
using nlohmann::json;

namespace {

struct Language {
    std::string code;      // MultiPL-E's `language`
    std::string extension; // for `assay jail`
    json record;
    std::string right; // a completion that passes
    std::string wrong; // one that fails the first test
};

std::vector<Language> languages() {
    return {
        {"cpp",
         ".cpp",
         {{"name", "HumanEval_0_has_close_elements"},
          {"language", "cpp"},
          {"prompt", "#include<assert.h>\n#include<bits/stdc++.h>\n// Check if in given vector of "
                     "numbers, are any two numbers closer to each other than\n// given "
                     "threshold.\nbool has_close_elements(std::vector<float> numbers, float "
                     "threshold) {\n"},
          {"tests", "}\nint main() {\n    auto candidate = has_close_elements;\n    "
                    "assert(candidate((std::vector<float>({(float)1.0f, (float)2.0f, (float)3.9f, "
                    "(float)4.0f, (float)5.0f, (float)2.2f})), (0.3f)) == (true));\n    "
                    "assert(candidate((std::vector<float>({(float)1.0f, (float)2.0f, (float)3.9f, "
                    "(float)4.0f, (float)5.0f, (float)2.2f})), (0.05f)) == (false));\n}\n"},
          {"stop_tokens", {"\n}"}}},
         "    for (std::size_t i = 0; i < numbers.size(); i++)\n        for (std::size_t j = i + "
         "1; j < numbers.size(); j++)\n            if (std::abs(numbers[i] - numbers[j]) < "
         "threshold) return true;\n    return false;\n",
         "    return numbers.size() > 100;\n"},
        {"js",
         ".js",
         {{"name", "HumanEval_0_has_close_elements"},
          {"language", "js"},
          {"prompt", "//Check if in given array of numbers, are any two numbers closer to each "
                     "other than\n// given threshold.\nfunction has_close_elements(numbers, "
                     "threshold){\n"},
          {"tests", "}\n\nconst assert = require('node:assert');\n\n\nfunction test() {\n  let "
                    "candidate = has_close_elements;\n  assert.deepEqual(candidate([1.0, 2.0, "
                    "3.9, 4.0, 5.0, 2.2], 0.3),true);\n  assert.deepEqual(candidate([1.0, 2.0, "
                    "3.9, 4.0, 5.0, 2.2], 0.05),false);\n}\n\ntest();"},
          {"stop_tokens", {"\nfunction ", "\n/*", "\n//", "\nconsole.log"}}},
         "  return numbers.some((a, i) => numbers.some((b, j) => i !== j && Math.abs(a - b) < "
         "threshold));\n",
         "  return numbers.length > 100;\n"},
    };
}

} // namespace

TEST_CASE("cli::verify MultiPL-E: verdicts of plain compile-and-run, with the values") {
    for (const Language& l : languages()) {
        CAPTURE(l.code);
        TempDir dir;
        const auto problems = dir.write("problems.jsonl", l.record.dump() + "\n");
        json::array_t samples;
        for (const std::string& completion : {l.right, l.wrong})
            samples.push_back({{"task_id", l.record["name"]}, {"completion", completion}});
        std::string lines;
        for (const json& s : samples)
            lines += s.dump() + "\n";
        const auto sample_file = dir.write("samples.jsonl", lines);

        const Ran ran = assay_binary({"verify", "--problems", problems.string(), "--solutions",
                                      sample_file.string(), "--json", "--jobs", "2"});
        REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
        const json report = json::parse(ran.out);
        REQUIRE(report["results"].size() == 2);
        CHECK(report["results"][0]["passed"] == true);
        CHECK(report["results"][0]["tests_total"] == 2);
        CHECK(report["results"][1]["passed"] == false);
        const std::string message = report["results"][1]["message"];
        CHECK_MESSAGE(message.find("has_close_elements(") != std::string::npos, message);
        CHECK_MESSAGE(message.find("returned") != std::string::npos, message);

        // Plain: the whole program, prompt + completion + tests, alone in the jail.
        for (std::size_t i = 0; i < 2; ++i) {
            const std::string program = l.record["prompt"].get<std::string>() +
                                        (i == 0 ? l.right : l.wrong) +
                                        l.record["tests"].get<std::string>();
            const int plain = assay::testing::run_jailed(
                dir.write("plain_" + std::to_string(i) + l.extension, program), 60);
            CHECK(report["results"][i]["passed"] == (plain == 0));
        }
    }
}

TEST_CASE("cli::verify MultiPL-E: no reference to verify, and hostile language codes") {
    TempDir dir;
    json record = languages().front().record;
    const auto problems = dir.write("problems.jsonl", record.dump() + "\n");
    const Ran canonical = assay_binary({"verify", "--problems", problems.string(), "--canonical"});
    CHECK(canonical.exit_code == 2);
    CHECK_MESSAGE(canonical.err.find("problems.jsonl:1: problem 'HumanEval_0_has_close_elements' "
                                     "has no reference solution (multipl-e gives none)") !=
                      std::string::npos,
                  canonical.err);
    for (const std::string code : {"../../etc/x", "Cpp", ""}) {
        record["language"] = code;
        const auto file = dir.write("bad.jsonl", record.dump() + "\n");
        const Ran ran = assay_binary(
            {"verify", "--problems", file.string(), "--format", "multipl-e", "--canonical"});
        CHECK(ran.exit_code == 2);
        CHECK_MESSAGE(ran.err.find("bad.jsonl:1: field 'language': '" + code +
                                   "' is not a language code") != std::string::npos,
                      ran.err);
    }
    // A field of the wrong type is named, not read as text: a number is no language code.
    for (const json& value : {json(5), json::array({"cpp"}), json(nullptr)}) {
        json wrong = record;
        wrong["language"] = value;
        const auto file = dir.write("typed.jsonl", wrong.dump() + "\n");
        const Ran ran = assay_binary(
            {"verify", "--problems", file.string(), "--format", "multipl-e", "--canonical"});
        CHECK(ran.exit_code == 2);
        CHECK_MESSAGE(ran.err.find("typed.jsonl:1: field 'language' must be a string") !=
                          std::string::npos,
                      ran.err);
    }
    // Tests that do not close the prompt's open function: the message says so.
    json open = record;
    open["language"] = "cpp";
    open["tests"] = record["tests"].get<std::string>().substr(2);
    const auto unclosed = dir.write("open.jsonl", open.dump() + "\n");
    const Ran unclosed_ran = assay_binary(
        {"verify", "--problems", unclosed.string(), "--format", "multipl-e", "--canonical"});
    CHECK(unclosed_ran.exit_code == 2);
    CHECK_MESSAGE(unclosed_ran.err.find("open.jsonl:1: field 'tests' must begin with the '}' that "
                                        "closes the prompt's function `has_close_elements`") !=
                      std::string::npos,
                  unclosed_ran.err);
    record["language"] = "rs";
    const auto rust = dir.write("rust.jsonl", record.dump() + "\n");
    const Ran ran = assay_binary({"verify", "--problems", rust.string(), "--canonical"});
    CHECK(ran.exit_code == 2);
    CHECK_MESSAGE(ran.err.find("rust.jsonl:1: field 'language' names the language 'rs'") !=
                      std::string::npos,
                  ran.err);
}
