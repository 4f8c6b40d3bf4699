#include "trainer/checksummed_file.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::trainer {
namespace {

using ::actiscope::testing::TempDir;
using ::testing::HasSubstr;

absl::Status Write(const std::string& path, const std::string& body) {
  return WriteFileAtomically(path, path + ".tmp", [&body](const BodySink& sink) {
    // In two pieces, as an archive writer would.
    sink(body.data(), body.size() / 2);
    sink(body.data() + body.size() / 2, body.size() - body.size() / 2);
    return absl::OkStatus();
  });
}

std::string Body(const VerifiedFile& file) {
  std::string body(file.body_length(), '\0');
  body.resize(file.ReadAt(0, body.data(), body.size()));
  return body;
}

class ChecksummedFileTest : public ::testing::Test {
 protected:
  TempDir temp_dir_{"checksummed_file_test"};
  const std::string path_ = temp_dir_.File("file");
};

TEST_F(ChecksummedFileTest, WrittenFileVerifiesAndReadsBackWithoutATempFile) {
  ASSERT_TRUE(Write(path_, "hello world").ok());
  auto file = VerifiedFile::Open(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->body_length(), 11u);
  EXPECT_EQ(Body(*file), "hello world");
  char tail[100];
  ASSERT_EQ(file->ReadAt(6, tail, sizeof(tail)), 5u);  // Stops at the body's end.
  EXPECT_EQ(std::string(tail, 5), "world");
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
}

TEST_F(ChecksummedFileTest, AFailedWriteLeavesTheOldFileAndRemovesTheTempFile) {
  ASSERT_TRUE(Write(path_, "old").ok());
  const absl::Status s = WriteFileAtomically(path_, path_ + ".tmp", [](const BodySink& sink) {
    sink("partial", 7);
    return absl::InternalError("serializer failed");
  });
  EXPECT_EQ(s, absl::InternalError("serializer failed"));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
  auto file = VerifiedFile::Open(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(Body(*file), "old");
}

TEST_F(ChecksummedFileTest, AChangedByteIsDataLoss) {
  ASSERT_TRUE(Write(path_, "hello world").ok());
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4);
    f.put('O');
  }
  auto file = VerifiedFile::Open(path_);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(file.status().message(), HasSubstr(path_ + ": checksum"));
}

TEST_F(ChecksummedFileTest, ATruncatedFileIsDataLoss) {
  ASSERT_TRUE(Write(path_, "hello world").ok());
  std::filesystem::resize_file(path_, std::filesystem::file_size(path_) - 1);
  auto file = VerifiedFile::Open(path_);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(file.status().message(), HasSubstr(path_ + ": no checksum trailer"));
}

TEST_F(ChecksummedFileTest, AMissingFileIsNotFound) {
  EXPECT_EQ(VerifiedFile::Open(path_).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ChecksummedFileTest, AnUncreatableTempFileIsInternalNamingIt) {
  const std::string path = temp_dir_.File("missing/file");
  const absl::Status s = Write(path, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("creating " + path + ".tmp"));
}

}  // namespace
}  // namespace actiscope::trainer
