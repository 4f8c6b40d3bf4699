#include "cli/json_output.h"

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace actiscope::cli {
namespace {

using google::protobuf::Value;

// Parses `json` (which must be valid JSON) into a Value.
Value Parse(const std::string& json) {
  Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return value;
}

const Value& Field(const Value& object, const std::string& key) {
  static const Value kMissing;
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(key);
  EXPECT_NE(it, fields.end()) << "missing key " << key;
  return it == fields.end() ? kMissing : it->second;
}

v1::RunSummary SampleRun() {
  v1::RunSummary run;
  run.set_run_id("r1");
  run.set_name("resnet \"big\"\n\\ run");
  run.set_status(v1::RUN_STATUS_STALLED);
  run.set_first_step(0);
  run.set_last_step(1999);
  (*run.mutable_config())["lr"] = "0.1";
  (*run.mutable_config())["model"] = "resnet18";
  run.mutable_start_time()->set_seconds(1700000000);
  return run;
}

TEST(JsonOutputTest, RunsIsAnArrayOfRunObjectsWithEscapedNames) {
  v1::ListRunsResponse response;
  *response.add_runs() = SampleRun();
  const Value runs = Parse(RunsJson(response));
  ASSERT_EQ(runs.list_value().values_size(), 1);
  const Value& run = runs.list_value().values(0);
  EXPECT_EQ(Field(run, "id").string_value(), "r1");
  EXPECT_EQ(Field(run, "name").string_value(), "resnet \"big\"\n\\ run");
  EXPECT_EQ(Field(run, "status").string_value(), "stalled");
  EXPECT_EQ(Field(run, "last_step").number_value(), 1999);
  EXPECT_EQ(Field(Field(run, "config"), "lr").string_value(), "0.1");
  EXPECT_EQ(Field(run, "start_time").string_value(), "2023-11-14T22:13:20+00:00");
  EXPECT_EQ(Field(run, "last_update").kind_case(), Value::kNullValue);
}

TEST(JsonOutputTest, ShowAddsLayersWithKindsAndScalarNames) {
  v1::RunDetail detail;
  *detail.mutable_run() = SampleRun();
  v1::LayerInfo* layer = detail.add_layers();
  layer->set_name("conv1");
  layer->add_kinds(v1::KIND_ACTIVATION);
  layer->add_kinds(v1::KIND_GRADIENT);
  layer->add_ranks(0);
  detail.add_scalar_names("loss");
  const Value show = Parse(RunDetailJson(detail));
  EXPECT_EQ(Field(show, "id").string_value(), "r1");
  const Value& layers = Field(show, "layers");
  ASSERT_EQ(layers.list_value().values_size(), 1);
  EXPECT_EQ(Field(layers.list_value().values(0), "name").string_value(), "conv1");
  const Value& kinds = Field(layers.list_value().values(0), "kinds");
  ASSERT_EQ(kinds.list_value().values_size(), 2);
  EXPECT_EQ(kinds.list_value().values(0).string_value(), "activation");
  EXPECT_EQ(kinds.list_value().values(1).string_value(), "gradient");
  EXPECT_EQ(Field(show, "scalars").list_value().values(0).string_value(), "loss");
}

TEST(JsonOutputTest, HeatmapHasEdgesAndColumnsWithEveryCount) {
  v1::Heatmap heatmap;
  heatmap.set_run_id("r1");
  heatmap.set_layer("conv1");
  heatmap.set_kind(v1::KIND_WEIGHT);
  heatmap.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  for (double edge : {-1.0, 0.0, 1.0}) heatmap.add_bin_edges(edge);
  v1::HeatmapColumn* column = heatmap.add_columns();
  column->set_step_from(10);
  column->set_step_to(19);
  column->add_counts(5);
  column->add_counts(7);
  column->set_below(1);
  column->set_above(2);
  column->set_zeros(3);
  column->set_nonfinite(4);
  column->set_elements(19);
  const Value json = Parse(HeatmapJson(heatmap));
  EXPECT_EQ(Field(json, "layer").string_value(), "conv1");
  EXPECT_EQ(Field(json, "kind").string_value(), "weight");
  EXPECT_EQ(Field(json, "bin_edges").list_value().values_size(), 3);
  const Value& c = Field(json, "columns").list_value().values(0);
  EXPECT_EQ(Field(c, "step_from").number_value(), 10);
  EXPECT_EQ(Field(c, "step_to").number_value(), 19);
  ASSERT_EQ(Field(c, "counts").list_value().values_size(), 2);
  EXPECT_EQ(Field(c, "counts").list_value().values(1).number_value(), 7);
  EXPECT_EQ(Field(c, "below").number_value(), 1);
  EXPECT_EQ(Field(c, "above").number_value(), 2);
  EXPECT_EQ(Field(c, "zeros").number_value(), 3);
  EXPECT_EQ(Field(c, "nonfinite").number_value(), 4);
  EXPECT_EQ(Field(c, "elements").number_value(), 19);
}

TEST(JsonOutputTest, ScalarsListSeriesWithStepsAndValues) {
  v1::GetScalarsResponse response;
  v1::ScalarSeries* series = response.add_series();
  series->set_name("loss");
  series->add_steps(0);
  series->add_steps(1);
  series->add_values(2.5);
  series->add_values(2.25);
  const Value json = Parse(ScalarsJson("r1", response));
  EXPECT_EQ(Field(json, "run").string_value(), "r1");
  const Value& s = Field(json, "series").list_value().values(0);
  EXPECT_EQ(Field(s, "name").string_value(), "loss");
  EXPECT_EQ(Field(s, "values").list_value().values(1).number_value(), 2.25);
}

}  // namespace
}  // namespace actiscope::cli
