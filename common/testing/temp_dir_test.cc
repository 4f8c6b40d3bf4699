#include "common/testing/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace actiscope::testing {
namespace {

TEST(TempDirTest, CreatesADistinctDirectoryAndRemovesItWithItsFiles) {
  std::string kept;
  {
    TempDir a("temp_dir_test");
    TempDir b("temp_dir_test");
    ASSERT_FALSE(a.path().empty());
    EXPECT_NE(a.path(), b.path());
    EXPECT_TRUE(std::filesystem::is_directory(a.path()));
    std::filesystem::create_directories(a.File("sub/dir"));
    std::ofstream(a.File("sub/dir/file")) << "x";
    EXPECT_EQ(a.File("f"), a.path() + "/f");
    kept = a.path();
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace actiscope::testing
