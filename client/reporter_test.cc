#include "actiscope/client/reporter.h"

#include <ATen/ATen.h>
#include <stdlib.h>

#include <string>

#include "client/fake_collector.h"
#include "common/report_limits.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

using ::actiscope::testing::TempDir;

using testing::FakeCollector;

constexpr int kLayers = 3;
const BinLayout kBins{BinScale::kLinear, 40, -3, 3};

ReporterOptions Options(int port, const std::string& run_id) {
  ReporterOptions options;
  options.server_address = absl::StrCat("127.0.0.1:", port);
  options.run.run_id = run_id;
  options.run.name = "test";
  options.flush_interval = absl::Milliseconds(20);
  return options;
}

at::Tensor Activation(int64_t step, int layer) {
  at::manual_seed(step * 10 + layer);
  return at::randn({32, 17}) * (1 + 0.1 * layer);
}

void RecordSteps(Reporter* reporter, int64_t first, int64_t last) {
  for (int64_t step = first; step < last; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      reporter->Record(step, Kind::kActivation, absl::StrCat("layer", layer),
                       Activation(step, layer), kBins);
    }
    reporter->RecordScalar(step, "loss", 1.0 / (step + 1));
  }
}

// Every frame of steps [0, steps) of `run_id` is stored once, with the counts computed here.
void ExpectAllStoredOnce(FakeCollector* collector, const std::string& run_id, int64_t steps) {
  const auto frames = collector->frames();
  for (int64_t step = 0; step < steps; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      const auto it =
          frames.find({run_id, absl::StrCat("layer", layer), v1::KIND_ACTIVATION, 0, step});
      ASSERT_NE(it, frames.end()) << "step " << step << " layer " << layer;
      EXPECT_EQ(it->second.counts, ComputeHistogram(Activation(step, layer), kBins)->counts);
      EXPECT_EQ(it->second.stats.elements(), 32u * 17u);
    }
  }
}

TEST(ReporterTest, DeliversEveryFrameAndScalarAndFinishesTheRun) {
  FakeCollector collector;
  const int port = collector.Serve();
  auto reporter = Reporter::Start(Options(port, "run-a"));
  ASSERT_TRUE(reporter.ok()) << reporter.status();
  RecordSteps(reporter->get(), 0, 20);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(20));
  EXPECT_TRUE(report.all_delivered);
  EXPECT_EQ(report.frames_acked, 20u * kLayers);
  EXPECT_EQ(report.frames_dropped, 0u);
  // At least the counts, at most a few hundred bytes per histogram.
  EXPECT_GT(report.wire_bytes, 20u * kLayers * 4);
  EXPECT_LT(report.wire_bytes, 20u * kLayers * 400);
  ExpectAllStoredOnce(&collector, "run-a", 20);
  EXPECT_EQ(collector.scalar_count(), 20u);
  EXPECT_EQ(collector.finished().at("run-a"), v1::RUN_STATUS_FINISHED);
  EXPECT_EQ(collector.runs().at("run-a").name(), "test");
}

TEST(ReporterTest, CollectorRestartMidStreamLosesNoFrame) {
  FakeCollector collector;
  const int port = collector.Serve();
  auto reporter = Reporter::Start(Options(port, "run-restart"));
  ASSERT_TRUE(reporter.ok());
  RecordSteps(reporter->get(), 0, 10);
  ASSERT_TRUE(collector.WaitForFrames(3, absl::Seconds(20)));
  collector.Shutdown();
  RecordSteps(reporter->get(), 10, 20);
  ASSERT_EQ(collector.Serve(port), port);
  RecordSteps(reporter->get(), 20, 30);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(30));
  EXPECT_TRUE(report.all_delivered);
  ExpectAllStoredOnce(&collector, "run-restart", 30);
  EXPECT_EQ(collector.frames().size(), 30u * kLayers);
}

TEST(ReporterTest, UnreachableCollectorSpillsToSpoolWhichTheNextReporterDelivers) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.Shutdown();  // The port is now free: nobody listens.
  TempDir temp_dir("reporter_test");
  const std::string spool = temp_dir.path();
  ReporterOptions options = Options(port, "run-spooled");
  options.spool_dir = spool;
  auto first = Reporter::Start(options);
  ASSERT_TRUE(first.ok());
  RecordSteps(first->get(), 0, 40);
  const FinishReport left = (*first)->Finish(true, absl::Milliseconds(300));
  EXPECT_FALSE(left.all_delivered);
  EXPECT_EQ(left.frames_in_spool, 40u * kLayers);
  EXPECT_EQ(left.frames_dropped, 0u);

  ASSERT_EQ(collector.Serve(port), port);
  ReporterOptions next_options = Options(port, "run-next");
  next_options.spool_dir = spool;
  auto next = Reporter::Start(next_options);
  ASSERT_TRUE(next.ok());
  RecordSteps(next->get(), 0, 2);
  const FinishReport report = (*next)->Finish(true, absl::Seconds(30));
  EXPECT_TRUE(report.all_delivered);
  ExpectAllStoredOnce(&collector, "run-spooled", 40);
  ExpectAllStoredOnce(&collector, "run-next", 2);
}

TEST(ReporterTest, OfflineSpoolIsDeliveredBySyncSpool) {
  TempDir temp_dir("reporter_test");
  const std::string spool = temp_dir.path();
  ReporterOptions options = Options(1, "run-offline");
  options.spool_dir = spool;
  options.offline = true;
  auto reporter = Reporter::Start(options);
  ASSERT_TRUE(reporter.ok());
  RecordSteps(reporter->get(), 0, 5);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(5));
  EXPECT_EQ(report.frames_in_spool, 5u * kLayers);

  FakeCollector collector;
  const int port = collector.Serve();
  ReporterOptions sync_options;
  sync_options.spool_dir = spool;
  sync_options.server_address = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<uint64_t> synced = SyncSpool(sync_options, absl::Seconds(20));
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(*synced, 5u * kLayers);
  ExpectAllStoredOnce(&collector, "run-offline", 5);
  sync_options.spool_dir = spool + "/missing";
  EXPECT_EQ(SyncSpool(sync_options, absl::Seconds(1)).status().code(), absl::StatusCode::kNotFound);
}

TEST(ReporterTest, FramesBeyondBothBoundsAreCountedAndReported) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.CloseAckGate();  // A collector that does not keep up.
  ReporterOptions options = Options(port, "run-drops");
  options.memory_bound_bytes = 64 << 10;  // No spool: the outbox holds 32 KiB.
  auto reporter = Reporter::Start(options);
  ASSERT_TRUE(reporter.ok());
  RecordSteps(reporter->get(), 0, 300);
  collector.OpenAckGate();
  RecordSteps(reporter->get(), 300, 302);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(30));
  EXPECT_GT(report.frames_dropped, 0u);
  EXPECT_FALSE(report.all_delivered);
  EXPECT_EQ(collector.dropped(), report.frames_dropped);
  EXPECT_EQ(report.frames_acked + report.frames_dropped, 302u * kLayers);
}

TEST(ReporterTest, InvalidInputIsDroppedWithoutThrowing) {
  TempDir temp_dir("reporter_test");
  const std::string spool = temp_dir.path();
  ReporterOptions options = Options(1, "run-invalid");
  options.spool_dir = spool;
  options.offline = true;
  auto reporter = Reporter::Start(options);
  ASSERT_TRUE(reporter.ok());
  (*reporter)->Record(0, Kind::kActivation, "ints", at::ones({3}, at::kInt), kBins);
  (*reporter)->Record(-1, Kind::kActivation, "negative", at::ones({3}), kBins);
  (*reporter)->Record(0, Kind::kActivation, "", at::ones({3}), kBins);
  (*reporter)->Record(0, Kind::kActivation, "bad-bins", at::ones({3}),
                      BinLayout{BinScale::kLinear, 0, 0, 1});
  (*reporter)->Record(0, Kind::kActivation, "undefined", at::Tensor(), kBins);
  (*reporter)->Record(kMaxStep + 1, Kind::kActivation, "past-2^53", at::ones({3}), kBins);
  (*reporter)->RecordScalar(kMaxStep + 1, "loss", 1.0);
  (*reporter)->Record(kMaxStep, Kind::kWeight, "ok", at::ones({3}), kBins);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(5));
  EXPECT_EQ(report.frames_dropped, 6u);
  EXPECT_EQ(report.frames_in_spool, 1u);
  const FinishReport again = (*reporter)->Finish(false, absl::Seconds(5));
  EXPECT_EQ(again.frames_dropped, report.frames_dropped);
}

TEST(ReporterTest, StartRejectsInvalidOptions) {
  ReporterOptions bad_id = Options(1, "no spaces allowed");
  EXPECT_EQ(Reporter::Start(bad_id).status().code(), absl::StatusCode::kInvalidArgument);
  ReporterOptions offline = Options(1, "x");
  offline.offline = true;
  EXPECT_EQ(Reporter::Start(offline).status().code(), absl::StatusCode::kInvalidArgument);
  ReporterOptions rank = Options(1, "x");
  rank.run.world_size = 2;
  rank.run.rank = 2;
  EXPECT_EQ(Reporter::Start(rank).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ReporterTest, GeneratedRunIdsAreValidAndDistinct) {
  ReporterOptions options = Options(1, "");
  options.offline = true;
  TempDir temp_dir("reporter_test");
  options.spool_dir = temp_dir.path();
  auto a = Reporter::Start(options);
  auto b = Reporter::Start(options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->run_id(), (*b)->run_id());
  EXPECT_FALSE((*a)->run_id().empty());
}

}  // namespace
}  // namespace actiscope::client
