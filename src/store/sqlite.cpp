#include "store/sqlite.hpp"

#include <algorithm>
#include <thread>

namespace assay::store {

namespace {
constexpr auto kLongestPause = std::chrono::milliseconds(50);

[[noreturn]] void fail_sql(sqlite3* db, std::string_view what) {
    throw SqlError(fmt::format("SQLite: {}: {}", what, sqlite3_errmsg(db)));
}
} // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
        SQLITE_OK)
        fail_sql(db, fmt::format("preparing '{}'", sql.substr(0, 60)));
    statement_.reset(raw);
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_.get(), index, value) != SQLITE_OK) fail_sql(db_, "bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(statement_.get(), index, value) != SQLITE_OK) fail_sql(db_, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    if (sqlite3_bind_text64(statement_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8) != SQLITE_OK)
        fail_sql(db_, "bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(statement_.get(), index) != SQLITE_OK) fail_sql(db_, "bind");
    return *this;
}

bool Statement::step() {
    const int code = sqlite3_step(statement_.get());
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    fail_sql(db_, "step");
}

void Statement::reset() {
    sqlite3_reset(statement_.get());
    sqlite3_clear_bindings(statement_.get());
}

std::int64_t Statement::column_int(int index) const {
    return sqlite3_column_int64(statement_.get(), index);
}

double Statement::column_double(int index) const {
    return sqlite3_column_double(statement_.get(), index);
}

std::string Statement::column_text(int index) const {
    const auto* text = sqlite3_column_text(statement_.get(), index);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), index)));
}

bool Statement::column_is_null(int index) const {
    return sqlite3_column_type(statement_.get(), index) == SQLITE_NULL;
}

void exec(sqlite3* db, std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message != nullptr ? message : "unknown error";
        sqlite3_free(message);
        throw SqlError(fmt::format("SQLite: {}", why));
    }
}

void exec_waiting(sqlite3* db, std::string_view sql, std::chrono::milliseconds patience) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + patience;
    const std::string text(sql);
    for (auto pause = std::chrono::milliseconds(1);; pause = std::min(2 * pause, kLongestPause)) {
        const int code = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
        if (code == SQLITE_OK) return;
        if ((code & 0xff) != SQLITE_BUSY || Clock::now() >= deadline)
            fail_sql(db, fmt::format("'{}'", sql.substr(0, 60)));
        std::this_thread::sleep_for(pause);
    }
}

Transaction::Transaction(sqlite3* db, std::chrono::milliseconds patience) : db_(db) {
    exec_waiting(db_, "BEGIN IMMEDIATE", patience);
}

Transaction::~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    exec(db_, "COMMIT");
    done_ = true;
}

} // namespace assay::store
