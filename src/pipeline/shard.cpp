#include "pipeline/shard.hpp"

#include "util/hash.hpp"

#include <charconv>
#include <fmt/format.h>

namespace assay::pipeline {

namespace {

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

// A whole decimal number in `text`, or nullopt.
std::optional<std::size_t> number(std::string_view text) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

} // namespace

bool Shard::owns_problem(std::string_view id) const {
    return fnv1a(fmt::format("assay-shard:{}", id)) % count == index;
}

std::string Shard::text() const {
    return fmt::format("{}/{}", index, count);
}

Expected<Shard> parse_shard(std::string_view text) {
    const std::size_t slash = text.find('/');
    const auto index = number(text.substr(0, slash));
    const auto count =
        slash == std::string_view::npos ? std::nullopt : number(text.substr(slash + 1));
    if (!index || !count)
        return fail("--shard '{}': expected I/N, two whole numbers (e.g. 0/4)", text);
    if (*count < 1) return fail("--shard '{}': N must be at least 1", text);
    if (*index >= *count)
        return fail("--shard '{}': I must be below N (shards are numbered from 0)", text);
    return Shard{*index, *count};
}

Expected<Shard> shard_from_environment(std::size_t count, Environment env) {
    if (count < 1) return fail("--shards must be at least 1");
    const auto read = [&](const char* name) -> Expected<std::optional<std::size_t>> {
        const std::optional<std::string> value = env(name);
        if (!value) return std::optional<std::size_t>{};
        const auto parsed = number(*value);
        if (!parsed) return fail("${} is '{}', not a whole number", name, *value);
        return parsed;
    };
    std::size_t index = 0;
    if (const auto task = ASSAY_TRY(read("SLURM_ARRAY_TASK_ID"))) {
        const std::size_t min = ASSAY_TRY(read("SLURM_ARRAY_TASK_MIN")).value_or(0);
        if (*task < min)
            return fail("$SLURM_ARRAY_TASK_ID {} is below $SLURM_ARRAY_TASK_MIN {}", *task, min);
        if (const auto tasks = ASSAY_TRY(read("SLURM_ARRAY_TASK_COUNT")); tasks && *tasks != count)
            return fail("--shards {} but the Slurm array has {} tasks ($SLURM_ARRAY_TASK_COUNT)",
                        count, *tasks);
        index = *task - min;
        if (index >= count)
            return fail("$SLURM_ARRAY_TASK_ID {} is shard {}, not below --shards {}", *task, index,
                        count);
    } else if (const auto job = ASSAY_TRY(read("JOB_COMPLETION_INDEX"))) {
        index = *job;
        if (index >= count)
            return fail("$JOB_COMPLETION_INDEX {} is not below --shards {}", index, count);
    } else {
        return fail("--shards {} without --shard: neither $SLURM_ARRAY_TASK_ID (a Slurm array "
                    "task) nor $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set",
                    count);
    }
    return Shard{index, count};
}

std::vector<Problem> owned(const std::vector<Problem>& problems, const Shard& shard) {
    std::vector<Problem> out;
    for (const Problem& p : problems)
        if (shard.owns_problem(p.id)) out.push_back(p);
    return out;
}

std::string problems_digest(const std::vector<Problem>& problems) {
    std::vector<std::string> texts;
    texts.reserve(problems.size());
    for (const Problem& p : problems) {
        std::string text = fmt::format("{}\n{}\n{}\n{}\n{}\n", p.id, p.language, p.prompt,
                                       p.solution, p.test_setup);
        for (const TestCase& t : p.tests)
            text += util::content_hash_parts(
                {t.name, t.code, t.visibility == Visibility::hidden ? "hidden" : "visible"});
        texts.push_back(util::content_hash(text));
    }
    std::vector<std::string_view> parts(texts.begin(), texts.end());
    return util::content_hash_parts(parts);
}

} // namespace assay::pipeline
