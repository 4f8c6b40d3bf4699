#include "common/testing/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace actiscope::testing {
namespace {

std::string Root() {
  const char* env = std::getenv("TEST_TMPDIR");
  std::string root = env != nullptr && *env != '\0' ? env : ::testing::TempDir();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

}  // namespace

TempDir::TempDir(absl::string_view prefix) {
  std::string pattern = absl::StrCat(Root(), "/", prefix, "-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "TempDir: cannot create " << pattern << ": " << std::strerror(errno);
    return;
  }
  path_ = std::move(pattern);
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

std::string TempDir::File(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

}  // namespace actiscope::testing
