// The fault suite's check of a database file after the server stopped: SQLite's own
// `PRAGMA integrity_check`, on a read-only connection (nothing is written, no WAL is made).
// The one file of tests/faults that includes <sqlite3.h>.
//
// Thread-safety: reentrant.
#ifndef ACTISCOPE_TESTS_FAULTS_DATABASE_CHECK_H_
#define ACTISCOPE_TESTS_FAULTS_DATABASE_CHECK_H_

#include <string>

#include "absl/status/status.h"

namespace actiscope::faults {

// OK when integrity_check answers "ok"; DATA_LOSS with its answer otherwise; UNAVAILABLE when
// the file cannot be opened or queried (with SQLite's message and the path).
[[nodiscard]] absl::Status CheckDatabaseIntegrity(const std::string& path);

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_DATABASE_CHECK_H_
