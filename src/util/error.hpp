// One error policy for the whole project: expected failures are returned as `Expected<T>`, an
// `Error` whose kind decides the exit code; a command ends by throwing `FatalError` once,
// caught once in main (src/cli/main.cpp).
#pragma once

#include <fmt/format.h>
#include <stdexcept>
#include <string>
#include <tl/expected.hpp>
#include <type_traits>
#include <utility>

namespace assay {

// Exit codes of the command line (README "Exit codes"): 1 when the work ran and some of it
// failed (`verify --gate`), 2 for bad input, 3 for a failure of the environment or of assay,
// 128 + the signal when SIGINT (130) or SIGTERM (143) stopped it.
enum class ExitCode : int {
    success = 0,
    work_failed = 1,
    bad_input = 2,
    internal = 3,
    sigint = 130,
    sigterm = 143
};

// Whose fault an error is, and so the exit code it ends a command with. `bad_input`: what the
// user gave (a flag, a problem file, a database of another schema); the fix is in the input.
// `environment`: the machine or assay itself (a file that cannot be written, a jail that cannot
// start, a library that fails); the message names the path or call and the reason.
// `interrupted`: SIGINT or SIGTERM asked the command to stop (util/interrupt.hpp).
enum class ErrorKind { bad_input, environment, interrupted };

// What went wrong, in words a user can act on. `where` names the file and line when the error
// comes from input ("problems/x.toml:12"), or the path an environment failure concerns.
struct Error {
    std::string message;
    std::string where;
    ErrorKind kind = ErrorKind::bad_input;
    int signal = 0; // the signal of an `interrupted` error

    // "where: message", or just the message.
    [[nodiscard]] std::string describe() const {
        return where.empty() ? message : fmt::format("{}: {}", where, message);
    }
    [[nodiscard]] ExitCode exit_code() const {
        switch (kind) {
        case ErrorKind::bad_input:
            return ExitCode::bad_input;
        case ErrorKind::interrupted:
            return signal == 15 ? ExitCode::sigterm : ExitCode::sigint;
        case ErrorKind::environment:
            break;
        }
        return ExitCode::internal;
    }
};

template <typename T> using Expected = tl::expected<T, Error>;
using Unexpected = tl::unexpected<Error>;

// A bad-input error from a format string.
template <typename... Args>
[[nodiscard]] Unexpected fail(fmt::format_string<Args...> format, Args&&... args) {
    return Unexpected(Error{fmt::format(format, std::forward<Args>(args)...), {}});
}

// A bad-input error that points at an input location.
template <typename... Args>
[[nodiscard]] Unexpected fail_at(std::string where, fmt::format_string<Args...> format,
                                 Args&&... args) {
    return Unexpected(Error{fmt::format(format, std::forward<Args>(args)...), std::move(where)});
}

// An environment error (exit 3): the message names the call or path and the reason.
template <typename... Args>
[[nodiscard]] Unexpected fail_env(fmt::format_string<Args...> format, Args&&... args) {
    return Unexpected(
        Error{fmt::format(format, std::forward<Args>(args)...), {}, ErrorKind::environment});
}

// An environment error about `path`.
template <typename... Args>
[[nodiscard]] Unexpected fail_env_at(std::string path, fmt::format_string<Args...> format,
                                     Args&&... args) {
    return Unexpected(Error{fmt::format(format, std::forward<Args>(args)...), std::move(path),
                            ErrorKind::environment});
}

// Ends the command: thrown once (by value_or_throw or a verb), caught once in main, which
// prints it and exits with its code. Functions that return Expected never let it out: those over
// code that may throw it (the store's writers) end in `catching_fatal`.
class FatalError : public std::runtime_error {
  public:
    explicit FatalError(const Error& error)
        : std::runtime_error(error.describe()), error_(error), code_(error.exit_code()) {}
    FatalError(ExitCode code, Error error)
        : std::runtime_error(error.describe()), error_(std::move(error)), code_(code) {
        error_.kind = code == ExitCode::bad_input ? ErrorKind::bad_input : ErrorKind::environment;
    }
    [[nodiscard]] ExitCode code() const { return code_; }
    [[nodiscard]] const Error& error() const { return error_; }

  private:
    Error error_;
    ExitCode code_;
};

// body()'s Expected, or the FatalError it threw as its Error: the boundary of a function that
// returns Expected around code that ends the command on failure (a store writer's statement).
template <typename Body> auto catching_fatal(Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const FatalError& fatal) {
        return Unexpected(fatal.error());
    }
}

// Unwraps an Expected, or ends the command with the error's own exit code.
template <typename T> T value_or_throw(Expected<T> value) {
    if (!value) throw FatalError(value.error());
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
