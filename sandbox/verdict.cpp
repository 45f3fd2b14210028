#include "sandbox/verdict.hpp"

#include <array>
#include <utility>

namespace assay {

namespace {
constexpr std::array kVerdicts{
    std::pair{Verdict::ok, std::string_view("ok")},
    std::pair{Verdict::compile_error, std::string_view("compile_error")},
    std::pair{Verdict::runtime_error, std::string_view("runtime_error")},
    std::pair{Verdict::timeout, std::string_view("timeout")},
    std::pair{Verdict::memory_limit, std::string_view("memory_limit")},
    std::pair{Verdict::output_limit, std::string_view("output_limit")},
    std::pair{Verdict::forbidden_syscall, std::string_view("forbidden_syscall")},
    std::pair{Verdict::internal_error, std::string_view("internal_error")},
};
constexpr std::array kTestVerdicts{
    std::pair{TestVerdict::passed, std::string_view("passed")},
    std::pair{TestVerdict::failed, std::string_view("failed")},
    std::pair{TestVerdict::error, std::string_view("error")},
    std::pair{TestVerdict::timeout, std::string_view("timeout")},
};

template <typename Table, typename E> std::string_view name_of(const Table& table, E value) {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "unknown";
}

template <typename E, typename Table>
std::optional<E> value_of(const Table& table, std::string_view text) {
    for (const auto& [v, name] : table)
        if (name == text) return v;
    return std::nullopt;
}
} // namespace

std::string_view to_string(Verdict verdict) {
    return name_of(kVerdicts, verdict);
}
std::string_view to_string(TestVerdict verdict) {
    return name_of(kTestVerdicts, verdict);
}
std::optional<Verdict> parse_verdict(std::string_view text) {
    return value_of<Verdict>(kVerdicts, text);
}
std::optional<TestVerdict> parse_test_verdict(std::string_view text) {
    return value_of<TestVerdict>(kTestVerdicts, text);
}

} // namespace assay
