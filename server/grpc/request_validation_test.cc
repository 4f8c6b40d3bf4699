#include "server/grpc/request_validation.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

TEST(RequestValidationTest, RunIdAcceptsTheAllowedAlphabet) {
  EXPECT_TRUE(ValidateRunId("a").ok());
  EXPECT_TRUE(ValidateRunId("Run_2026-11.28").ok());
  EXPECT_TRUE(ValidateRunId(std::string(64, 'x')).ok());
}

TEST(RequestValidationTest, RunIdRejectsEmptyLongAndOddCharacters) {
  for (const std::string& bad : {std::string(), std::string(65, 'x'), std::string("a b"),
                                 std::string("a/b"), std::string("r\xc3\xa9")}) {
    absl::Status s = ValidateRunId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("[A-Za-z0-9._-]"));
  }
}

TEST(RequestValidationTest, RunSpecRejectsNegativeResumeStep) {
  v1::RunSpec spec;
  spec.set_run_id("r");
  spec.set_resume_from_step(-3);
  absl::Status s = ValidateRunSpec(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("resume_from_step must be >= 0, got -3"));
}

TEST(RequestValidationTest, FinishRunNeedsFinishedOrFailed) {
  v1::FinishRunRequest request;
  request.set_run_id("r");
  request.set_status(v1::RUN_STATUS_LIVE);
  absl::Status s = ValidateFinishRun(request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("got RUN_STATUS_LIVE"));
  request.set_status(v1::RUN_STATUS_FAILED);
  EXPECT_TRUE(ValidateFinishRun(request).ok());
}

v1::Frame GoodFrame() {
  v1::Frame frame;
  frame.set_layer("conv1");
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(12);
  return frame;
}

TEST(RequestValidationTest, FrameErrorsNameTheFrameAndValue) {
  EXPECT_TRUE(ValidateFrame(0, GoodFrame()).ok());

  v1::Frame frame = GoodFrame();
  frame.set_step(-1);
  EXPECT_THAT(ValidateFrame(3, frame).message(),
              HasSubstr("frame 3 (layer \"conv1\", step -1): step must be >= 0, got -1"));

  frame = GoodFrame();
  frame.set_kind(v1::KIND_UNSPECIFIED);
  EXPECT_THAT(ValidateFrame(0, frame).message(), HasSubstr("kind must be KIND_ACTIVATION"));

  frame = GoodFrame();
  frame.set_layer("");
  EXPECT_THAT(ValidateFrame(0, frame).message(),
              HasSubstr("layer name must be 1-256 bytes, got 0 bytes"));
}

TEST(RequestValidationTest, LongLayerNameIsReportedByLengthNotEchoed) {
  v1::Frame frame = GoodFrame();
  frame.set_layer(std::string(10240, 'x'));
  absl::Status s = ValidateFrame(0, frame);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("layer name must be 1-256 bytes, got 10240 bytes"));
  EXPECT_LT(s.message().size(), 300u);
}

TEST(RequestValidationTest, ScalarAllowsNanButNotNegativeStep) {
  v1::Scalar scalar;
  scalar.set_name("loss");
  scalar.set_value(std::nan(""));
  EXPECT_TRUE(ValidateScalar(0, scalar).ok());
  scalar.set_step(-2);
  EXPECT_THAT(ValidateScalar(1, scalar).message(),
              HasSubstr("scalar 1 (\"loss\"): step must be >= 0, got -2"));
}

TEST(RequestValidationTest, HeatmapColumnsAreBounded) {
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("fc");
  EXPECT_TRUE(ValidateHeatmapRequest(request).ok());
  request.set_max_columns(10001);
  absl::Status s = ValidateHeatmapRequest(request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_columns must be at most 10000"));
}

TEST(RequestValidationTest, StepRangeMustBeOrdered) {
  v1::GetScalarsRequest request;
  request.set_run_id("r");
  request.set_from_step(10);
  request.set_to_step(0);  // Zero means "to the last step".
  EXPECT_TRUE(ValidateScalarsRequest(request).ok());
  request.set_to_step(5);
  absl::Status s = ValidateScalarsRequest(request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("from_step must not be after to_step, got 10 > 5"));
  request.set_from_step(-1);
  EXPECT_THAT(ValidateScalarsRequest(request).message(), HasSubstr("from_step must be >= 0"));
}

}  // namespace
}  // namespace actiscope::server
