// CheckDatabaseIntegrity: PRAGMA integrity_check over a read-only sqlite3 connection.
#include "tests/faults/database_check.h"

#include <sqlite3.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace actiscope::faults {

absl::Status CheckDatabaseIntegrity(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  const auto fail = [&](const char* what) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat(what, " ", path, ": ", db != nullptr ? sqlite3_errmsg(db) : "no memory"));
    sqlite3_close(db);
    return status;
  };
  if (rc != SQLITE_OK) return fail("open");
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) != SQLITE_OK) {
    return fail("integrity_check of");
  }
  std::vector<std::string> answer;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    answer.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
  }
  sqlite3_finalize(statement);
  if (rc != SQLITE_DONE) return fail("integrity_check of");
  sqlite3_close(db);
  if (answer.size() == 1 && answer[0] == "ok") return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("integrity_check of ", path, ": ", absl::StrJoin(answer, "; ")));
}

}  // namespace actiscope::faults
