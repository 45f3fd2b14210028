// Shards: parsing I/N, the index from a Slurm array or an Indexed Job, and ownership (every
// problem belongs to exactly one shard, whatever N).
#include "pipeline/shard.hpp"

#include <doctest/doctest.h>
#include <map>
#include <string>

using assay::pipeline::Shard;

namespace {
std::map<std::string, std::string>& env_values() {
    static std::map<std::string, std::string> values;
    return values;
}
std::optional<std::string> fake_env(const char* name) {
    const auto it = env_values().find(name);
    if (it == env_values().end()) return std::nullopt;
    return it->second;
}
} // namespace

TEST_CASE("pipeline::parse_shard reads I/N and says what is wrong") {
    const auto s = assay::pipeline::parse_shard("2/5");
    REQUIRE(s);
    CHECK(s->index == 2);
    CHECK(s->count == 5);
    CHECK(s->text() == "2/5");
    for (const char* bad : {"5/5", "2", "/3", "a/3", "1/0", "-1/3", "1/3/4", " 1/3", ""}) {
        const auto r = assay::pipeline::parse_shard(bad);
        CHECK_MESSAGE(!r, bad);
    }
    CHECK(assay::pipeline::parse_shard("7/3").error().message.find("below N") != std::string::npos);
}

TEST_CASE("pipeline::shard_from_environment: Slurm array tasks and Indexed Job completions") {
    auto& env = env_values();
    env.clear();
    const auto none = assay::pipeline::shard_from_environment(4, fake_env);
    REQUIRE(!none);
    CHECK(none.error().message.find("SLURM_ARRAY_TASK_ID") != std::string::npos);

    env = {{"SLURM_ARRAY_TASK_ID", "3"},
           {"SLURM_ARRAY_TASK_MIN", "1"},
           {"SLURM_ARRAY_TASK_COUNT", "4"}};
    const auto slurm = assay::pipeline::shard_from_environment(4, fake_env);
    REQUIRE(slurm);
    CHECK(slurm->index == 2); // --array=1-4: task 3 is shard 2
    env["SLURM_ARRAY_TASK_COUNT"] = "8";
    CHECK(assay::pipeline::shard_from_environment(4, fake_env).error().message.find("8 tasks") !=
          std::string::npos);
    env = {{"SLURM_ARRAY_TASK_ID", "4"}};
    CHECK(!assay::pipeline::shard_from_environment(4, fake_env));
    env = {{"SLURM_ARRAY_TASK_ID", "two"}};
    CHECK(assay::pipeline::shard_from_environment(4, fake_env).error().message.find("two") !=
          std::string::npos);

    env = {{"JOB_COMPLETION_INDEX", "1"}};
    const auto k8s = assay::pipeline::shard_from_environment(4, fake_env);
    REQUIRE(k8s);
    CHECK(k8s->index == 1);
    env = {{"JOB_COMPLETION_INDEX", "9"}};
    CHECK(!assay::pipeline::shard_from_environment(4, fake_env));
    env.clear();
}

TEST_CASE("pipeline::Shard: every problem and request has exactly one owner, spread over all") {
    for (const std::size_t n : {1u, 2u, 3u, 4u, 7u}) {
        std::map<std::size_t, int> per_shard;
        for (int k = 0; k < 400; ++k) {
            const std::string id = "bank/problem_" + std::to_string(k);
            int owners = 0;
            for (std::size_t i = 0; i < n; ++i)
                if (Shard{i, n}.owns_problem(id)) {
                    ++owners;
                    ++per_shard[i];
                }
            CHECK(owners == 1);
            int requests = 0;
            for (std::size_t i = 0; i < n; ++i)
                requests += Shard{i, n}.owns_request(static_cast<std::size_t>(k)) ? 1 : 0;
            CHECK(requests == 1);
        }
        for (std::size_t i = 0; i < n; ++i)
            CHECK(per_shard[i] > 400 / static_cast<int>(n) / 2); // none starved
    }
    // Stable across builds: the owner is a function of the id alone.
    CHECK(Shard{0, 4}.owns_problem("bank/two_sum") ==
          Shard{0, 4}.owns_problem(std::string("bank/") + "two_sum"));
}
