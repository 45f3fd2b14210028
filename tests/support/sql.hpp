// A database file read with the test's own SQL on a connection of its own: tests look at the
// tables as a user with sqlite3 would, not through the store they are checking.
#pragma once

#include "store/sqlite.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace assay::testing {

class Sql {
  public:
    // Opens an existing database (never creates one). Throws when it cannot.
    explicit Sql(const std::filesystem::path& db) {
        sqlite3* raw = nullptr;
        const int code = sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
        db_.reset(raw);
        if (code != SQLITE_OK) throw std::runtime_error("cannot open " + db.string());
        sqlite3_busy_timeout(db_.get(), 10'000);
    }

    [[nodiscard]] store::Statement statement(std::string_view sql) {
        return store::Statement(db_.get(), sql);
    }

    // The first column of the first row (0 when there is none).
    [[nodiscard]] std::int64_t scalar(std::string_view sql) {
        store::Statement s = statement(sql);
        return s.step() ? s.column_int(0) : 0;
    }

    // The first column of every row, as text.
    [[nodiscard]] std::vector<std::string> texts(std::string_view sql) {
        store::Statement s = statement(sql);
        std::vector<std::string> out;
        while (s.step())
            out.push_back(s.column_text(0));
        return out;
    }

    // Runs statements that return no rows (DDL, a trigger).
    void exec(std::string_view sql) { store::exec(db_.get(), sql); }

  private:
    store::DbHandle db_;
};

// Overwrites the root page of `table` in the file `db` with garbage, as a failing disk would:
// the file still opens, and the first statement that reads the table fails ("database disk
// image is malformed"). No connection may hold the table's pages in its cache.
inline void corrupt_table(const std::filesystem::path& db, std::string_view table) {
    std::int64_t page = 0;
    std::int64_t page_size = 0;
    {
        Sql sql(db);
        page = sql.scalar("SELECT rootpage FROM sqlite_master WHERE name = '" + std::string(table) +
                          "'");
        page_size = sql.scalar("PRAGMA page_size");
        // Everything in the file itself, nothing left in the write-ahead log.
        (void)sql.scalar("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    if (page <= 1) throw std::runtime_error("no table " + std::string(table));
    std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp((page - 1) * page_size);
    const std::string garbage(static_cast<std::size_t>(page_size), '\xff');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    if (!file) throw std::runtime_error("cannot corrupt " + db.string());
}

} // namespace assay::testing
