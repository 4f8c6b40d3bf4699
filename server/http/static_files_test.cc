#include "server/http/static_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(base_ / "web" / "js");
    Write(base_ / "web" / "index.html", "<!doctype html>index");
    Write(base_ / "web" / "js" / "app.js", "export {};");
    Write(base_ / "web" / "style.css", "body{}");
    Write(base_ / "web" / "notes.bin", "binary");
    Write(base_ / "web" / ".hidden.js", "hidden");
    Write(base_ / "secret.txt", "TOP SECRET");
    std::filesystem::create_symlink(base_ / "secret.txt", base_ / "web" / "link.txt");
  }

  static void Write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  StaticFiles files() { return StaticFiles((base_ / "web").string()); }

  ::actiscope::testing::TempDir temp_dir_{"static_files_test"};
  const std::filesystem::path base_{temp_dir_.path()};
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentTypes) {
  absl::StatusOr<StaticFile> js = files().Read("/js/app.js?v=1");
  ASSERT_TRUE(js.ok()) << js.status();
  EXPECT_EQ(js->body, "export {};");
  EXPECT_EQ(js->content_type, "application/javascript; charset=utf-8");
  EXPECT_EQ(files().Read("/style.css")->content_type, "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, AppRoutesServeIndexHtml) {
  for (const char* target : {"/", "/runs/abc", "/runs/a%2Fb", "/compare?runs=a,b", "/runs"}) {
    absl::StatusOr<StaticFile> file = files().Read(target);
    ASSERT_TRUE(file.ok()) << target << ": " << file.status();
    EXPECT_EQ(file->body, "<!doctype html>index") << target;
    EXPECT_EQ(file->content_type, "text/html; charset=utf-8");
  }
}

TEST_F(StaticFilesTest, RejectsEveryPathThatCouldLeaveTheRoot) {
  for (const char* target :
       {"/../secret.txt", "/../../etc/passwd", "/js/../../secret.txt", "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt", "/js%2f..%2f..%2fsecret.txt", "/..%5csecret.txt",
        "/js\\..\\..\\secret.txt", "/index.html%00.js", "/./index.html", "//etc/passwd",
        "/js//app.js", ".hidden.js", "/.hidden.js", "relative.js"}) {
    absl::StatusOr<StaticFile> file = files().Read(target);
    EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument) << target;
  }
  std::string with_nul("/index.html\0.js", 15);
  EXPECT_EQ(files().Read(with_nul).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StaticFilesTest, DoesNotFollowSymlinksOutOfTheRoot) {
  EXPECT_EQ(files().Read("/link.txt").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StaticFilesTest, MissingFilesAndUnknownTypesAreNotFound) {
  EXPECT_EQ(files().Read("/missing.js").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(files().Read("/notes.bin").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(files().Read("/js").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StaticFilesTest, WithoutARootEverythingIsUnavailable) {
  StaticFiles none("");
  EXPECT_EQ(none.Read("/").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace actiscope::server
