#include "server/http/web_root.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/testing/temp_dir.h"
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
  ::actiscope::testing::TempDir temp_dir("web_root_test");
  const std::filesystem::path dir = temp_dir.path();
  EXPECT_FALSE(IsWebRoot(dir.string()));
  std::ofstream(dir / "index.html") << "x";
  EXPECT_TRUE(IsWebRoot(dir.string()));
  EXPECT_FALSE(IsWebRoot(""));
}

}  // namespace
}  // namespace actiscope::server
