#include "client/spool.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

using ::actiscope::testing::TempDir;

v1::RunSpec RunSpecFor(const std::string& id) {
  v1::RunSpec run;
  run.set_run_id(id);
  return run;
}

v1::PushRequest Request(uint64_t sequence, size_t payload_bytes = 10) {
  v1::PushRequest request;
  request.set_run_id("r");
  request.set_sequence(sequence);
  request.set_zstd_batch(std::string(payload_bytes, 'x'));
  return request;
}

TEST(SpoolTest, AppendedRequestsReadBackInOrderAfterSeal) {
  TempDir temp_dir("spool_test");
  auto spool = Spool::Open(temp_dir.path(), 1 << 20);
  ASSERT_TRUE(spool.ok()) << spool.status();
  for (uint64_t i = 1; i <= 3; ++i)
    ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(i), 5).ok());
  EXPECT_TRUE((*spool)->SealedSegments().empty());
  (*spool)->Seal();
  const std::vector<std::string> segments = (*spool)->SealedSegments();
  ASSERT_EQ(segments.size(), 1u);
  auto contents = ReadSegment(segments[0]);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->run.run_id(), "r");
  ASSERT_EQ(contents->requests.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(contents->requests[i].request.sequence(), i + 1);
    EXPECT_EQ(contents->requests[i].frames, 5u);
  }
  EXPECT_FALSE(contents->corrupt_tail);
  EXPECT_EQ((*spool)->frames(), 15u);
}

TEST(SpoolTest, AnotherRunStartsANewSegment) {
  TempDir temp_dir("spool_test");
  auto spool = Spool::Open(temp_dir.path(), 1 << 20);
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE((*spool)->Append(RunSpecFor("a"), Request(1), 1).ok());
  ASSERT_TRUE((*spool)->Append(RunSpecFor("b"), Request(2), 1).ok());
  (*spool)->Seal();
  const std::vector<std::string> segments = (*spool)->SealedSegments();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(ReadSegment(segments[0])->run.run_id(), "a");
  EXPECT_EQ(ReadSegment(segments[1])->run.run_id(), "b");
}

TEST(SpoolTest, ReopenedSpoolIndexesLeftSegmentsAndAppendsToANewOne) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path();
  {
    auto spool = Spool::Open(dir, 1 << 20);
    ASSERT_TRUE(spool.ok());
    ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(1), 7).ok());
  }
  auto spool = Spool::Open(dir, 1 << 20);
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->frames(), 7u);
  ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(2), 1).ok());
  (*spool)->Seal();
  ASSERT_EQ((*spool)->SealedSegments().size(), 2u);
  EXPECT_EQ((*spool)->frames(), 8u);
}

TEST(SpoolTest, TornLastRecordIsDetectedAndEarlierRecordsKept) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path();
  auto spool = Spool::Open(dir, 1 << 20);
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(1), 1).ok());
  ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(2), 1).ok());
  (*spool)->Seal();
  const std::string path = (*spool)->SealedSegments()[0];
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 3);  // A write cut short by a kill.
  auto contents = ReadSegment(path);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->requests.size(), 1u);
  EXPECT_TRUE(contents->corrupt_tail);
}

TEST(SpoolTest, FlippedByteFailsTheChecksum) {
  TempDir temp_dir("spool_test");
  auto spool = Spool::Open(temp_dir.path(), 1 << 20);
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(1, 100), 1).ok());
  (*spool)->Seal();
  const std::string path = (*spool)->SealedSegments()[0];
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-5, std::ios::end);
    f.put('y');
  }
  auto contents = ReadSegment(path);
  ASSERT_TRUE(contents.ok());
  EXPECT_TRUE(contents->requests.empty());
  EXPECT_TRUE(contents->corrupt_tail);
}

TEST(SpoolTest, AppendBeyondTheBoundIsRefusedAndWritesNothing) {
  TempDir temp_dir("spool_test");
  auto spool = Spool::Open(temp_dir.path(), 600);
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(1, 300), 1).ok());
  const size_t before = (*spool)->bytes();
  EXPECT_EQ((*spool)->Append(RunSpecFor("r"), Request(2, 300), 1).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ((*spool)->bytes(), before);
}

TEST(SpoolTest, RemovedSegmentIsGone) {
  TempDir temp_dir("spool_test");
  auto spool = Spool::Open(temp_dir.path(), 1 << 20);
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE((*spool)->Append(RunSpecFor("r"), Request(1), 1).ok());
  (*spool)->Seal();
  const std::string path = (*spool)->SealedSegments()[0];
  ASSERT_TRUE((*spool)->Remove(path).ok());
  EXPECT_TRUE((*spool)->empty());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(ReadSegment(path).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace actiscope::client
