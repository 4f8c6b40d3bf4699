#include "server/store/sqlite_handle.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace actiscope::server {

namespace {

absl::Status MapSqliteError(int rc, const std::string& detail) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(detail);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(absl::StrCat(
          detail,
          ": the disk or the database size limit (--max_database_bytes) is full; nothing of "
          "this write is stored; clients keep their data, retry later"));
    case SQLITE_NOMEM:
      return absl::ResourceExhaustedError(detail);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(detail);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return absl::PermissionDeniedError(detail);
    default:
      return absl::InternalError(detail);
  }
}

}  // namespace

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  absl::Status status = MapSqliteError(
      rc, absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  // The payload is SQLite's result code, for debugging; IsStoreError needs only its presence.
  status.SetPayload(kStoreErrorPayloadUrl, absl::Cord(absl::StrCat(rc)));
  return status;
}

bool IsStoreError(const absl::Status& status) {
  return status.GetPayload(kStoreErrorPayloadUrl).has_value();
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Statement& Statement::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}

Statement& Statement::BindText(int i, absl::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindBlob(int i, absl::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), rc,
                     absl::StrCat("sqlite step `", sqlite3_sql(stmt_), "`"));
}

absl::Status Statement::Run() {
  for (;;) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::string_view Statement::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? absl::string_view()
                      : absl::string_view(reinterpret_cast<const char*>(p), n);
}

absl::string_view Statement::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? absl::string_view() : absl::string_view(static_cast<const char*>(p), n);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                             bool read_only,
                                                             absl::string_view synchronous,
                                                             int page_size) {
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(db, rc, absl::StrCat("open database ", path));
    sqlite3_close(db);
    return status;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  if (!read_only) {
    // page_size only takes effect on a new, empty file (before journal_mode=WAL).
    absl::Status status = conn->Exec(
        absl::StrCat("PRAGMA page_size=", page_size,
                     "; PRAGMA journal_mode=WAL; PRAGMA synchronous=", synchronous, ";"));
    if (!status.ok()) return status;
  }
  absl::Status status = conn->Exec("PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;");
  if (!status.ok()) return status;
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

absl::Status Connection::Exec(absl::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteError(db_, rc, absl::StrCat("sqlite exec `", sql.substr(0, 80), "`"));
  sqlite3_free(error);
  return status;
}

absl::StatusOr<Statement> Connection::Prepare(absl::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return Statement(it->second.stmt, it->second.in_use.get());
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, absl::StrCat("sqlite prepare `", sql, "`"));
  }
  if (it != cache_.end()) return Statement(stmt, nullptr);
  Cached& cached = cache_[std::string(sql)];
  cached.stmt = stmt;
  cached.in_use = std::make_unique<bool>(true);
  return Statement(stmt, cached.in_use.get());
}

absl::StatusOr<Transaction> Transaction::Begin(Connection* conn, bool immediate) {
  absl::Status status = conn->Exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!status.ok()) return status;
  return Transaction(conn);
}

Transaction::~Transaction() {
  if (conn_ != nullptr) conn_->Exec("ROLLBACK").IgnoreError();
}

absl::Status Transaction::Commit() {
  absl::Status status = conn_->Exec("COMMIT");
  if (status.ok()) conn_ = nullptr;
  return status;
}

}  // namespace actiscope::server
