// The exit-code contract across verbs: 2 when the input is wrong, 3 when the environment fails,
// each message naming the path and the reason.
#include "support/process.hpp"
#include "support/small_problems.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>

using assay::testing::assay_binary;
using assay::testing::Ran;
using assay::testing::TempDir;

TEST_SUITE("cli") {
    TEST_CASE("cli: exit codes name the path and tell input from environment") {
        TempDir dir;
        const auto garbage = dir.write("garbage.db", std::string(4096, 'x'));
        const auto blocker = dir.write("blocker", "a file, not a directory\n");
        const std::string unopenable = (blocker / "assay.db").string();

        SUBCASE("a file that is not a database is bad input (2)") {
            for (const char* verb : {"stats", "export"}) {
                std::vector<std::string> args{verb};
                if (std::string(verb) == "export")
                    args.insert(args.end(), {"sft", "--out", (dir.path() / "o.jsonl").string()});
                args.insert(args.end(), {"--db", garbage.string()});
                const Ran r = assay_binary(args);
                INFO(verb << ": " << r.err);
                CHECK(r.exit_code == 2);
                CHECK(r.err.find(garbage.string()) != std::string::npos);
                CHECK(r.err.find("not a database") != std::string::npos);
            }
            CHECK_FALSE(std::filesystem::exists(dir.path() / "o.jsonl"));
        }
        SUBCASE("a database that cannot be created is the environment's failure (3)") {
            assay::testing::write_small_problems(dir);
            const Ran r =
                assay_binary({"run", "--problems", (dir.path() / "problems").string(), "--db",
                              unopenable, "--out", (dir.path() / "out").string()});
            INFO(r.err);
            CHECK(r.exit_code == 3);
            CHECK(r.err.find(unopenable) != std::string::npos);
            CHECK(r.err.find("cannot open database") != std::string::npos);
        }
    }
}
