// For src/store/*.cpp only: the connection behind a Store, and the boundary between the
// statements of sqlite.hpp, which throw FatalError, and the readers, which return Expected.
#pragma once

#include "store/store.hpp"

#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>

namespace assay::store {

class Connection {
  public:
    [[nodiscard]] static sqlite3* of(Store& store) { return store.db_.get(); }
};

// SQL joining the standing of the candidate row aliased `candidate` as execution `alias`: the
// newest execution of its code on its problem that ran every test (readers.hpp). Defined in
// readers.cpp.
[[nodiscard]] std::string standing_join(std::string_view candidate, std::string_view alias);

// What a failed statement on the database at `path` ends with: bad input when the file is not a
// database (README "Exit codes"), the environment's failure otherwise (locked, read-only,
// corrupt, I/O); "path: what: reason", or "path: reason" when `what` is empty.
[[nodiscard]] Error database_error(const std::filesystem::path& path, std::string_view what,
                                   const std::exception& error);

// body()'s value, or what it threw as database_error: a failing statement throws from deep
// inside a reader, and a reader's caller gets an Expected.
template <typename Body>
auto guarded(const Store& store, std::string_view what, Body&& body)
    -> Expected<std::invoke_result_t<Body>> {
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<Body>>)
            body();
        else
            return body();
    } catch (const std::exception& error) {
        return Unexpected(database_error(store.path(), what, error));
    }
    if constexpr (std::is_void_v<std::invoke_result_t<Body>>) return {};
}

} // namespace assay::store
