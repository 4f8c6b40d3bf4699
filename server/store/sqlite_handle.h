// Thin RAII wrappers over the SQLite C API for the storage module: a Connection (one
// sqlite3*, with its cached prepared statements) and a Statement cursor. Only storage code
// (server/store/sqlite_store.cc and its helpers) uses them; nothing else includes <sqlite3.h>.
//
// Thread-safety: a Connection and its Statements belong to one thread at a time; the store
// hands connections out under its own locks.
#ifndef ACTISCOPE_SERVER_STORE_SQLITE_HANDLE_H_
#define ACTISCOPE_SERVER_STORE_SQLITE_HANDLE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace actiscope::server {

// Maps a SQLite result code to a status: `what failed: sqlite message`, marked as a store
// error (IsStoreError). SQLITE_FULL (the disk, or the database's page limit, full) is
// RESOURCE_EXHAUSTED saying so; SQLITE_BUSY/LOCKED UNAVAILABLE; SQLITE_NOMEM
// RESOURCE_EXHAUSTED; SQLITE_CORRUPT/NOTADB DATA_LOSS; SQLITE_CANTOPEN/PERM/READONLY
// PERMISSION_DENIED; anything else INTERNAL.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// True for a status made by SqliteError (it carries a payload under kStoreErrorPayloadUrl), kept
// through ACTISCOPE_RETURN_IF_ERROR and copies: the error came from SQLite or the file system,
// not from the content of what was written, and the open transaction may already be rolled back.
bool IsStoreError(const absl::Status& status);
inline constexpr absl::string_view kStoreErrorPayloadUrl = "actiscope.store/sqlite";

// A prepared statement in use: bind, step, read columns. Reset (and clears bindings) when
// destroyed, so a cached statement is ready for its next user.
class Statement {
 public:
  // `in_use` (a cached statement's flag, cleared on destruction) or, when null, the statement
  // is owned and finalized on destruction.
  Statement(sqlite3_stmt* stmt, bool* in_use) : stmt_(stmt), in_use_(in_use) {}
  ~Statement();
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), in_use_(other.in_use_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, double v);
  Statement& BindText(int i, absl::string_view v);
  Statement& BindBlob(int i, absl::string_view v);

  // True while there is a row; false when done. Errors are returned as status.
  absl::StatusOr<bool> Step();
  // Runs to completion, expecting no rows.
  absl::Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  // Views valid until the next Step.
  absl::string_view Text(int col) const;
  absl::string_view Blob(int col) const;

 private:
  sqlite3_stmt* stmt_;
  bool* in_use_;
};

class Connection {
 public:
  // Opens `path` (created when missing, with `page_size` bytes per page) with WAL, the given
  // synchronous level ("FULL" or "NORMAL"), foreign keys on and a busy timeout. `read_only`
  // opens a query connection.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                          absl::string_view synchronous,
                                                          int page_size = 4096);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results.
  absl::Status Exec(absl::string_view sql);
  // The cached prepared statement for `sql` (prepared on first use), ready to bind. While
  // that one is in use (nested reads), a fresh statement that is finalized after use.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);

  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    std::unique_ptr<bool> in_use;
  };
  absl::flat_hash_map<std::string, Cached> cache_;
};

// Begins a transaction on construction (BEGIN or BEGIN IMMEDIATE); rolls back on destruction
// unless Commit succeeded.
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Connection* conn, bool immediate);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  absl::Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SQLITE_HANDLE_H_
