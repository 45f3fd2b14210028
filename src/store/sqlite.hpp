// Thin move-only owners of sqlite3 handles and a statement helper.
#pragma once

#include "util/c_handle.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sqlite3.h>
#include <string>
#include <string_view>

namespace assay::store {

// A statement that failed: "SQLite: what: reason".
class SqlError : public FatalError {
  public:
    explicit SqlError(std::string message)
        : FatalError(Error{std::move(message), {}, ErrorKind::environment}) {}
};

// Owns a connection (from sqlite3_open_v2), closed with sqlite3_close_v2.
using DbHandle = util::CHandle<sqlite3, sqlite3_close_v2>;

// A prepared statement. bind() is 1-based like SQLite; step() returns true while rows come.
// Failures throw SqlError (a FatalError, exit 3): the store is a trusted local file, and a
// failing write must stop the command rather than silently lose a row; Store::transaction names
// the database in it.
class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind_null(int index);

    bool step();
    void run() {
        while (step()) {
        }
    }
    void reset();

    [[nodiscard]] std::int64_t column_int(int index) const;
    [[nodiscard]] double column_double(int index) const;
    [[nodiscard]] std::string column_text(int index) const;
    [[nodiscard]] bool column_is_null(int index) const;

  private:
    sqlite3* db_;
    util::CHandle<sqlite3_stmt, sqlite3_finalize> statement_;
};

// Runs SQL with no results (may hold several statements); throws on failure.
void exec(sqlite3* db, std::string_view sql);

// exec(), run again while SQLite answers SQLITE_BUSY until `patience` has passed. For the lock
// upgrades where SQLite fails at once instead of calling the busy handler: the exclusive lock of
// `PRAGMA journal_mode=WAL` on a fresh file (taken inside a read it has begun, where waiting
// could deadlock), which a second process opening the same fresh file runs into.
void exec_waiting(sqlite3* db, std::string_view sql, std::chrono::milliseconds patience);

// BEGIN IMMEDIATE on construction (retried as exec_waiting for `patience`, when given, on top
// of the busy handler), ROLLBACK on destruction unless commit() was called.
class Transaction {
  public:
    explicit Transaction(sqlite3* db,
                         std::chrono::milliseconds patience = std::chrono::milliseconds(0));
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

  private:
    sqlite3* db_;
    bool done_ = false;
};

} // namespace assay::store
