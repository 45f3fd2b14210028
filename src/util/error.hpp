// One error policy for the whole project (STYLE.md §6): expected failures are returned as
// `Expected<T>`; a fatal error is thrown once as `FatalError` and caught once in main.
#pragma once

#include <fmt/format.h>
#include <stdexcept>
#include <string>
#include <tl/expected.hpp>
#include <type_traits>
#include <utility>

namespace assay {

// Exit codes of the command line (DESIGN.md "Command line").
enum class ExitCode : int { success = 0, work_failed = 1, bad_input = 2, internal = 3 };

// What went wrong, in words a user can act on. `where` names the file and line when the error
// comes from input ("problems/x.toml:12"), empty otherwise.
struct Error {
    std::string message;
    std::string where;

    // "where: message", or just the message.
    [[nodiscard]] std::string describe() const {
        return where.empty() ? message : fmt::format("{}: {}", where, message);
    }
};

template <typename T> using Expected = tl::expected<T, Error>;
using Unexpected = tl::unexpected<Error>;

// Builds an unexpected Error from a format string.
template <typename... Args>
[[nodiscard]] Unexpected fail(fmt::format_string<Args...> format, Args&&... args) {
    return Unexpected(Error{fmt::format(format, std::forward<Args>(args)...), {}});
}

// Builds an unexpected Error that points at an input location.
template <typename... Args>
[[nodiscard]] Unexpected fail_at(std::string where, fmt::format_string<Args...> format,
                                 Args&&... args) {
    return Unexpected(Error{fmt::format(format, std::forward<Args>(args)...), std::move(where)});
}

// Thrown for bad input or an internal failure that ends the command; caught once in main.
class FatalError : public std::runtime_error {
  public:
    FatalError(ExitCode code, const Error& error)
        : std::runtime_error(error.describe()), code_(code) {}
    [[nodiscard]] ExitCode code() const { return code_; }

  private:
    ExitCode code_;
};

// Unwraps an Expected or throws FatalError with `code`.
template <typename T> T value_or_throw(Expected<T> value, ExitCode code) {
    if (!value) throw FatalError(code, value.error());
    if constexpr (!std::is_void_v<T>) return std::move(*value);
}

namespace detail {
template <typename T> T unwrap(Expected<T>&& value) {
    if constexpr (std::is_void_v<T>)
        return;
    else
        return std::move(*value);
}
} // namespace detail

} // namespace assay

// Evaluates an Expected expression; returns its error from the enclosing function on failure.
#define ASSAY_TRY(expr)                                                                            \
    ({                                                                                             \
        auto assay_try_value_ = (expr);                                                            \
        if (!assay_try_value_) return ::assay::Unexpected(std::move(assay_try_value_).error());    \
        ::assay::detail::unwrap(std::move(assay_try_value_));                                      \
    })
