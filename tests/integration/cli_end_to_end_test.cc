// End to end over loopback: a real actiscope-server on a temporary database, actiscope-loadgen
// pushing two synthetic runs into it, then the actiscope CLI reading them back. What the CLI
// prints is checked against the same deterministic generator the loadgen used.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/temp_dir.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/loadgen/synthetic_run.h"

namespace actiscope::testing {
namespace {

using ::actiscope::testing::TempDir;

using google::protobuf::Value;

constexpr uint64_t kSeed = 11;
constexpr int kClients = 2;
constexpr int kLayers = 3;
constexpr int64_t kSteps = 600;
constexpr uint32_t kBins = 40;
constexpr int kKinds = 2;  // activation and gradient.

loadgen::SyntheticRunOptions GeneratorOptions() {
  loadgen::SyntheticRunOptions options;
  options.seed = kSeed;
  options.layers = kLayers;
  options.bins = kBins;
  options.steps = kSteps;
  options.kinds = {v1::KIND_ACTIVATION, v1::KIND_GRADIENT};
  return options;
}

Value ParseJson(const std::string& json) {
  Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << json;
  return value;
}

const Value& Field(const Value& object, const std::string& key) {
  static const Value kMissing;
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(key);
  EXPECT_NE(it, fields.end()) << "missing key \"" << key << "\"";
  return it == fields.end() ? kMissing : it->second;
}

uint64_t Number(const Value& v) { return static_cast<uint64_t>(v.number_value()); }

class CliEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_dir_ = new TempDir("cli_end_to_end_test");
    dir_ = &temp_dir_->path();
    server_ = StartServer().value_or(nullptr);
    if (server_ == nullptr) return;
    absl::StatusOr<CommandOutput> load =
        RunCommand({ACTISCOPE_LOADGEN_BIN, absl::StrCat("--server=", server_->grpc_address()),
                    absl::StrCat("--clients=", kClients), absl::StrCat("--layers=", kLayers),
                    absl::StrCat("--steps=", kSteps), absl::StrCat("--bins=", kBins),
                    absl::StrCat("--seed=", kSeed), "--kinds=activation,gradient",
                    "--run_prefix=it", "--json"},
                   *dir_, absl::Seconds(30));
    load_ = new CommandOutput(load.ok() ? *load : CommandOutput{-1, "", load.status().ToString()});
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) server_->Stop();
    server_.reset();
    delete temp_dir_;
    delete load_;
  }

  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartServer() {
    ServerProcessOptions options;
    options.binary = ACTISCOPE_SERVER_BIN;
    options.db = absl::StrCat(*dir_, "/actiscope.db");
    options.scratch_dir = *dir_;
    return ServerProcess::Start(options);
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "actiscope-server did not start";
    ASSERT_EQ(load_->exit_status, 0) << load_->err << load_->out << server_->log();
  }

  // Runs the CLI against the server with `args`.
  static CommandOutput Cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {ACTISCOPE_CLI_BIN,
                                     absl::StrCat("--server=", server_->grpc_address())};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<CommandOutput> output = RunCommand(argv, *dir_, absl::Seconds(20));
    return output.ok() ? *output : CommandOutput{-1, "", output.status().ToString()};
  }

  static TempDir* temp_dir_;
  static const std::string* dir_;
  static std::unique_ptr<ServerProcess> server_;
  static CommandOutput* load_;
};

TempDir* CliEndToEndTest::temp_dir_ = nullptr;
const std::string* CliEndToEndTest::dir_ = nullptr;
std::unique_ptr<ServerProcess> CliEndToEndTest::server_;
CommandOutput* CliEndToEndTest::load_ = nullptr;

TEST_F(CliEndToEndTest, LoadgenReportsEveryHistogramCommitted) {
  const Value report = ParseJson(load_->out);
  EXPECT_EQ(Number(Field(report, "histograms")), kClients * kLayers * kKinds * kSteps);
  EXPECT_EQ(Number(Field(report, "frames_stored")) + Number(Field(report, "frames_ignored")),
            kClients * kLayers * kKinds * kSteps);
  EXPECT_GT(Field(report, "histograms_per_s").number_value(), 0);
}

TEST_F(CliEndToEndTest, RunsJsonListsTheFinishedRuns) {
  const CommandOutput out = Cli({"runs", "--json"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  const Value runs = ParseJson(out.out);
  int found = 0;
  for (const Value& run : runs.list_value().values()) {
    const std::string id = Field(run, "id").string_value();
    if (id != "it-0" && id != "it-1") continue;
    ++found;
    EXPECT_EQ(Field(run, "status").string_value(), "finished") << id;
    EXPECT_EQ(Number(Field(run, "last_step")), kSteps - 1) << id;
    EXPECT_EQ(Field(Field(run, "config"), "seed").string_value(), absl::StrCat(kSeed));
  }
  EXPECT_EQ(found, kClients) << out.out;
}

TEST_F(CliEndToEndTest, ShowJsonHasTheLayersAndScalars) {
  const CommandOutput out = Cli({"show", "it-1", "--json"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  const Value show = ParseJson(out.out);
  EXPECT_EQ(Field(show, "id").string_value(), "it-1");
  const auto& layers = Field(show, "layers").list_value().values();
  ASSERT_EQ(layers.size(), kLayers) << out.out;
  const std::vector<std::string> names = loadgen::SyntheticRun::LayerNames(kLayers);
  for (int i = 0; i < kLayers; ++i) {
    EXPECT_EQ(Field(layers[i], "name").string_value(), names[i]);
    const auto& kinds = Field(layers[i], "kinds").list_value().values();
    ASSERT_EQ(kinds.size(), kKinds);
    EXPECT_EQ(kinds[0].string_value(), "activation");
    EXPECT_EQ(kinds[1].string_value(), "gradient");
  }
  std::vector<std::string> scalars;
  for (const Value& s : Field(show, "scalars").list_value().values()) {
    scalars.push_back(s.string_value());
  }
  EXPECT_EQ(scalars, (std::vector<std::string>{"loss", "lr"}));
}

// Checks that the heatmap JSON's columns tile steps [from, to] and that each column holds the
// sums of what the generator made for run `run_index`, `layer` and `kind` over its steps.
void ExpectColumnsSumTheGenerator(const Value& heatmap, int run_index, int layer, v1::Kind kind,
                                  int64_t from_step, int64_t to_step, size_t max_columns) {
  EXPECT_EQ(Field(heatmap, "bin_edges").list_value().values_size(), kBins + 1);
  const auto& columns = Field(heatmap, "columns").list_value().values();
  ASSERT_GE(columns.size(), max_columns / 2);
  ASSERT_LE(columns.size(), max_columns);
  const loadgen::SyntheticRun run(GeneratorOptions(), run_index);
  int64_t next_step = from_step;
  for (const Value& column : columns) {
    const int64_t from = static_cast<int64_t>(Field(column, "step_from").number_value());
    const int64_t to = static_cast<int64_t>(Field(column, "step_to").number_value());
    EXPECT_EQ(from, next_step);
    next_step = to + 1;
    std::vector<uint64_t> counts(kBins, 0);
    uint64_t elements = 0, below = 0, above = 0, zeros = 0, nonfinite = 0;
    for (int64_t step = from; step <= to; ++step) {
      const loadgen::SyntheticHistogram h = run.Histogram(layer, kind, step);
      for (uint32_t b = 0; b < kBins; ++b) counts[b] += h.counts[b];
      elements += h.stats.elements();
      below += h.stats.below();
      above += h.stats.above();
      zeros += h.stats.zeros();
      nonfinite += h.stats.nonfinite();
    }
    EXPECT_EQ(Number(Field(column, "elements")), elements) << "steps " << from << "-" << to;
    EXPECT_EQ(Number(Field(column, "below")), below);
    EXPECT_EQ(Number(Field(column, "above")), above);
    EXPECT_EQ(Number(Field(column, "zeros")), zeros);
    EXPECT_EQ(Number(Field(column, "nonfinite")), nonfinite);
    const auto& got = Field(column, "counts").list_value().values();
    ASSERT_EQ(got.size(), kBins);
    for (uint32_t b = 0; b < kBins; ++b) EXPECT_EQ(Number(got[b]), counts[b]) << "bin " << b;
  }
  EXPECT_EQ(next_step, to_step + 1);
}

TEST_F(CliEndToEndTest, HeatmapColumnsSumWhatWasSent) {
  const CommandOutput out = Cli({"heatmap", "it-0", "conv1", "--json", "--columns=10"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  const Value heatmap = ParseJson(out.out);
  EXPECT_EQ(Field(heatmap, "layer").string_value(), "conv1");
  EXPECT_EQ(Field(heatmap, "kind").string_value(), "activation");
  ExpectColumnsSumTheGenerator(heatmap, 0, 0, v1::KIND_ACTIVATION, 0, kSteps - 1, 10);
}

TEST_F(CliEndToEndTest, GradientHeatmapOfAStepRangeSumsWhatWasSent) {
  const CommandOutput out = Cli({"heatmap", "it-1", "conv3_x", "--kind=gradient", "--from=100",
                                 "--to=399", "--columns=6", "--json"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  const Value heatmap = ParseJson(out.out);
  EXPECT_EQ(Field(heatmap, "kind").string_value(), "gradient");
  ExpectColumnsSumTheGenerator(heatmap, 1, 2, v1::KIND_GRADIENT, 100, 399, 6);
}

TEST_F(CliEndToEndTest, HeatmapToZeroIsStepZeroOnly) {
  const CommandOutput out = Cli({"heatmap", "it-0", "conv1", "--to=0", "--json"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  ExpectColumnsSumTheGenerator(ParseJson(out.out), 0, 0, v1::KIND_ACTIVATION, 0, 0, 1);
}

TEST_F(CliEndToEndTest, ScalarsJsonHasLossPerStep) {
  const CommandOutput out = Cli({"scalars", "it-0", "--names=loss", "--json"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  const Value json = ParseJson(out.out);
  const auto& series = Field(json, "series").list_value().values();
  ASSERT_EQ(series.size(), 1);
  EXPECT_EQ(Field(series[0], "name").string_value(), "loss");
  const auto& values = Field(series[0], "values").list_value().values();
  ASSERT_EQ(values.size(), kSteps);
  const loadgen::SyntheticRun run(GeneratorOptions(), 0);
  EXPECT_DOUBLE_EQ(values[7].number_value(), run.Scalars(7)[0].value());
}

TEST_F(CliEndToEndTest, HeatmapWithoutJsonDrawsInColour) {
  const CommandOutput out = Cli({"heatmap", "it-0", "conv2_x"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  EXPECT_TRUE(absl::StrContains(out.out, "\x1b[38;2;")) << out.out;
  EXPECT_TRUE(absl::StrContains(out.out, "\u2580"));
  EXPECT_TRUE(absl::StrContains(out.out, "step"));
}

TEST_F(CliEndToEndTest, WatchOfAFinishedRunPrintsItAndEnds) {
  const CommandOutput out = Cli({"watch", "it-0", "--json"});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  EXPECT_EQ(Field(ParseJson(out.out), "status").string_value(), "finished");
}

TEST_F(CliEndToEndTest, WatchFollowsALiveRunUntilItFinishes) {
  // 60 steps at 30 steps/s: about two seconds of updates.
  absl::StatusOr<std::unique_ptr<Subprocess>> load = Subprocess::Start(
      {ACTISCOPE_LOADGEN_BIN, absl::StrCat("--server=", server_->grpc_address()), "--clients=1",
       "--layers=1", "--steps=60", "--live_rate=30", "--run_prefix=live"},
      absl::StrCat(*dir_, "/live.out"), absl::StrCat(*dir_, "/live.err"));
  ASSERT_TRUE(load.ok()) << load.status();
  // The watch fails with NOT_FOUND until the loadgen has started the run.
  CommandOutput out;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  do {
    out = Cli({"watch", "live-0", "--json"});
  } while (out.exit_status != 0 && absl::StrContains(out.err, "NOT_FOUND") &&
           absl::Now() < deadline);
  ASSERT_EQ(out.exit_status, 0) << out.err;
  absl::StatusOr<int> load_exit = (*load)->Wait(absl::Seconds(20));
  ASSERT_TRUE(load_exit.ok()) << load_exit.status();
  EXPECT_EQ(*load_exit, 0) << ReadFileOrEmpty(absl::StrCat(*dir_, "/live.err"));

  const std::vector<std::string> lines = absl::StrSplit(out.out, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 2u) << out.out;
  int64_t previous = -1;
  for (const std::string& line : lines) {
    const int64_t step = static_cast<int64_t>(Field(ParseJson(line), "last_step").number_value());
    EXPECT_GE(step, previous) << out.out;
    previous = step;
  }
  EXPECT_EQ(Field(ParseJson(lines.front()), "status").string_value(), "live") << out.out;
  const Value last = ParseJson(lines.back());
  EXPECT_EQ(Field(last, "status").string_value(), "finished");
  EXPECT_EQ(Number(Field(last, "last_step")), 59u);
}

TEST_F(CliEndToEndTest, UnknownRunExitsNonZeroWithNotFound) {
  const CommandOutput out = Cli({"show", "no-such-run"});
  EXPECT_NE(out.exit_status, 0);
  EXPECT_TRUE(absl::StrContains(out.err, "NOT_FOUND")) << out.err;
  EXPECT_TRUE(absl::StrContains(out.err, "no-such-run")) << out.err;
}

TEST_F(CliEndToEndTest, UnreachableServerSaysSo) {
  absl::StatusOr<CommandOutput> out =
      RunCommand({ACTISCOPE_CLI_BIN, "--server=127.0.0.1:1", "runs"}, *dir_, absl::Seconds(20));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_status, 1);
  EXPECT_TRUE(absl::StrContains(out->err, "cannot reach server at 127.0.0.1:1")) << out->err;
  EXPECT_TRUE(absl::StrContains(out->err, "is actiscope-server running?")) << out->err;
}

TEST_F(CliEndToEndTest, DataSurvivesAServerRestart) {
  const CommandOutput before = Cli({"heatmap", "it-1", "conv3_x", "--json", "--columns=7"});
  ASSERT_EQ(before.exit_status, 0) << before.err;
  EXPECT_EQ(server_->Stop(), 0) << server_->log();
  absl::StatusOr<std::unique_ptr<ServerProcess>> restarted = StartServer();
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  server_ = *std::move(restarted);
  const CommandOutput after = Cli({"heatmap", "it-1", "conv3_x", "--json", "--columns=7"});
  ASSERT_EQ(after.exit_status, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
  const CommandOutput runs = Cli({"runs", "--json"});
  EXPECT_TRUE(absl::StrContains(runs.out, "\"id\":\"it-0\"")) << runs.out;
}

}  // namespace
}  // namespace actiscope::testing
