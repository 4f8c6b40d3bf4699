#include "client/sender.h"

#include <stdio.h>
#include <stdlib.h>

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

SenderOptions Options(const std::string& run_id) {
  SenderOptions options;
  options.run.set_run_id(run_id);
  options.outbox_bound_bytes = 1024;
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
  EXPECT_TRUE(sender.HasUnreportedDrops());
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
