#include "server/http/http_api.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/http/http_test_store.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

constexpr QueryLimits kLimits;  // The defaults.

// Smaller than the defaults, as an operator may configure them.
QueryLimits SmallLimits() {
  QueryLimits limits;
  limits.max_runs_listed = 1;
  limits.max_heatmap_columns = 100;
  limits.max_heatmap_cells = 3 * 256;  // 3 columns of a 256-bin layer.
  limits.max_scalar_points = 50;
  return limits;
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.CreateRun("r1", "<img src=x onerror=alert(1)>");
    data_.WriteSteps("r1", "conv1", 0, 9);
    data_.WriteSteps("r1", "conv2_x", 0, 9);
    data_.CreateRun("r2", "other");
  }

  HttpTestStore data_;
  HttpApi api_{data_.store()};
};

TEST_F(HttpApiTest, ListsRunsWithEscapedNamesConfigAndLatestScalars) {
  HttpReply reply = api_.Get("/api/runs");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
  EXPECT_THAT(reply.body,
              HasSubstr(R"("id":"r1","name":"\u003cimg src=x onerror=alert(1)\u003e")"));
  EXPECT_THAT(reply.body, HasSubstr(R"("status":"live")"));
  EXPECT_THAT(reply.body, HasSubstr(R"("first_step":0,"last_step":9)"));
  EXPECT_THAT(reply.body, HasSubstr(R"("config":{"lr":"0.01","model":"resnet18"})"));
  EXPECT_THAT(reply.body, HasSubstr(R"("latest":{"loss":{"step":9,"value":0.1}})"));
  EXPECT_THAT(reply.body, HasSubstr(R"("start_time":"2023-11-14T22:13:20.000Z")"));
  EXPECT_EQ(reply.body.front(), '[');
}

TEST_F(HttpApiTest, FiltersRunsByName) {
  HttpReply reply = api_.Get("/api/runs?name=oth");
  EXPECT_THAT(reply.body, HasSubstr(R"("id":"r2")"));
  EXPECT_THAT(reply.body, ::testing::Not(HasSubstr(R"("id":"r1")")));
}

TEST_F(HttpApiTest, ShowsLayersInModelOrderWithKindsRanksAndScalars) {
  HttpReply reply = api_.Get("/api/runs/r1");
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body,
              HasSubstr(R"("layers":[{"name":"conv1","kinds":["activation"],"ranks":[0]},)"
                        R"({"name":"conv2_x","kinds":["activation"],"ranks":[0]}],)"
                        R"("scalars":["loss"]})"));
}

TEST_F(HttpApiTest, HeatmapIsCompactColumnsTimesBins) {
  HttpReply reply = api_.Get("/api/runs/r1/heatmap?layer=conv1&from=2&to=3&columns=2");
  ASSERT_EQ(reply.status, 200) << reply.body;
  std::string counts;
  for (int64_t step = 2; step <= 3; ++step) {
    for (uint32_t bin = 0; bin < 4; ++bin) {
      absl::StrAppend(&counts, counts.empty() ? "" : ",", HttpTestStore::Count(step, bin));
    }
  }
  EXPECT_THAT(reply.body, HasSubstr(R"({"layer":"conv1","kind":"activation","rank":"merged",)"
                                    R"("scale":"linear","bins":4,"bin_edges":[0,1,2,3,4],)"
                                    R"("step_from":[2,3],"step_to":[2,3],)"));
  EXPECT_THAT(reply.body, HasSubstr(absl::StrCat(R"("counts":[)", counts, "]")));
  EXPECT_THAT(reply.body, HasSubstr(R"("below":[0,0],"above":[0,0])"));
}

TEST_F(HttpApiTest, HeatmapSumsStepsIntoFewerColumns) {
  HttpReply reply = api_.Get("/api/runs/r1/heatmap?layer=conv1&columns=5&rank=0");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("rank":0)"));
  EXPECT_THAT(reply.body, HasSubstr(R"("step_from":[0,2,4,6,8],"step_to":[1,3,5,7,9])"));
}

TEST_F(HttpApiTest, ScalarsReturnsSeries) {
  HttpReply reply = api_.Get("/api/runs/r1/scalars?names=loss&from=8");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body,
            R"({"scalars":[{"name":"loss","steps":[8,9],"values":[0.1111111111111111,0.1]}]})");
}

TEST_F(HttpApiTest, BadParametersAreBadRequestsWithAJsonError) {
  for (const char* target :
       {"/api/runs/r1/heatmap?layer=conv1&from=abc",
        "/api/runs/r1/heatmap?layer=conv1&columns=10001",
        "/api/runs/r1/heatmap?layer=conv1&layer=", "/api/runs/r1/heatmap?layer=conv1&kind=bias",
        "/api/runs/r1/heatmap?layer=conv1&from=5&to=2", "/api/runs/r1/heatmap",
        "/api/runs/r1/heatmap?layer=conv1&rank=-1", "/api/runs/r1/heatmap?layer=conv1&from=-5",
        "/api/runs?limit=100000", "/api/runs/r1/scalars?points=x", "/api/runs/%zz"}) {
    HttpReply reply = api_.Get(target);
    EXPECT_EQ(reply.status, 400) << target;
    EXPECT_THAT(reply.body, HasSubstr(R"({"error":")")) << target;
  }
}

TEST_F(HttpApiTest, AlertsListTheRunsAlertsAndRunsCountThem) {
  Alert alert;
  alert.run_id = "r1";
  alert.layer = "conv2_x";
  alert.type = AlertType::kCollapse;
  alert.first_step = 4;
  alert.last_step = 9;
  alert.value = 0.5;
  alert.threshold = 0.25;
  alert.message = "collapsed";
  ASSERT_TRUE(data_.store()->UpsertAlerts({alert}).ok());
  HttpReply reply = api_.Get("/api/runs/r1/alerts");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            R"({"alerts":[{"layer":"conv2_x","kind":"activation","rank":0,"type":"collapse",)"
            R"("severity":"warning","first_step":4,"last_step":9,"cleared":false,"value":0.5,)"
            R"("threshold":0.25,"message":"collapsed"}]})");
  EXPECT_EQ(api_.Get("/api/runs/r2/alerts").body, R"({"alerts":[]})");
  EXPECT_EQ(api_.Get("/api/runs/nope/alerts").status, 404);
  reply = api_.Get("/api/runs");
  EXPECT_THAT(reply.body, HasSubstr(R"("rejected_frames":0,"alerts":1,)"));
}

TEST_F(HttpApiTest, UnknownRunsLayersAndRoutesAreNotFound) {
  for (const char* target :
       {"/api/runs/nope", "/api/runs/nope/heatmap?layer=conv1", "/api/runs/r1/heatmap?layer=nope",
        "/api/runs/nope/scalars", "/api/runs/r1/heatmap?layer=conv1&kind=gradient", "/api/nothing",
        "/api", "/api/runs/r1/extra/segments"}) {
    HttpReply reply = api_.Get(target);
    EXPECT_EQ(reply.status, 404) << target << " " << reply.body;
    EXPECT_THAT(reply.body, HasSubstr(R"({"error":")")) << target;
  }
}

// Layer "wide" has 256 bins at steps 0 and 99999 only: the most columns plan more cells than
// --max_heatmap_cells although two columns would come back.
TEST_F(HttpApiTest, HeatmapsOverTheCellLimitAreRefusedByTheirPlanWithAHint) {
  constexpr uint32_t kBins = 256;
  static_assert(uint64_t{kLimits.max_heatmap_columns} * kBins > kLimits.max_heatmap_cells);
  data_.WriteSparseSteps("r2", "wide", kBins, {0, 99999});
  HttpReply reply = api_.Get(
      absl::StrCat("/api/runs/r2/heatmap?layer=wide&columns=", kLimits.max_heatmap_columns));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(
      reply.body,
      HasSubstr(absl::StrCat("over --max_heatmap_cells=", kLimits.max_heatmap_cells,
                             "; ask for at most ", kLimits.max_heatmap_cells / kBins, " columns")));
  reply = api_.Get(
      absl::StrCat("/api/runs/r2/heatmap?layer=wide&columns=", kLimits.max_heatmap_cells / kBins));
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("step_from":[0,99999])"));
}

TEST_F(HttpApiTest, ToZeroIsStepZeroAndAbsentToIsTheLastStep) {
  HttpReply reply = api_.Get("/api/runs/r1/heatmap?layer=conv1&to=0");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("step_from":[0],"step_to":[0])"));
  reply = api_.Get("/api/runs/r1/heatmap?layer=conv1&from=8");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("step_from":[8,9],"step_to":[8,9])"));
  reply = api_.Get("/api/runs/r1/scalars?names=loss&to=0");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("steps":[0],)"));
}

TEST_F(HttpApiTest, LimitsAreTheDefaultsWithoutConfiguration) {
  HttpReply reply = api_.Get("/api/limits");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body,
            absl::StrCat(
                R"({"runs":{"default_limit":)", RunListQuery::kDefaultLimit, R"(,"max_limit":)",
                kLimits.max_runs_listed, R"(},"heatmap":{"default_columns":)",
                HeatmapQuery::kDefaultColumns, R"(,"max_columns":)", kLimits.max_heatmap_columns,
                R"(,"max_cells":)", kLimits.max_heatmap_cells, R"(},"scalars":{"default_points":)",
                ScalarQuery::kDefaultPoints, R"(,"max_points":)", kLimits.max_scalar_points,
                R"(,"max_names":)", ScalarQuery::kMaxNames, "}}"));
}

TEST_F(HttpApiTest, LimitsAreEnforcedAtTheirBoundary) {
  const std::string heatmap = "/api/runs/r1/heatmap?layer=conv1&columns=";
  EXPECT_EQ(api_.Get(absl::StrCat(heatmap, kLimits.max_heatmap_columns)).status, 200);
  EXPECT_EQ(api_.Get(absl::StrCat(heatmap, kLimits.max_heatmap_columns + 1)).status, 400);
  const std::string scalars = "/api/runs/r1/scalars?points=";
  EXPECT_EQ(api_.Get(absl::StrCat(scalars, kLimits.max_scalar_points)).status, 200);
  EXPECT_EQ(api_.Get(absl::StrCat(scalars, kLimits.max_scalar_points + 1)).status, 400);
  EXPECT_EQ(api_.Get(absl::StrCat("/api/runs?limit=", kLimits.max_runs_listed)).status, 200);
  EXPECT_EQ(api_.Get(absl::StrCat("/api/runs?limit=", kLimits.max_runs_listed + 1)).status, 400);
  std::string names = "loss";
  for (size_t i = 0; i < ScalarQuery::kMaxNames; ++i) names += ",lr";
  EXPECT_EQ(api_.Get("/api/runs/r1/scalars?names=" + names).status, 400);
  // Zero asks for the default, as over gRPC.
  HttpReply reply = api_.Get("/api/runs?limit=0");
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr(R"("id":"r2")"));
}

// An API over a store opened with SmallLimits(), as actiscope-server with smaller flags.
class HttpApiConfiguredLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.CreateRun("r1", "one");
    data_.WriteSteps("r1", "conv1", 0, 59);
    data_.CreateRun("r2", "two");
    data_.WriteSparseSteps("r2", "wide", 256, {0, 99999});
  }

  HttpTestStore data_{SmallLimits()};
  HttpApi api_{data_.store()};
};

TEST_F(HttpApiConfiguredLimitsTest, LimitsReportTheConfiguredValuesAndClampedDefaults) {
  HttpReply reply = api_.Get("/api/limits");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body,
            absl::StrCat(R"({"runs":{"default_limit":1,"max_limit":1},)",
                         R"("heatmap":{"default_columns":100,"max_columns":100,)",
                         R"("max_cells":768},"scalars":{"default_points":50,)",
                         R"("max_points":50,"max_names":)", ScalarQuery::kMaxNames, "}}"));
}

TEST_F(HttpApiConfiguredLimitsTest, HeatmapIsRefusedAtTheConfiguredLimitsNamingTheFlags) {
  HttpReply reply = api_.Get("/api/runs/r2/heatmap?layer=wide&columns=101");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body,
              HasSubstr("heatmap: columns must be in [1, --max_heatmap_columns=100], got 101"));
  reply = api_.Get("/api/runs/r2/heatmap?layer=wide&columns=100");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, HasSubstr("over --max_heatmap_cells=768; ask for at most 3 columns"));
  reply = api_.Get("/api/runs/r2/heatmap?layer=wide&columns=3");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("step_from":[0,99999])"));
}

TEST_F(HttpApiConfiguredLimitsTest, RunsAndScalarsAreRefusedAtTheConfiguredLimits) {
  HttpReply reply = api_.Get("/api/runs?limit=2");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, HasSubstr("runs: limit must be in [1, --max_runs_listed=1], got 2"));
  reply = api_.Get("/api/runs");  // The default, clamped: one of the two runs.
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body.find(R"("id":)"), reply.body.rfind(R"("id":)")) << reply.body;
  reply = api_.Get("/api/runs/r1/scalars?points=51");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body,
              HasSubstr("scalars: points must be in [1, --max_scalar_points=50], got 51"));
  reply = api_.Get("/api/runs/r1/scalars");  // 60 steps in the default of 50 points.
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("steps":[0,)"));
}

TEST(HttpStatusForTest, MapsStatusCodesToHttp) {
  EXPECT_EQ(HttpStatusFor(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatusFor(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatusFor(absl::ResourceExhaustedError("x")), 429);
  EXPECT_EQ(HttpStatusFor(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpStatusFor(absl::InternalError("x")), 500);
}

}  // namespace
}  // namespace actiscope::server
