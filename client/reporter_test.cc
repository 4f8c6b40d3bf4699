#include "actiscope/client/reporter.h"

#include <ATen/ATen.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "actiscope/client/held_record.h"
#include "client/fake_collector.h"
#include "client/spool_segment.h"
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
  (*reporter)->Record(0, static_cast<Kind>(0), "kind-0", at::ones({3}), kBins);
  (*reporter)->Record(0, static_cast<Kind>(4), "kind-4", at::ones({3}), kBins);
  (*reporter)->RecordScalar(kMaxStep + 1, "loss", 1.0);
  (*reporter)->Record(kMaxStep, Kind::kWeight, "ok", at::ones({3}), kBins);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(5));
  EXPECT_EQ(report.frames_dropped, 8u);
  EXPECT_EQ(report.frames_in_spool, 1u);
  const FinishReport again = (*reporter)->Finish(false, absl::Seconds(5));
  EXPECT_EQ(again.frames_dropped, report.frames_dropped);
}

TEST(ReporterTest, AChangedLayoutIsRejectedBeforeTheWireAndReported) {
  FakeCollector collector;
  const int port = collector.Serve();
  auto reporter = Reporter::Start(Options(port, "run-layout"));
  ASSERT_TRUE(reporter.ok());
  const BinLayout other{BinScale::kLinear, 20, -3, 3};
  (*reporter)->Record(0, Kind::kActivation, "layer0", Activation(0, 0), kBins);
  (*reporter)->Record(1, Kind::kActivation, "layer0", Activation(1, 0), other);  // Rejected.
  (*reporter)->Record(1, Kind::kGradient, "layer0", Activation(1, 0), other);    // Its own series.
  (*reporter)->Record(2, Kind::kActivation, "layer0", Activation(2, 0), kBins);
  HistogramResult result = *ComputeHistogram(Activation(3, 0), other);
  (*reporter)->RecordHistogram(3, Kind::kActivation, "layer0", result, other);  // Rejected.
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(20));
  EXPECT_EQ(report.frames_acked, 3u);
  EXPECT_EQ(report.frames_rejected, 2u);
  EXPECT_EQ(report.frames_dropped, 0u);
  EXPECT_FALSE(report.all_delivered);
  EXPECT_EQ(collector.rejected(), 2u);
  const auto frames = collector.frames();
  EXPECT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames.count({"run-layout", "layer0", v1::KIND_ACTIVATION, 0, 1}), 0u);
  EXPECT_EQ(frames.count({"run-layout", "layer0", v1::KIND_GRADIENT, 0, 1}), 1u);
}

TEST(ReporterTest, HeldTensorsAreRecordedAsRecordWouldAndOnesModifiedSinceAreDropped) {
  FakeCollector collector;
  const int port = collector.Serve();
  auto reporter = Reporter::Start(Options(port, "run-held"));
  ASSERT_TRUE(reporter.ok());
  at::manual_seed(11);
  const at::Tensor big = at::randn({64, 16, 14, 14});          // Split over threads.
  const at::Tensor half = at::randn({64, 300}).to(at::kHalf);  // Read as float16.
  const at::Tensor strided = at::randn({40, 30}).t();          // Not contiguous.
  const at::Tensor changed = at::randn({1000});                // Modified below.
  std::vector<HeldRecord> held;
  held.emplace_back(4, Kind::kActivation, "big", big, kBins);
  held.emplace_back(4, Kind::kActivation, "half", half, kBins);
  held.emplace_back(4, Kind::kActivation, "strided", strided, kBins);
  held.emplace_back(4, Kind::kActivation, "changed", changed, kBins);
  held.emplace_back(4, Kind::kActivation, "bad-bins", big, BinLayout{BinScale::kLinear, 0, 0, 1});
  held.emplace_back(4, Kind::kActivation, "ints", at::ones({3}, at::kInt), kBins);
  held.emplace_back(4, Kind::kActivation, "undefined", at::Tensor(), kBins);
  at::Tensor inference;
  {
    const c10::InferenceMode inference_mode;
    inference = at::randn({500});
  }
  held.emplace_back(4, Kind::kActivation, "inference", inference, kBins);  // No version counter.
  const at::Tensor base = at::randn({2, 700});
  held.emplace_back(4, Kind::kActivation, "view", base[0], kBins);
  EXPECT_FALSE(held[7].version.has_value());  // The inference tensor.
  EXPECT_TRUE(held.back().version.has_value());
  changed.mul_(100);  // In place: its values are no longer those held.
  base[1].zero_();    // Through another view of the same storage: same counter.
  (*reporter)->RecordHeld({});
  (*reporter)->RecordHeld(held);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(20));
  EXPECT_EQ(report.frames_acked, 4u);
  EXPECT_EQ(report.frames_dropped, 5u);  // changed, bad-bins, ints, undefined, view.
  const auto frames = collector.frames();
  EXPECT_EQ(frames.size(), 4u);
  for (const auto& [name, values] : {std::pair<std::string, at::Tensor>{"big", big},
                                     {"half", half},
                                     {"strided", strided},
                                     {"inference", inference}}) {
    const auto it = frames.find({"run-held", name, v1::KIND_ACTIVATION, 0, 4});
    ASSERT_NE(it, frames.end()) << name;
    EXPECT_EQ(it->second.counts, ComputeHistogram(values, kBins)->counts) << name;
    const HistogramResult expected = *ComputeHistogram(values, kBins);
    EXPECT_EQ(it->second.stats.elements(), expected.elements) << name;
    EXPECT_EQ(it->second.stats.min(), expected.min) << name;
    EXPECT_EQ(it->second.stats.max(), expected.max) << name;
    EXPECT_FLOAT_EQ(it->second.stats.sum(), static_cast<float>(expected.sum)) << name;
  }
  EXPECT_EQ(frames.count({"run-held", "changed", v1::KIND_ACTIVATION, 0, 4}), 0u);
  EXPECT_EQ(frames.count({"run-held", "view", v1::KIND_ACTIVATION, 0, 4}), 0u);
}

TEST(ReporterTest, ABatchTheCollectorRefusesIsRejectedCountedAndReported) {
  FakeCollector collector;
  const int port = collector.Serve();
  collector.RefuseStep("run-poison", 5,
                       grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "layout cannot change"));
  auto reporter = Reporter::Start(Options(port, "run-poison"));
  ASSERT_TRUE(reporter.ok());
  RecordSteps(reporter->get(), 0, 5);
  ASSERT_TRUE(collector.WaitForFrames(5 * kLayers, absl::Seconds(20)));
  RecordSteps(reporter->get(), 5, 6);  // A batch of its own, refused.
  ASSERT_TRUE(collector.WaitForRefusals(1, absl::Seconds(20)));
  RecordSteps(reporter->get(), 6, 10);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(20));
  EXPECT_EQ(report.frames_rejected, 1u * kLayers);
  EXPECT_EQ(report.frames_acked, 9u * kLayers);
  EXPECT_EQ(
      report.frames_acked + report.frames_rejected + report.frames_dropped + report.frames_in_spool,
      10u * kLayers);
  EXPECT_EQ(collector.rejected(), report.frames_rejected);  // Reported before FinishRun.
  EXPECT_EQ(collector.frames().size(), report.frames_acked);
  EXPECT_EQ(collector.finished().at("run-poison"), v1::RUN_STATUS_FINISHED);
}

TEST(ReporterTest, AResumeSendsOneResumeIdWithEveryStartRun) {
  FakeCollector collector;
  const int port = collector.Serve();
  ReporterOptions options = Options(port, "run-resume");
  options.run.world_size = 2;
  options.run.rank = 1;
  options.run.resume_from_step = 3;
  auto reporter = Reporter::Start(options);
  ASSERT_TRUE(reporter.ok());
  RecordSteps(reporter->get(), 3, 8);
  ASSERT_TRUE(collector.WaitForFrames(3, absl::Seconds(20)));
  collector.Shutdown();
  RecordSteps(reporter->get(), 8, 12);
  ASSERT_EQ(collector.Serve(port), port);
  RecordSteps(reporter->get(), 12, 16);
  EXPECT_TRUE((*reporter)->Finish(true, absl::Seconds(30)).all_delivered);
  const std::vector<v1::RunSpec> started = collector.start_runs();
  ASSERT_GE(started.size(), 2u);  // Before and after the collector's restart.
  EXPECT_EQ(started[0].resume_id().size(), 32u);
  for (const v1::RunSpec& run : started) {
    EXPECT_TRUE(run.resumed());
    EXPECT_EQ(run.resume_from_step(), 3);
    EXPECT_EQ(run.resume_rank(), 1u);
    EXPECT_FALSE(run.resume_whole_run());
    EXPECT_EQ(run.resume_id(), started[0].resume_id());
  }
}

TEST(ReporterTest, ASpooledResumeIsReplayedWithItsResumeId) {
  TempDir temp_dir("reporter_test");
  const std::string spool = temp_dir.path();
  ReporterOptions options = Options(1, "run-resume-spooled");
  options.spool_dir = spool;
  options.offline = true;
  options.run.resume_from_step = 0;
  options.run.resume_whole_run = true;
  auto reporter = Reporter::Start(options);
  ASSERT_TRUE(reporter.ok());
  RecordSteps(reporter->get(), 0, 5);
  ASSERT_EQ((*reporter)->Finish(true, absl::Seconds(5)).frames_in_spool, 5u * kLayers);
  std::string resume_id;
  for (const auto& entry : std::filesystem::directory_iterator(spool)) {
    if (entry.path().extension() != ".spool") continue;
    absl::StatusOr<SegmentContents> contents = ReadSegment(entry.path().string());
    ASSERT_TRUE(contents.ok()) << contents.status();
    EXPECT_TRUE(contents->run.resume_whole_run());
    if (resume_id.empty()) resume_id = contents->run.resume_id();
    EXPECT_EQ(contents->run.resume_id(), resume_id);
  }
  ASSERT_EQ(resume_id.size(), 32u);

  FakeCollector collector;
  const int port = collector.Serve();
  // A transient failure makes the replay start the run twice.
  collector.Refuse("run-resume-spooled", 1, grpc::Status(grpc::StatusCode::UNAVAILABLE, "x"), 1);
  ReporterOptions sync_options;
  sync_options.spool_dir = spool;
  sync_options.server_address = absl::StrCat("127.0.0.1:", port);
  ASSERT_TRUE(SyncSpool(sync_options, absl::Seconds(20)).ok());
  const std::vector<v1::RunSpec> started = collector.start_runs();
  ASSERT_EQ(started.size(), 2u);
  for (const v1::RunSpec& run : started) EXPECT_EQ(run.resume_id(), resume_id);
  ExpectAllStoredOnce(&collector, "run-resume-spooled", 5);
}

TEST(ReporterTest, AnnouncedAlertsAreTakenOnceWithoutWaitingForTheCollector) {
  FakeCollector collector;
  const int port = collector.Serve();
  v1::AlertNotice collapse;
  collapse.set_kind(v1::KIND_ACTIVATION);
  collapse.set_layer("layer2");
  collapse.set_type("collapse");
  collapse.set_severity("warning");
  collapse.set_first_step(1);
  collapse.set_step(3);
  collapse.set_message("collapsed");
  // Each of step 3's three frames brings it: one ack announces it three times.
  collector.AnnounceAtStep("run-alerts", 3, collapse);
  v1::AlertNotice nan = collapse;
  nan.set_type("nonfinite");
  nan.set_severity("critical");
  nan.set_first_step(8);
  nan.set_step(8);
  collector.AnnounceAtStep("run-alerts", 8, nan);
  auto reporter = Reporter::Start(Options(port, "run-alerts"));
  ASSERT_TRUE(reporter.ok()) << reporter.status();
  collector.CloseAckGate();  // A collector that holds its acks: TakeAlerts returns at once.
  RecordSteps(reporter->get(), 0, 10);
  EXPECT_TRUE((*reporter)->TakeAlerts().empty());
  collector.OpenAckGate();
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(20));
  EXPECT_TRUE(report.all_delivered);
  EXPECT_EQ(report.alerts_dropped, 0u);
  // The last acks came before Finish returned: their alerts wait for the next TakeAlerts.
  const std::vector<AlertNotice> alerts = (*reporter)->TakeAlerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].layer, "layer2");
  EXPECT_EQ(alerts[0].kind, Kind::kActivation);
  EXPECT_EQ(alerts[0].type, "collapse");
  EXPECT_EQ(alerts[0].first_step, 1);
  EXPECT_EQ(alerts[0].step, 3);
  EXPECT_EQ(alerts[0].message, "collapsed");
  EXPECT_EQ(alerts[1].type, "nonfinite");
  EXPECT_EQ(alerts[1].severity, "critical");
  EXPECT_EQ(alerts[1].first_step, 8);
  EXPECT_TRUE((*reporter)->TakeAlerts().empty());
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
