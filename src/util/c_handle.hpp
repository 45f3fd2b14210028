// Owners of C libraries' handles (libcurl, tree-sitter, SQLite, xxHash): a std::unique_ptr whose
// deleter is the library's own free function, so each handle is freed exactly once.
#pragma once

#include <memory>

namespace assay::util {

// Calls `Free` on a non-null handle (std::unique_ptr never calls it on null).
template <auto Free> struct FreeWith {
    template <typename T> void operator()(T* handle) const { Free(handle); }
};

// `CHandle<TSParser, ts_parser_delete>` owns a TSParser.
template <typename T, auto Free> using CHandle = std::unique_ptr<T, FreeWith<Free>>;

} // namespace assay::util
