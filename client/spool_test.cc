#include "client/spool.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
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

std::unique_ptr<Spool> OpenSpool(const std::string& dir, size_t bound = 1 << 20,
                                 SpoolFsync fsync = SpoolFsync::kOnSeal) {
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(dir, bound, fsync);
  EXPECT_TRUE(spool.ok()) << spool.status();
  return spool.ok() ? *std::move(spool) : nullptr;
}

std::set<std::string> Files(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

TEST(SpoolTest, AppendedRequestsReadBackInOrderAfterSeal) {
  TempDir temp_dir("spool_test");
  std::unique_ptr<Spool> spool = OpenSpool(temp_dir.path());
  ASSERT_NE(spool, nullptr);
  for (uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(i), 5).ok());
  EXPECT_TRUE(spool->SealedSegments().empty());
  EXPECT_TRUE(spool->has_own_segments());
  spool->Seal();
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_TRUE(segments[0].own);
  EXPECT_EQ(segments[0].frames, 15u);
  EXPECT_NE(segments[0].path.find(spool->owner()), std::string::npos) << segments[0].path;
  auto contents = ReadSegment(segments[0].path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->run.run_id(), "r");
  ASSERT_EQ(contents->requests.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(contents->requests[i].request.sequence(), i + 1);
    EXPECT_EQ(contents->requests[i].frames, 5u);
  }
  EXPECT_FALSE(contents->corrupt_tail);
  EXPECT_EQ(spool->frames(), 15u);
  EXPECT_EQ(spool->held_frames(), 15u);
}

TEST(SpoolTest, AnotherRunStartsANewSegment) {
  TempDir temp_dir("spool_test");
  std::unique_ptr<Spool> spool = OpenSpool(temp_dir.path());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(RunSpecFor("a"), Request(1), 1).ok());
  ASSERT_TRUE(spool->Append(RunSpecFor("b"), Request(2), 1).ok());
  spool->Seal();
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(ReadSegment(segments[0].path)->run.run_id(), "a");
  EXPECT_EQ(ReadSegment(segments[1].path)->run.run_id(), "b");
}

TEST(SpoolTest, ReopenedSpoolAdoptsTheEndedOwnersSegmentsAndAppendsToItsOwn) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path();
  {
    std::unique_ptr<Spool> spool = OpenSpool(dir);
    ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(1), 7).ok());
  }
  std::unique_ptr<Spool> spool = OpenSpool(dir);
  ASSERT_NE(spool, nullptr);
  EXPECT_EQ(spool->held_frames(), 7u);
  EXPECT_FALSE(spool->has_own_segments());
  ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(2), 1).ok());
  spool->Seal();
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_NE(segments[0].own, segments[1].own);
  EXPECT_EQ(spool->held_frames(), 8u);
}

TEST(SpoolTest, TwoLiveSpoolsInOneDirectoryNeverShareOrTakeSegments) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path();
  std::unique_ptr<Spool> a = OpenSpool(dir);
  std::unique_ptr<Spool> b = OpenSpool(dir);
  ASSERT_TRUE(a != nullptr && b != nullptr);
  EXPECT_NE(a->owner(), b->owner());
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(a->Append(RunSpecFor("r"), Request(i), 1).ok());
    ASSERT_TRUE(b->Append(RunSpecFor("r"), Request(100 + i), 2).ok());
  }
  a->Seal();
  b->Seal();
  EXPECT_EQ(b->Rescan(), 0u);  // `a` is alive: its segments are not b's to replay.
  const std::vector<HeldSegment> a_segments = a->SealedSegments();
  const std::vector<HeldSegment> b_segments = b->SealedSegments();
  ASSERT_EQ(a_segments.size(), 1u);
  ASSERT_EQ(b_segments.size(), 1u);
  EXPECT_NE(a_segments[0].path, b_segments[0].path);
  EXPECT_EQ(ReadSegment(a_segments[0].path)->requests.size(), 3u);
  EXPECT_EQ(ReadSegment(b_segments[0].path)->requests[0].request.sequence(), 101u);
  EXPECT_EQ(a->held_frames(), 3u);
  EXPECT_EQ(b->held_frames(), 6u);
  EXPECT_EQ(b->frames(), 9u);  // Its own and, counted apart, a's.
}

TEST(SpoolTest, AnEndedOwnersSegmentsAreAdoptedByOneSpoolOnly) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path();
  std::unique_ptr<Spool> ended = OpenSpool(dir);
  std::unique_ptr<Spool> b = OpenSpool(dir);
  ASSERT_TRUE(ended != nullptr && b != nullptr);
  ASSERT_TRUE(ended->Append(RunSpecFor("r"), Request(1), 4).ok());
  ended.reset();                              // Its lock is released, its segment left.
  std::unique_ptr<Spool> c = OpenSpool(dir);  // Adopts it at Open.
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->held_frames(), 4u);
  EXPECT_EQ(b->Rescan(), 0u);  // c holds the ended owner's lock now.
  EXPECT_TRUE(b->empty());
  const std::vector<HeldSegment> adopted = c->SealedSegments();
  ASSERT_EQ(adopted.size(), 1u);
  EXPECT_FALSE(adopted[0].own);
  ASSERT_TRUE(c->Remove(adopted[0].path).ok());
  EXPECT_TRUE(c->empty());
  c.reset();
  b.reset();
  EXPECT_TRUE(Files(dir).empty()) << *Files(dir).begin();  // Lock files removed with the last.
}

TEST(SpoolTest, AKilledProcessesSegmentsAreAdoptedOnlyOnceItIsDead) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // A trainer: spools three requests, then waits to be killed.
    absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(dir, 1 << 20);
    bool ok = spool.ok();
    for (uint64_t i = 1; ok && i <= 3; ++i) {
      ok = (*spool)->Append(RunSpecFor("killed"), Request(i), 2).ok();
    }
    const char byte = ok ? 'y' : 'n';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(1);
    while (true) ::pause();
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(byte, 'y');
  std::unique_ptr<Spool> spool = OpenSpool(dir);
  ASSERT_NE(spool, nullptr);
  EXPECT_TRUE(spool->empty());  // The child is alive.
  EXPECT_EQ(spool->frames(), 6u);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(spool->Rescan(), 1u);
  EXPECT_EQ(spool->held_frames(), 6u);
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(ReadSegment(segments[0].path)->run.run_id(), "killed");
}

TEST(SpoolTest, ASegmentOfAnEarlierVersionIsAdopted) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path();
  std::ofstream(dir + "/segment-0000000000000003.spool", std::ios::binary)
      << EncodeRunRecord(RunSpecFor("old")) << EncodeRequestRecord(Request(1), 5, 0);
  std::unique_ptr<Spool> spool = OpenSpool(dir);
  ASSERT_NE(spool, nullptr);
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].frames, 5u);
  ASSERT_TRUE(spool->Remove(segments[0].path).ok());
  spool.reset();
  EXPECT_TRUE(Files(dir).empty()) << *Files(dir).begin();
}

TEST(SpoolTest, AVanishedSegmentIsForgotten) {
  TempDir temp_dir("spool_test");
  std::unique_ptr<Spool> spool = OpenSpool(temp_dir.path());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(RunSpecFor("a"), Request(1), 1).ok());
  ASSERT_TRUE(spool->Append(RunSpecFor("b"), Request(2), 1).ok());
  spool->Seal();
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_EQ(segments.size(), 2u);
  std::filesystem::remove(segments[0].path);
  std::filesystem::remove(segments[1].path);
  spool->Rescan();
  EXPECT_TRUE(spool->empty());
  EXPECT_EQ(spool->bytes(), 0u);
  EXPECT_EQ(ReadSegment(segments[0].path).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(spool->Remove(segments[0].path).ok());  // Already gone: not an error.
}

TEST(SpoolTest, TornLastRecordIsDetectedAndEarlierRecordsKept) {
  TempDir temp_dir("spool_test");
  std::unique_ptr<Spool> spool = OpenSpool(temp_dir.path());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(1), 1).ok());
  ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(2), 1).ok());
  spool->Seal();
  const std::string path = spool->SealedSegments()[0].path;
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 3);  // A write cut short by a kill.
  auto contents = ReadSegment(path);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->requests.size(), 1u);
  EXPECT_TRUE(contents->corrupt_tail);
}

TEST(SpoolTest, FlippedByteFailsTheChecksum) {
  TempDir temp_dir("spool_test");
  std::unique_ptr<Spool> spool = OpenSpool(temp_dir.path());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(1, 100), 1).ok());
  spool->Seal();
  const std::string path = spool->SealedSegments()[0].path;
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
  std::unique_ptr<Spool> spool = OpenSpool(temp_dir.path(), 600);
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(1, 300), 1).ok());
  const size_t before = spool->bytes();
  EXPECT_EQ(spool->Append(RunSpecFor("r"), Request(2, 300), 1).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(spool->bytes(), before);
}

TEST(SpoolTest, AnUnwritableDirectoryFailsAppendWithTheReason) {
  TempDir temp_dir("spool_test");
  const std::string dir = temp_dir.path() + "/spool";
  std::unique_ptr<Spool> spool = OpenSpool(dir);
  ASSERT_NE(spool, nullptr);
  std::filesystem::remove_all(dir);
  std::ofstream(dir) << "not a directory";  // Fails as root too, unlike a chmod.
  const absl::Status s = spool->Append(RunSpecFor("r"), Request(1), 1);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_NE(s.message().find("create spool segment"), absl::string_view::npos) << s;
  EXPECT_TRUE(spool->empty());
}

TEST(SpoolTest, RemovedSegmentIsGone) {
  TempDir temp_dir("spool_test");
  std::unique_ptr<Spool> spool = OpenSpool(temp_dir.path());
  ASSERT_NE(spool, nullptr);
  ASSERT_TRUE(spool->Append(RunSpecFor("r"), Request(1), 1).ok());
  spool->Seal();
  const std::string path = spool->SealedSegments()[0].path;
  ASSERT_TRUE(spool->Remove(path).ok());
  EXPECT_TRUE(spool->empty());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(ReadSegment(path).status().code(), absl::StatusCode::kNotFound);
}

TEST(SpoolTest, FsyncPolicyDecidesWhenSegmentsAreSynced) {
  TempDir temp_dir("spool_test");
  struct Case {
    SpoolFsync fsync;
    uint64_t after_appends;  // Two segments of two records each, the first one sealed.
    uint64_t after_seal;
  };
  // kOnSeal: file and directory per sealed segment; kEveryRecord: each record, and the
  // directory per segment created.
  for (const Case& c : {Case{SpoolFsync::kNever, 0, 0}, Case{SpoolFsync::kOnSeal, 2, 4},
                        Case{SpoolFsync::kEveryRecord, 6, 6}}) {
    const std::string dir = temp_dir.path() + "/" + std::to_string(static_cast<int>(c.fsync));
    std::unique_ptr<Spool> spool = OpenSpool(dir, 1 << 20, c.fsync);
    ASSERT_NE(spool, nullptr);
    ASSERT_TRUE(spool->Append(RunSpecFor("a"), Request(1), 1).ok());
    ASSERT_TRUE(spool->Append(RunSpecFor("b"), Request(2), 1).ok());  // Seals a's segment.
    EXPECT_EQ(spool->fsyncs(), c.after_appends) << static_cast<int>(c.fsync);
    spool->Seal();
    EXPECT_EQ(spool->fsyncs(), c.after_seal) << static_cast<int>(c.fsync);
    EXPECT_EQ(spool->SealedSegments().size(), 2u);
  }
}

}  // namespace
}  // namespace actiscope::client
