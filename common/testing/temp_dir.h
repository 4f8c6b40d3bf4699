// TempDir: a fresh directory for one test (or benchmark run), removed with everything in it when
// the object is destroyed. Every actiscope test that needs files on disk uses this one helper.
//
// The directory is created under $TEST_TMPDIR when set, else under ::testing::TempDir(), as
// PREFIX-XXXXXX (mkdtemp). A failure to create it is a test failure (ADD_FAILURE) and leaves
// path() empty, so a test that goes on fails at its first file operation with a clear message.
//
// Thread-safety: const methods may be called concurrently.
//
// Example:
//   TempDir dir("spool_test");
//   auto spool = Spool::Open(dir.path(), 1 << 20);
//   std::string db = dir.File("actiscope.db");
#ifndef ACTISCOPE_COMMON_TESTING_TEMP_DIR_H_
#define ACTISCOPE_COMMON_TESTING_TEMP_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace actiscope::testing {

class TempDir {
 public:
  explicit TempDir(absl::string_view prefix = "actiscope");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory's absolute path, without a trailing slash.
  const std::string& path() const { return path_; }
  // path()/name; creates nothing.
  std::string File(absl::string_view name) const;

 private:
  std::string path_;
};

}  // namespace actiscope::testing

#endif  // ACTISCOPE_COMMON_TESTING_TEMP_DIR_H_
