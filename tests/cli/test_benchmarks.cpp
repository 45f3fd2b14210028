// The slow suite: whole benchmarks in the jail, and agreement with plain execution.
#include "core/language.hpp"
#include "dataset/problem_files.hpp"
#include "pipeline/verify.hpp"
#include "support/run_assay.hpp"
#include "support/temp_dir.hpp"
#include "syntax/mutate.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace assay;
using assay::testing::run_assay;
using assay::testing::TempDir;
using nlohmann::json;

namespace {
json verify_json(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"verify", "--json", "--jobs", "2"};
    full.insert(full.end(), args.begin(), args.end());
    const auto ran = run_assay(full);
    INFO(ran.err);
    REQUIRE(ran.exit_code == 0);
    return json::parse(ran.out);
}

std::string first_failures(const json& report) {
    std::string out;
    for (const json& r : report["results"])
        if (!r["passed"].get<bool>() && out.size() < 2000)
            out += r["task_id"].get<std::string>() + ": " + r["message"].get<std::string>() + "\n";
    return out;
}
} // namespace

TEST_SUITE("slow") {
    // Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone
    // has none.
    TEST_CASE("cli::verify HumanEval canonical solutions: 164/164 in the jail" *
              doctest::skip(assay::testing::no_shared_data())) {
        const json report =
            verify_json({"--problems", (testing::shared_data() / "HumanEval.jsonl.gz").string(),
                         "--format", "humaneval", "--canonical"});
        INFO(first_failures(report));
        CHECK(report["total"] == 164);
        CHECK(report["passed"] == 164);
    }

    // Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone
    // has none.
    TEST_CASE("cli::verify MBPP sanitized reference code: 427/427 in the jail" *
              doctest::skip(assay::testing::no_shared_data())) {
        const json report =
            verify_json({"--problems", (testing::shared_data() / "mbpp-sanitized.json").string(),
                         "--format", "mbpp", "--canonical"});
        INFO(first_failures(report));
        CHECK(report["total"] == 427);
        CHECK(report["passed"] == 427);
    }

    TEST_CASE("cli::verify the project's problem bank: every language, every reference") {
        const json report = verify_json({"--problems", (project_root() / "problems").string(),
                                         "--format", "assay", "--canonical"});
        INFO(first_failures(report));
        std::map<std::string, int> per_language;
        for (const json& r : report["results"])
            ++per_language[r["task_id"].get<std::string>().starts_with("bank/cpp/") ? "cpp"
                           : r["task_id"].get<std::string>().starts_with("bank/javascript/")
                               ? "javascript"
                               : "python"];
        CHECK(per_language["python"] >= 100);
        CHECK(per_language["cpp"] >= 30);
        CHECK(per_language["javascript"] >= 30);
        CHECK(report["passed"] == report["total"]);
    }

    // Reads ../shared/data (HumanEval, MBPP): skipped, with tests/main.cpp's message, where a clone
    // has none.
    TEST_CASE("pipeline::verify agrees with plain python3 on mutated HumanEval solutions" *
              doctest::skip(assay::testing::no_shared_data())) {
        // Mutants of real solutions, some passing and most failing: the harness's verdict must
        // be the plain interpreter's on the same program written as one script (run alone in
        // the jail's cold path: a mutant is not trusted on the host), sample by sample.
        auto problems = dataset::load_problems(testing::shared_data() / "HumanEval.jsonl.gz",
                                               dataset::Format::humaneval);
        REQUIRE(problems);
        TempDir dir;
        json::array_t samples;
        std::vector<std::string> plain_programs;
        for (std::size_t i = 0; i < problems->size(); i += 4) {
            const Problem& p = (*problems)[i];
            std::vector<std::string> programs = {p.solution};
            for (const auto& m : syntax::sample_mutants("python", p.solution, p.entry_point, 3, i))
                programs.push_back(m.code);
            for (const std::string& program : programs) {
                samples.push_back({{"task_id", p.id}, {"solution", program}});
                // HumanEval's own way: program + test + check(entry_point), one process.
                std::string script = program + "\n\n";
                script += p.test_setup + "\n\n";
                for (const TestCase& t : p.tests) {
                    script +=
                        "def __case_" + std::to_string(&t - p.tests.data()) + "(candidate):\n";
                    std::istringstream lines(t.code);
                    for (std::string line; std::getline(lines, line);)
                        script += "    " + line + "\n";
                    script += "__case_" + std::to_string(&t - p.tests.data()) + "(" +
                              p.entry_point + ")\n";
                }
                plain_programs.push_back(script);
            }
        }
        std::ofstream out(dir / "samples.jsonl");
        for (const json& s : samples)
            out << s.dump() << "\n";
        out.close();

        pipeline::VerifyOptions options;
        options.problems = testing::shared_data() / "HumanEval.jsonl.gz";
        options.format = dataset::Format::humaneval;
        options.solutions = dir / "samples.jsonl";
        options.jobs = 2;
        const auto report = pipeline::verify(options);
        REQUIRE(report);
        REQUIRE(report->outcomes.size() == plain_programs.size());
        int failing = 0;
        for (std::size_t i = 0; i < plain_programs.size(); ++i) {
            const auto file = dir.write("plain_" + std::to_string(i) + ".py", plain_programs[i]);
            const int code = testing::run_jailed(file);
            const bool plain_pass = code == 0;
            const auto& outcome = report->outcomes[i];
            CAPTURE(outcome.sample.task_id);
            CAPTURE(outcome.result.message);
            CHECK(outcome.result.all_passed() == plain_pass);
            failing += plain_pass ? 0 : 1;
        }
        CHECK(failing > static_cast<int>(plain_programs.size()) / 2); // most mutants break a test
    }
}
