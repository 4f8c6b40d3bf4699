#include "client/sender.h"

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "client/collector_session.h"
#include "client/fake_collector.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"

namespace actiscope::client {
namespace {

using ::actiscope::testing::TempDir;

using testing::FakeCollector;

// A request with one frame of `layer` at `step`, padded with incompressible counts.
v1::PushRequest Request(const std::string& run_id, uint64_t sequence, int64_t step) {
  codec::FrameBatchBuilder builder;
  v1::Frame frame;
  frame.set_layer("layer");
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(step);
  frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  frame.mutable_layout()->set_bins(64);
  frame.mutable_layout()->set_lo(0);
  frame.mutable_layout()->set_hi(1);
  std::vector<uint64_t> counts(64);
  uint64_t elements = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = (sequence * 2654435761u + i * 40503u) % 100000;
    elements += counts[i];
  }
  frame.mutable_stats()->set_elements(elements);
  builder.AddFrame(std::move(frame), counts);
  v1::PushRequest request;
  request.set_run_id(run_id);
  request.set_sequence(sequence);
  request.set_zstd_batch(codec::CompressBatch(builder.Take()));
  return request;
}

std::unique_ptr<CollectorSession> Session(int port, const std::string& token = "") {
  ConnectionOptions connection;
  connection.address = absl::StrCat("127.0.0.1:", port);
  connection.token = token;
  absl::StatusOr<std::unique_ptr<CollectorSession>> session = CollectorSession::Open(connection);
  EXPECT_TRUE(session.ok()) << session.status();
  return session.ok() ? *std::move(session) : nullptr;
}

SenderOptions Options(const std::string& run_id, size_t outbox_bound_bytes = 1024) {
  SenderOptions options;
  options.run.set_run_id(run_id);
  options.outbox_bound_bytes = outbox_bound_bytes;
  return options;
}

std::shared_ptr<Spool> OpenSpool(const std::string& dir, size_t bound = 1 << 20) {
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(dir, bound);
  EXPECT_TRUE(spool.ok()) << spool.status();
  return spool.ok() ? std::shared_ptr<Spool>(*std::move(spool)) : nullptr;
}

// The steps of `run_id`'s frames the collector stored.
std::vector<int64_t> StoredSteps(FakeCollector* collector, const std::string& run_id) {
  std::vector<int64_t> steps;
  for (const auto& [key, stored] : collector->frames()) {
    if (std::get<0>(key) == run_id) steps.push_back(std::get<4>(key));
  }
  return steps;
}

// Frames submitted = acked + rejected + dropped + held (in the outbox or the spool).
void ExpectEveryFrameAccountedFor(const SenderCounts& c) {
  EXPECT_EQ(c.frames_submitted,
            c.frames_acked + c.frames_rejected + c.frames_dropped + c.frames_unacked)
      << "acked " << c.frames_acked << ", rejected " << c.frames_rejected << ", dropped "
      << c.frames_dropped << ", held " << c.frames_unacked;
}

ReporterOptions SyncOptions(int port, const std::string& spool_dir) {
  ReporterOptions options;
  options.server_address = absl::StrCat("127.0.0.1:", port);
  options.spool_dir = spool_dir;
  return options;
}

TEST(SenderTest, RunIdTravelsOncePerStreamAndWireBytesAreCounted) {
  FakeCollector collector;
  const int port = collector.Serve();
  RateLimitedLog log;
  SenderOptions options = Options("run-w");
  options.outbox_bound_bytes = size_t{1} << 20;
  Sender sender(options, Session(port), nullptr, &log);
  uint64_t expected_bytes = 0;
  for (uint64_t sequence = 1; sequence <= 3; ++sequence) {
    v1::PushRequest request = Request("run-w", sequence, static_cast<int64_t>(sequence));
    if (sequence > 1) request.clear_run_id();
    expected_bytes += request.ByteSizeLong() + PushStream::kFramingBytes;
    sender.Submit(Request("run-w", sequence, static_cast<int64_t>(sequence)), 1);
  }
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(10)));
  sender.Stop();
  EXPECT_EQ(collector.requests_without_run_id(), 2u);
  EXPECT_EQ(sender.counts().frames_acked, 3u);
  EXPECT_EQ(sender.counts().wire_bytes, expected_bytes);
}

TEST(SenderTest, FullOutboxSpillsToTheSpoolAndIsReplayedInOrderOnceTheCollectorIsBack) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Shutdown();
  TempDir temp_dir("sender_test");
  auto spool = Spool::Open(temp_dir.path(), 1 << 20);
  ASSERT_TRUE(spool.ok());
  std::shared_ptr<Spool> shared = *std::move(spool);
  RateLimitedLog log;
  Sender sender(Options("spill"), Session(port), shared, &log);
  for (uint64_t i = 1; i <= 20; ++i) sender.Submit(Request("spill", i, static_cast<int64_t>(i)), 1);
  EXPECT_FALSE(shared->empty());
  EXPECT_EQ(sender.counts().frames_unacked, 20u);
  ASSERT_EQ(collector.Serve(port), port);
  EXPECT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  EXPECT_TRUE(shared->empty());
  EXPECT_EQ(sender.counts().frames_acked, 20u);
  EXPECT_EQ(collector.frames().size(), 20u);
}

TEST(SenderTest, ARequestLargerThanTheOutboxGoesToTheSpool) {
  FakeCollector collector;
  const int port = collector.Serve();
  TempDir temp_dir("sender_test");
  std::shared_ptr<Spool> spool = OpenSpool(temp_dir.path());
  RateLimitedLog log;
  Sender sender(Options("large", 64), Session(port), spool, &log);
  sender.Submit(Request("large", 1, 1), 1);
  EXPECT_EQ(sender.counts().frames_dropped, 0u);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(sender.counts().frames_acked, 1u);
}

TEST(SenderTest, FullSpoolDropsAndReportsTheCountInTheNextRequest) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Shutdown();
  TempDir temp_dir("sender_test");
  auto spool = Spool::Open(temp_dir.path(), 2048);
  ASSERT_TRUE(spool.ok());
  std::shared_ptr<Spool> shared = *std::move(spool);
  RateLimitedLog log;
  Sender sender(Options("full"), Session(port), shared, &log);
  for (uint64_t i = 1; i <= 30; ++i) sender.Submit(Request("full", i, static_cast<int64_t>(i)), 1);
  const SenderCounts before = sender.counts();
  EXPECT_GT(before.frames_dropped, 0u);
  EXPECT_EQ(before.frames_dropped + before.frames_unacked, 30u);
  ASSERT_EQ(collector.Serve(port), port);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  EXPECT_TRUE(sender.HasUnreportedCounts());
  sender.Submit(Request("full", 31, 31), 1);  // Carries the drop count.
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(collector.dropped(), before.frames_dropped);
}

TEST(SenderTest, ARefusedTokenKeepsTheDataQueuedAndEveryCallCarriesTheToken) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.RequireToken("good-token-0123456789");
  RateLimitedLog log;
  {
    SenderOptions options = Options("refused");
    options.outbox_bound_bytes = size_t{1} << 20;
    Sender sender(options, Session(port, "wrong-token-0123456789"), nullptr, &log);
    for (uint64_t i = 1; i <= 3; ++i)
      sender.Submit(Request("refused", i, static_cast<int64_t>(i)), 1);
    EXPECT_FALSE(sender.Drain(absl::Now() + absl::Seconds(2)));
    const absl::Status failure = sender.last_failure();
    EXPECT_EQ(failure.code(), absl::StatusCode::kUnauthenticated) << failure;
    EXPECT_NE(failure.message().find("--token_file"), absl::string_view::npos) << failure;
    EXPECT_NE(failure.message().find(absl::StrCat("127.0.0.1:", port)), absl::string_view::npos)
        << failure;
    EXPECT_EQ(sender.counts().frames_acked, 0u);
    EXPECT_EQ(sender.counts().frames_unacked, 3u);
    EXPECT_EQ(sender.counts().frames_dropped, 0u);
    EXPECT_EQ(sender.counts().frames_rejected, 0u);  // A wrong token rejects nothing.
  }
  EXPECT_TRUE(collector.frames().empty());
  SenderOptions options = Options("accepted");
  options.outbox_bound_bytes = size_t{1} << 20;
  Sender sender(options, Session(port, "good-token-0123456789"), nullptr, &log);
  for (uint64_t i = 1; i <= 3; ++i)
    sender.Submit(Request("accepted", i, static_cast<int64_t>(i)), 1);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(sender.counts().frames_acked, 3u);
  EXPECT_EQ(collector.frames().size(), 3u);
  for (const char* method : {"StartRun", "Push"}) {
    const std::vector<std::string> seen = collector.authorizations(method);
    ASSERT_FALSE(seen.empty()) << method;
    EXPECT_EQ(seen.back(), "Bearer good-token-0123456789") << method;
  }
}

TEST(SenderTest, APoisonRequestIsRejectedReportedAndTheRestDelivered) {
  FakeCollector collector;
  const int port = collector.Serve();
  const grpc::Status invalid(grpc::StatusCode::INVALID_ARGUMENT, "layout cannot change");
  collector.Refuse("poison", 3, invalid);
  collector.Refuse("poison", 5,
                   grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "run is finished"));
  collector.Refuse("poison", 7, grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "step"));
  RateLimitedLog log;
  Sender sender(Options("poison", size_t{1} << 20), Session(port), nullptr, &log);
  for (uint64_t i = 1; i <= 8; ++i) sender.Submit(Request("poison", i, static_cast<int64_t>(i)), 1);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  SenderCounts counts = sender.counts();
  EXPECT_EQ(counts.frames_acked, 5u);
  EXPECT_EQ(counts.frames_rejected, 3u);
  EXPECT_EQ(counts.frames_dropped, 0u);
  EXPECT_EQ(counts.frames_unacked, 0u);
  EXPECT_EQ(StoredSteps(&collector, "poison"), (std::vector<int64_t>{1, 2, 4, 6, 8}));
  EXPECT_EQ(collector.refused("poison", 3), 1);  // Given up at the first refusal.
  // The count travels in the next request submitted.
  EXPECT_TRUE(sender.HasUnreportedCounts());
  sender.Submit(Request("poison", 9, 9), 1);
  EXPECT_FALSE(sender.HasUnreportedCounts());
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(collector.rejected(), 3u);
  counts = sender.counts();
  EXPECT_EQ(counts.frames_acked, 6u);
  ExpectEveryFrameAccountedFor(counts);
}

TEST(SenderTest, ARequestOverALimitIsRejectedWhileABusyOrFullCollectorIsRetried) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Refuse("limits", 2,
                   grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "the batch holds 9000 frames, over the limit of 8192 per request "
                                "(--max_frames_per_request); send smaller batches"));
  collector.Refuse(
      "limits", 4,
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "store: write: database or disk is full"),
      2);
  collector.Refuse("limits", 5,
                   grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "Push: the server holds 256 Push streams, its limit "
                                "(--max_push_streams=256); retry later"),
                   1);
  RateLimitedLog log;
  Sender sender(Options("limits", size_t{1} << 20), Session(port), nullptr, &log);
  for (uint64_t i = 1; i <= 6; ++i) sender.Submit(Request("limits", i, static_cast<int64_t>(i)), 1);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  const SenderCounts counts = sender.counts();
  EXPECT_EQ(counts.frames_acked, 5u);
  EXPECT_EQ(counts.frames_rejected, 1u);
  EXPECT_EQ(StoredSteps(&collector, "limits"), (std::vector<int64_t>{1, 3, 4, 5, 6}));
  EXPECT_EQ(collector.refused("limits", 2), 1);
  EXPECT_EQ(collector.refused("limits", 4), 2);
  EXPECT_EQ(collector.refused("limits", 5), 1);
}

TEST(SenderTest, TransientErrorsAreRetriedUntilTheRequestIsAccepted) {
  FakeCollector collector;
  const int port = collector.Serve();
  const grpc::StatusCode codes[] = {
      grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
      grpc::StatusCode::ABORTED,     grpc::StatusCode::INTERNAL,
      grpc::StatusCode::UNKNOWN,     grpc::StatusCode::CANCELLED,
  };
  for (uint64_t i = 0; i < std::size(codes); ++i) {
    collector.Refuse("transient", i + 1, grpc::Status(codes[i], "try again"), 1);
  }
  RateLimitedLog log;
  Sender sender(Options("transient", size_t{1} << 20), Session(port), nullptr, &log);
  for (uint64_t i = 1; i <= std::size(codes); ++i) {
    sender.Submit(Request("transient", i, static_cast<int64_t>(i)), 1);
  }
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(sender.counts().frames_acked, std::size(codes));
  EXPECT_EQ(sender.counts().frames_rejected, 0u);
  for (uint64_t i = 1; i <= std::size(codes); ++i) {
    EXPECT_EQ(collector.refused("transient", i), 1) << i;
  }
}

TEST(SenderTest, ACredentialRefusalRejectsOnlyARequestOfAnAcceptedStream) {
  FakeCollector collector;
  const int port = collector.Serve();
  // Refused before any ack of its stream, three times: retried, then delivered.
  collector.Refuse("creds", 1, grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "token"), 3);
  RateLimitedLog log;
  Sender sender(Options("creds", size_t{1} << 20), Session(port), nullptr, &log);
  sender.Submit(Request("creds", 1, 1), 1);
  sender.Submit(Request("creds", 2, 2), 1);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(collector.refused("creds", 1), 3);
  EXPECT_EQ(sender.counts().frames_rejected, 0u);
  EXPECT_EQ(sender.counts().frames_acked, 2u);
  // Refused after the stream's earlier requests were acknowledged: that request is rejected.
  collector.Refuse("creds", 4, grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not yours"));
  for (uint64_t i = 3; i <= 5; ++i) sender.Submit(Request("creds", i, static_cast<int64_t>(i)), 1);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(sender.counts().frames_rejected, 1u);
  EXPECT_EQ(StoredSteps(&collector, "creds"), (std::vector<int64_t>{1, 2, 3, 5}));
}

TEST(SenderTest, EveryFrameIsAckedRejectedDroppedOrHeld) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Shutdown();
  collector.Refuse("ledger", 1, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad"));
  TempDir temp_dir("sender_test");
  std::shared_ptr<Spool> spool = OpenSpool(temp_dir.path(), 4096);
  RateLimitedLog log;
  Sender sender(Options("ledger"), Session(port), spool, &log);
  for (uint64_t i = 1; i <= 30; ++i)
    sender.Submit(Request("ledger", i, static_cast<int64_t>(i)), 1);
  SenderCounts counts = sender.counts();
  EXPECT_GT(counts.frames_dropped, 0u);
  ExpectEveryFrameAccountedFor(counts);
  ASSERT_EQ(collector.Serve(port), port);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  counts = sender.counts();
  EXPECT_EQ(counts.frames_rejected, 1u);
  EXPECT_EQ(counts.frames_unacked, 0u);
  EXPECT_EQ(counts.frames_acked, StoredSteps(&collector, "ledger").size());
  ExpectEveryFrameAccountedFor(counts);
}

TEST(SenderTest, AFailingSpoolDoesNotLeaveTheSenderInSpoolMode) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Shutdown();
  TempDir temp_dir("sender_test");
  const std::string dir = temp_dir.path() + "/spool";
  std::shared_ptr<Spool> spool = OpenSpool(dir);
  ASSERT_NE(spool, nullptr);
  // The spool directory becomes unwritable (a file now stands in its place; as root too).
  std::filesystem::remove_all(dir);
  std::ofstream(dir) << "not a directory";
  RateLimitedLog log;
  Sender sender(Options("stuck"), Session(port), spool, &log);
  for (uint64_t i = 1; i <= 20; ++i) sender.Submit(Request("stuck", i, static_cast<int64_t>(i)), 1);
  const SenderCounts before = sender.counts();
  EXPECT_GT(before.frames_dropped, 0u);  // What fit neither the outbox nor the spool.
  EXPECT_GT(before.frames_unacked, 0u);  // The outbox kept what it could hold.
  ExpectEveryFrameAccountedFor(before);
  ASSERT_EQ(collector.Serve(port), port);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  EXPECT_EQ(sender.counts().frames_acked, before.frames_unacked);
  for (uint64_t i = 21; i <= 25; ++i) {
    sender.Submit(Request("stuck", i, static_cast<int64_t>(i)), 1);
    ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  }
  const SenderCounts after = sender.counts();
  EXPECT_EQ(after.frames_acked, before.frames_unacked + 5);  // Later batches are not dropped.
  EXPECT_EQ(after.frames_dropped, before.frames_dropped);
  ExpectEveryFrameAccountedFor(after);
  // No loop of empty streams: a handful of Push calls, not thousands.
  EXPECT_LT(collector.authorizations("Push").size(), 10u);
}

TEST(SenderTest, TheSameRunSpecAndResumeIdGoToEveryStartRunAndSpoolSegment) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Shutdown();
  TempDir temp_dir("sender_test");
  std::shared_ptr<Spool> spool = OpenSpool(temp_dir.path());
  SenderOptions options = Options("resumed");
  options.run.set_resumed(true);
  options.run.set_resume_from_step(5);
  options.run.set_resume_id("0123456789abcdef0123456789abcdef");
  RateLimitedLog log;
  Sender sender(options, Session(port), spool, &log);
  for (uint64_t i = 1; i <= 10; ++i) {
    sender.Submit(Request("resumed", i, static_cast<int64_t>(i)), 1);
  }
  spool->Seal();
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_FALSE(segments.empty());
  for (const HeldSegment& segment : segments) {
    EXPECT_EQ(ReadSegment(segment.path)->run.resume_id(), options.run.resume_id());
  }
  ASSERT_EQ(collector.Serve(port), port);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  collector.Shutdown();  // A reconnect re-sends StartRun.
  ASSERT_EQ(collector.Serve(port), port);
  sender.Submit(Request("resumed", 11, 11), 1);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  const std::vector<v1::RunSpec> started = collector.start_runs();
  ASSERT_GE(started.size(), 2u);
  for (const v1::RunSpec& run : started) {
    EXPECT_EQ(run.resume_id(), options.run.resume_id());
    EXPECT_TRUE(run.resumed());
    EXPECT_EQ(run.resume_from_step(), 5);
  }
}

// Writes `n` one-frame requests of `run_id` into a spool that then ends, as a killed trainer's.
void LeaveSpool(const std::string& dir, const std::string& run_id, uint64_t n) {
  std::shared_ptr<Spool> spool = OpenSpool(dir);
  ASSERT_NE(spool, nullptr);
  v1::RunSpec run;
  run.set_run_id(run_id);
  for (uint64_t i = 1; i <= n; ++i) {
    ASSERT_TRUE(spool->Append(run, Request(run_id, i, static_cast<int64_t>(i)), 1).ok());
  }
}

TEST(SenderTest, AReplayedSegmentsPoisonRequestsAreRejectedAndReported) {
  FakeCollector collector;
  const int port = collector.Serve();
  TempDir temp_dir("sender_test");
  LeaveSpool(temp_dir.path(), "replayed", 5);
  const grpc::Status invalid(grpc::StatusCode::INVALID_ARGUMENT, "layout cannot change");
  collector.Refuse("replayed", 2, invalid);
  collector.Refuse("replayed", 5, invalid);  // The last: reported by a request of its own.
  absl::StatusOr<SyncReport> report =
      SyncSpoolWithReport(SyncOptions(port, temp_dir.path()), absl::Seconds(20));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->frames_acked, 3u);
  EXPECT_EQ(report->frames_rejected, 2u);
  EXPECT_EQ(report->frames_in_spool, 0u);
  EXPECT_EQ(collector.rejected(), 2u);
  EXPECT_EQ(StoredSteps(&collector, "replayed"), (std::vector<int64_t>{1, 3, 4}));
  EXPECT_TRUE(std::filesystem::is_empty(temp_dir.path()));
}

TEST(SenderTest, ACorruptSpooledRecordIsSkippedAndItsFramesReportedDropped) {
  FakeCollector collector;
  const int port = collector.Serve();
  TempDir temp_dir("sender_test");
  LeaveSpool(temp_dir.path(), "corrupt", 5);
  std::string path;
  for (const auto& entry : std::filesystem::directory_iterator(temp_dir.path())) {
    if (entry.path().extension() == ".spool") path = entry.path().string();
  }
  ASSERT_FALSE(path.empty());
  absl::StatusOr<SegmentContents> before = ReadSegment(path);
  ASSERT_TRUE(before.ok());
  {  // Flip the bits of a byte in the middle of the file: inside one of the middle records.
    const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(path) / 2);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(middle);
    const char c = static_cast<char>(f.get());
    f.seekp(middle);
    f.put(static_cast<char>(~c));
  }
  absl::StatusOr<SyncReport> report =
      SyncSpoolWithReport(SyncOptions(port, temp_dir.path()), absl::Seconds(20));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->frames_acked, 4u);
  EXPECT_EQ(report->frames_dropped, 1u);
  EXPECT_EQ(collector.dropped(), 1u);
  EXPECT_EQ(StoredSteps(&collector, "corrupt").size(), 4u);
}

TEST(SenderTest, AVanishedSegmentIsForgottenAndTheRestDelivered) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Shutdown();
  TempDir temp_dir("sender_test");
  LeaveSpool(temp_dir.path(), "a", 2);
  LeaveSpool(temp_dir.path(), "b", 3);
  std::shared_ptr<Spool> spool = OpenSpool(temp_dir.path());
  const std::vector<HeldSegment> segments = spool->SealedSegments();
  ASSERT_EQ(segments.size(), 2u);
  // Gone behind the spool's back (before the sender starts, which may read a segment at once).
  std::filesystem::remove(segments[0].path);
  RateLimitedLog log;
  SenderOptions options;
  options.replay_only = true;
  Sender sender(options, Session(port), spool, &log);
  ASSERT_EQ(collector.Serve(port), port);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_TRUE(spool->empty());
  EXPECT_EQ(sender.counts().frames_acked, segments[1].frames);
  EXPECT_EQ(collector.frames().size(), segments[1].frames);
}

TEST(SenderTest, SegmentsOfAProcessThatEndsMeanwhileAreReplayedAfterARescan) {
  FakeCollector collector;
  const int port = collector.Serve();
  TempDir temp_dir("sender_test");
  SenderOptions options = Options("live", size_t{1} << 20);
  options.rescan_interval = absl::Milliseconds(50);
  RateLimitedLog log;
  Sender sender(options, Session(port), OpenSpool(temp_dir.path()), &log);
  sender.Submit(Request("live", 1, 1), 1);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));  // Streaming its own run.
  LeaveSpool(temp_dir.path(), "ended", 3);                     // Another rank, which ends.
  ASSERT_TRUE(collector.WaitForFrames(4, absl::Seconds(20)));
  EXPECT_EQ(StoredSteps(&collector, "ended"), (std::vector<int64_t>{1, 2, 3}));
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(sender.counts().frames_acked, 4u);
  sender.Submit(Request("live", 2, 2), 1);  // Streaming goes on.
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(StoredSteps(&collector, "live"), (std::vector<int64_t>{1, 2}));
}

TEST(SenderTest, ASegmentWhoseRunIsRefusedIsSetAsideAndTheOthersDelivered) {
  FakeCollector collector;
  const int port = collector.Serve();
  TempDir temp_dir("sender_test");
  LeaveSpool(temp_dir.path(), "refused-run", 2);
  LeaveSpool(temp_dir.path(), "fine-run", 3);
  collector.RefuseStartRun(
      "refused-run", grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "resume without an id"));
  std::shared_ptr<Spool> spool = OpenSpool(temp_dir.path());
  RateLimitedLog log;
  SenderOptions options;
  options.replay_only = true;
  options.rescan_interval = absl::Milliseconds(100);
  Sender sender(options, Session(port), spool, &log);
  ASSERT_TRUE(collector.WaitForFrames(3, absl::Seconds(20)));
  EXPECT_FALSE(sender.Drain(absl::Now() + absl::Milliseconds(300)));
  EXPECT_EQ(spool->held_frames(), 2u);  // Kept, not rejected: the whole run was refused.
  EXPECT_EQ(sender.counts().frames_rejected, 0u);
  // Tried again on a later rescan, once the collector takes the run.
  collector.RefuseStartRun("refused-run", grpc::Status::OK);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(20)));
  EXPECT_EQ(StoredSteps(&collector, "refused-run").size(), 2u);
  EXPECT_EQ(StoredSteps(&collector, "fine-run").size(), 3u);
}

TEST(SenderTest, TheAlertsOfStreamedAndReplayedAcksReachTheInboxOnce) {
  FakeCollector collector;
  const int port = collector.Serve();
  v1::AlertNotice collapse;
  collapse.set_kind(v1::KIND_ACTIVATION);
  collapse.set_layer("layer");
  collapse.set_type("collapse");
  collapse.set_first_step(2);
  collector.AnnounceAtStep("alerts", 2, collapse);
  collector.AnnounceAtStep("alerts", 3, collapse);  // Announced again: taken once.
  v1::AlertNotice nan = collapse;
  nan.set_type("nonfinite");
  nan.set_first_step(15);
  collector.AnnounceAtStep("alerts", 15, nan);
  TempDir temp_dir("sender_alerts");
  std::shared_ptr<Spool> spool = OpenSpool(temp_dir.path());
  RateLimitedLog log;
  AlertInbox inbox("alerts");
  SenderOptions options = Options("alerts");
  options.alerts = &inbox;
  Sender sender(options, Session(port), spool, &log);
  for (int64_t step = 1; step <= 5; ++step) {
    sender.Submit(Request("alerts", static_cast<uint64_t>(step), step), 1);
  }
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(10)));
  std::vector<AlertNotice> taken = inbox.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].type, "collapse");
  EXPECT_EQ(taken[0].first_step, 2);
  // The collector is away: these spill to the spool (1 KiB outbox) and are replayed from it.
  collector.Shutdown();
  for (int64_t step = 10; step <= 20; ++step) {
    sender.Submit(Request("alerts", static_cast<uint64_t>(step), step), 1);
  }
  EXPECT_FALSE(spool->empty());
  ASSERT_EQ(collector.Serve(port), port);
  ASSERT_TRUE(sender.Drain(absl::Now() + absl::Seconds(30)));
  taken = inbox.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].type, "nonfinite");
  EXPECT_EQ(taken[0].first_step, 15);
  EXPECT_EQ(inbox.dropped(), 0u);
}

TEST(CollectorSessionTest, TheTokenComesFromTheOptionsThenTheFileThenTheEnvironment) {
  TempDir temp_dir("sender_test");
  const std::string file = temp_dir.path() + "/token";
  {
    FILE* f = fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("file-token-0123456789\n", f);
    fclose(f);
  }
  ASSERT_EQ(setenv(kTokenEnvironmentVariable, "env-token-0123456789", 1), 0);
  ReporterOptions options;
  options.server_address = "127.0.0.1:1";
  auto session = OpenCollectorSession(options);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ((*session)->connection().token, "env-token-0123456789");
  options.token_file = file;
  session = OpenCollectorSession(options);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ((*session)->connection().token, "file-token-0123456789");
  options.token = "option-token-0123456789";
  session = OpenCollectorSession(options);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ((*session)->connection().token, "option-token-0123456789");
  unsetenv(kTokenEnvironmentVariable);
  options.token.clear();
  options.token_file = file + ".missing";
  session = OpenCollectorSession(options);
  EXPECT_EQ(session.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(session.status().message().find("ReporterOptions: "), absl::string_view::npos);
  options.token_file.clear();
  options.server_address = "grpcs://";
  EXPECT_EQ(OpenCollectorSession(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actiscope::client
