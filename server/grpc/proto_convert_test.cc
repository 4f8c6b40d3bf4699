#include "server/grpc/proto_convert.h"

#include <vector>

#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

TEST(ProtoConvertTest, TimeRoundTripsWithNanoseconds) {
  const absl::Time t = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789);
  google::protobuf::Timestamp ts;
  ToProto(t, &ts);
  EXPECT_EQ(ts.seconds(), 1700000000);
  EXPECT_EQ(ts.nanos(), 123456789);
  EXPECT_EQ(FromProto(ts), t);
}

TEST(ProtoConvertTest, EnumsRoundTrip) {
  for (Kind k : {Kind::kActivation, Kind::kGradient, Kind::kWeight}) {
    EXPECT_EQ(FromProto(ToProto(k)), k);
  }
  for (RunStatus s :
       {RunStatus::kLive, RunStatus::kFinished, RunStatus::kFailed, RunStatus::kStalled}) {
    EXPECT_EQ(FromProto(ToProto(s)), s);
  }
  EXPECT_EQ(FromProto(v1::KIND_UNSPECIFIED), Kind::kActivation);
  EXPECT_EQ(ToProto(Kind::kWeight), v1::KIND_WEIGHT);
  EXPECT_EQ(ToProto(RunStatus::kStalled), v1::RUN_STATUS_STALLED);
}

TEST(ProtoConvertTest, RunSpecBecomesSummaryWithEveryField) {
  v1::RunSpec spec;
  spec.set_run_id("r-1");
  spec.set_name("resnet");
  (*spec.mutable_config())["lr"] = "0.1";
  spec.set_host("box");
  spec.set_device("cuda:0");
  spec.set_world_size(4);
  spec.mutable_start_time()->set_seconds(1700000000);
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  RunInfo run = FromRunSpec(spec, now);
  EXPECT_EQ(run.status, RunStatus::kLive);
  EXPECT_EQ(run.first_step, -1);

  v1::RunSummary summary;
  ToRunSummary(run, &summary);
  EXPECT_EQ(summary.run_id(), "r-1");
  EXPECT_EQ(summary.name(), "resnet");
  EXPECT_EQ(summary.config().at("lr"), "0.1");
  EXPECT_EQ(summary.host(), "box");
  EXPECT_EQ(summary.device(), "cuda:0");
  EXPECT_EQ(summary.world_size(), 4u);
  EXPECT_EQ(summary.start_time().seconds(), 1700000000);
  EXPECT_EQ(summary.last_update().seconds(), 1800000000);
  EXPECT_EQ(summary.status(), v1::RUN_STATUS_LIVE);
  EXPECT_EQ(summary.first_step(), -1);
  EXPECT_EQ(summary.last_step(), -1);
}

TEST(ProtoConvertTest, RunSpecDefaultsWorldSizeAndStartTime) {
  v1::RunSpec spec;
  spec.set_run_id("r");
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  RunInfo run = FromRunSpec(spec, now);
  EXPECT_EQ(run.world_size, 1u);
  EXPECT_EQ(run.start_time, now);
}

TEST(ProtoConvertTest, FrameBecomesHistogramTakingCounts) {
  v1::Frame frame;
  frame.set_layer("conv1");
  frame.set_kind(v1::KIND_GRADIENT);
  frame.set_step(12);
  frame.set_rank(3);
  frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  frame.mutable_layout()->set_bins(2);
  frame.mutable_layout()->set_lo(-1);
  frame.mutable_layout()->set_hi(1);
  v1::HistogramStats* st = frame.mutable_stats();
  st->set_elements(10);
  st->set_below(1);
  st->set_above(2);
  st->set_zeros(3);
  st->set_nonfinite(1);
  st->set_min(-0.5f);
  st->set_max(0.75f);
  st->set_sum(1.5);
  st->set_sum_squares(2.5);
  Histogram h = TakeHistogram(&frame, {4, 2});
  EXPECT_EQ(h.layer, "conv1");
  EXPECT_EQ(h.kind, Kind::kGradient);
  EXPECT_EQ(h.step, 12);
  EXPECT_EQ(h.rank, 3u);
  EXPECT_EQ(h.layout, (BinLayout{BinScale::kLinear, 2, -1, 1}));
  EXPECT_EQ(h.values.counts, (std::vector<uint64_t>{4, 2}));
  EXPECT_EQ(h.values.elements, 10u);
  EXPECT_EQ(h.values.below, 1u);
  EXPECT_EQ(h.values.above, 2u);
  EXPECT_EQ(h.values.zeros, 3u);
  EXPECT_EQ(h.values.nonfinite, 1u);
  EXPECT_EQ(h.values.min, -0.5f);
  EXPECT_EQ(h.values.max, 0.75f);
  EXPECT_EQ(h.values.sum, 1.5);
  EXPECT_EQ(h.values.sum_squares, 2.5);
}

TEST(ProtoConvertTest, HeatmapColumnsKeepEverySum) {
  HeatmapQuery query;
  query.run_id = "r";
  query.layer = "fc";
  query.kind = Kind::kGradient;
  Heatmap heatmap;
  heatmap.layout = BinLayout{BinScale::kLinear, 2, 0, 1};
  heatmap.bin_edges = {0, 0.5, 1};
  HeatmapColumn column;
  column.step_from = 10;
  column.step_to = 19;
  column.histograms = 10;
  column.sums = HistogramSums{{5, 6}, 1, 2, 3, 4, 18, 1.25, 2.5, -1.f, 2.f};
  heatmap.columns.push_back(column);

  v1::Heatmap out;
  ToHeatmapProto(query, heatmap, &out);
  EXPECT_EQ(out.run_id(), "r");
  EXPECT_EQ(out.layer(), "fc");
  EXPECT_EQ(out.kind(), v1::KIND_GRADIENT);
  EXPECT_EQ(out.layout().bins(), 2u);
  ASSERT_EQ(out.bin_edges_size(), 3);
  EXPECT_EQ(out.bin_edges(1), 0.5);
  ASSERT_EQ(out.columns_size(), 1);
  const v1::HeatmapColumn& c = out.columns(0);
  EXPECT_EQ(c.step_from(), 10);
  EXPECT_EQ(c.step_to(), 19);
  EXPECT_EQ(c.histograms(), 10u);
  EXPECT_EQ(std::vector<uint64_t>(c.counts().begin(), c.counts().end()),
            (std::vector<uint64_t>{5, 6}));
  EXPECT_EQ(c.below(), 1u);
  EXPECT_EQ(c.above(), 2u);
  EXPECT_EQ(c.zeros(), 3u);
  EXPECT_EQ(c.nonfinite(), 4u);
  EXPECT_EQ(c.elements(), 18u);
  EXPECT_EQ(c.sum(), 1.25);
  EXPECT_EQ(c.sum_squares(), 2.5);
  EXPECT_EQ(c.min(), -1.f);
  EXPECT_EQ(c.max(), 2.f);
}

TEST(ProtoConvertTest, ScalarSeriesKeepsStepsAndValues) {
  v1::ScalarSeries out;
  ToScalarSeriesProto(ScalarSeries{"loss", {1, 2}, {0.5, 0.25}}, &out);
  EXPECT_EQ(out.name(), "loss");
  EXPECT_EQ(out.steps_size(), 2);
  EXPECT_EQ(out.values(1), 0.25);
}

}  // namespace
}  // namespace actiscope::server
