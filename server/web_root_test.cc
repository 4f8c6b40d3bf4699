#include "server/web_root.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

TEST(WebRootTest, FindsTheSourceTreeWebFolderFromABuildTree) {
  absl::StatusOr<std::string> root = FindWebRoot();
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_TRUE(IsWebRoot(*root));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(*root) / "js" / "app.js"));
}

TEST(WebRootTest, LooksBesideTheBinaryFirst) {
  std::vector<std::string> candidates = WebRootCandidates();
  ASSERT_GE(candidates.size(), 2u);
  EXPECT_NE(candidates[0].find("/../share/actiscope/web"), std::string::npos);
  EXPECT_EQ(candidates[1].substr(candidates[1].size() - 4), "/web");
}

TEST(WebRootTest, AFolderIsAWebRootOnlyWithIndexHtml) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("web_root_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  EXPECT_FALSE(IsWebRoot(dir.string()));
  std::ofstream(dir / "index.html") << "x";
  EXPECT_TRUE(IsWebRoot(dir.string()));
  EXPECT_FALSE(IsWebRoot(""));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace actiscope::server
