// The SQLite schema of the store and its migrations. The schema, with its version history, is
// documented in schema.cc; PRAGMA user_version holds the version a file is at.
//
// Thread-safety: Migrate runs on the writer connection before the store serves anything.
#ifndef ACTISCOPE_SERVER_STORE_SCHEMA_H_
#define ACTISCOPE_SERVER_STORE_SCHEMA_H_

#include <string>

#include "absl/status/status.h"
#include "server/store/sqlite_handle.h"

namespace actiscope::server {

// The version this build writes.
inline constexpr int kSchemaVersion = 4;

// Checks, from the file's 100-byte SQLite header and before SQLite opens it read-write (which
// would switch it to WAL), that `path` is a database actiscope-server may use: missing or empty
// (a new database), or an SQLite file whose user_version is actiscope's or that has no schema
// yet. DATA_LOSS for a file that is not SQLite; FAILED_PRECONDITION for another program's
// database (a schema but user_version 0). Reads only; the file is never changed.
[[nodiscard]] absl::Status CheckDatabaseFile(const std::string& path);

// Brings the database to kSchemaVersion, one migration per version in one transaction each.
// FAILED_PRECONDITION when the file is from a newer build.
[[nodiscard]] absl::Status MigrateSchema(Connection* conn);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SCHEMA_H_
