// One test per kind of bad Push input: each asserts the exact status code, a message a user
// can act on, that nothing of the rejected request is stored, and that the server still
// accepts good data afterwards.
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/report_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"
#include "server/grpc/grpc_test_server.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::MakeBatch;
using ::actiscope::server::testing::MakeFrame;
using ::actiscope::server::testing::MakeRequest;
using ::actiscope::server::testing::TestGrpcServer;
using ::testing::HasSubstr;

constexpr size_t kMaxMessageBytes = 1 << 20;

class PushBadInputTest : public ::testing::Test {
 protected:
  PushBadInputTest() : server_(kMaxMessageBytes) {}

  void SetUp() override { ASSERT_TRUE(server_.StartRun("r").ok()); }

  // A request whose frame 0 ("good", step 0) and scalar are valid and whose frame 1
  // ("bad", step 1) is `mutate`d.
  v1::PushRequest RequestWithBadFrame(const std::function<void(v1::Frame*)>& mutate) {
    v1::FrameBatch batch = MakeBatch("good", 0, 1);
    std::vector<uint64_t> counts;
    v1::Frame bad = MakeFrame("bad", 1, 8, &counts);
    codec::EncodeCounts(counts, {}, bad.mutable_counts());
    mutate(&bad);
    *batch.add_frames() = std::move(bad);
    return MakeRequest("r", 1, std::move(batch));
  }

  // Pushes `request`, expects it rejected with `code` and `message`, nothing of it stored,
  // and a good push on a new stream accepted.
  void ExpectRejected(const v1::PushRequest& request, grpc::StatusCode code,
                      const std::string& message) {
    std::vector<v1::PushAck> acks;
    grpc::Status status = server_.Push({request}, &acks);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(message));
    EXPECT_TRUE(acks.empty());

    v1::RunDetail detail;
    ASSERT_TRUE(server_.GetRun("r", &detail).ok());
    EXPECT_EQ(detail.layers_size(), 0) << "a rejected request left layers behind";
    EXPECT_EQ(detail.scalar_names_size(), 0) << "a rejected request left scalars behind";
    EXPECT_EQ(detail.run().last_step(), -1);

    acks.clear();
    ASSERT_TRUE(server_.Push({MakeRequest("r", 2, MakeBatch("after", 0, 2))}, &acks).ok());
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].frames_stored(), 2u);
  }

  TestGrpcServer server_;
};

TEST_F(PushBadInputTest, MoreThan1024BinsIsInvalidArgument) {
  v1::FrameBatch batch = MakeBatch("good", 0, 1);
  std::vector<uint64_t> counts;
  v1::Frame bad = MakeFrame("conv1", 12, 2000, &counts);
  codec::EncodeCounts(counts, {}, bad.mutable_counts());
  *batch.add_frames() = std::move(bad);
  ExpectRejected(MakeRequest("r", 1, std::move(batch)), grpc::StatusCode::INVALID_ARGUMENT,
                 "frame 1 (layer \"conv1\", step 12): bin layout: bins must be in [1, 1024], "
                 "got 2000");
}

TEST_F(PushBadInputTest, CountsNotMatchingStatsIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) {
                   f->mutable_stats()->set_elements(f->stats().elements() + 1);
                 }),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "frame 1 (layer \"bad\", step 1): counts do not match the layout and stats");
}

TEST_F(PushBadInputTest, CountsNotMatchingLayoutIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->mutable_layout()->set_bins(6); }),
                 grpc::StatusCode::INVALID_ARGUMENT, "frame 1 (layer \"bad\", step 1): counts:");
}

TEST_F(PushBadInputTest, LoNotBelowHiIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->mutable_layout()->set_lo(1); }),
                 grpc::StatusCode::INVALID_ARGUMENT, "lo must be below hi, got lo=1 hi=1");
}

TEST_F(PushBadInputTest, NanBoundIsInvalidArgument) {
  ExpectRejected(
      RequestWithBadFrame([](v1::Frame* f) { f->mutable_layout()->set_hi(std::nan("")); }),
      grpc::StatusCode::INVALID_ARGUMENT, "lo and hi must be finite");
}

TEST_F(PushBadInputTest, UnknownScaleIsInvalidArgument) {
  ExpectRejected(
      RequestWithBadFrame([](v1::Frame* f) { f->mutable_layout()->set_scale(v1::BinScale(7)); }),
      grpc::StatusCode::INVALID_ARGUMENT,
      "frame 1 (layer \"bad\", step 1): bin layout: unknown scale 7");
}

TEST_F(PushBadInputTest, LogMagnitudeFromZeroIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) {
                   f->mutable_layout()->set_scale(v1::BIN_SCALE_LOG_MAGNITUDE);
                   f->mutable_layout()->set_lo(0);
                 }),
                 grpc::StatusCode::INVALID_ARGUMENT, "log-magnitude bins need lo > 0, got lo=0");
}

TEST_F(PushBadInputTest, UnknownRunIsNotFound) {
  ExpectRejected(MakeRequest("nobody", 1, MakeBatch("fc", 0, 1)), grpc::StatusCode::NOT_FOUND,
                 "run \"nobody\": unknown; call StartRun first");
}

TEST_F(PushBadInputTest, FirstRequestWithoutRunIdIsInvalidArgument) {
  ExpectRejected(MakeRequest("", 1, MakeBatch("good", 0, 1)), grpc::StatusCode::INVALID_ARGUMENT,
                 "push (sequence 1): run_id: missing on the first request of the stream");
}

TEST_F(PushBadInputTest, NegativeStepIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->set_step(-1); }),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "frame 1 (layer \"bad\", step -1): step must be in [0, 9007199254740991], got -1");
}

TEST_F(PushBadInputTest, StepPastTwoToThe53IsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->set_step(kMaxStep + 1); }),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "step must be in [0, 9007199254740991], got 9007199254740992");
}

TEST_F(PushBadInputTest, LargestInt64StepIsInvalidArgument) {
  ExpectRejected(
      RequestWithBadFrame([](v1::Frame* f) { f->set_step(std::numeric_limits<int64_t>::max()); }),
      grpc::StatusCode::INVALID_ARGUMENT,
      "step must be in [0, 9007199254740991], got 9223372036854775807");
}

TEST_F(PushBadInputTest, FrameRankNotBelowTheWorldSizeIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->set_rank(1); }),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "frame 1: rank 1 is not below the run's world_size 1");
}

TEST_F(PushBadInputTest, ScalarRankNotBelowTheWorldSizeIsInvalidArgument) {
  v1::FrameBatch batch = MakeBatch("good", 0, 1);
  v1::Scalar* scalar = batch.add_scalars();
  scalar->set_name("lr");
  scalar->set_rank(7);
  ExpectRejected(MakeRequest("r", 1, std::move(batch)), grpc::StatusCode::INVALID_ARGUMENT,
                 "scalar 1: rank 7 is not below the run's world_size 1");
}

TEST_F(PushBadInputTest, NegativeScalarStepIsInvalidArgument) {
  v1::FrameBatch batch = MakeBatch("good", 0, 1);
  v1::Scalar* scalar = batch.add_scalars();
  scalar->set_name("lr");
  scalar->set_step(-4);
  ExpectRejected(MakeRequest("r", 1, std::move(batch)), grpc::StatusCode::INVALID_ARGUMENT,
                 "scalar 1 (\"lr\"): step must be in [0, 9007199254740991], got -4");
}

TEST_F(PushBadInputTest, EmptyScalarNameIsInvalidArgument) {
  v1::FrameBatch batch = MakeBatch("good", 0, 1);
  batch.add_scalars()->set_step(3);
  ExpectRejected(MakeRequest("r", 1, std::move(batch)), grpc::StatusCode::INVALID_ARGUMENT,
                 "scalar 1 (step 3): name must be 1-256 bytes, got 0 bytes");
}

TEST_F(PushBadInputTest, ScalarNameOverTheLimitIsInvalidArgument) {
  v1::FrameBatch batch = MakeBatch("good", 0, 1);
  v1::Scalar* scalar = batch.add_scalars();
  scalar->set_name(std::string(kMaxNameBytes + 1, 's'));
  scalar->set_step(3);
  ExpectRejected(MakeRequest("r", 1, std::move(batch)), grpc::StatusCode::INVALID_ARGUMENT,
                 absl::StrCat("scalar 1 (step 3): name must be 1-", kMaxNameBytes, " bytes, got ",
                              kMaxNameBytes + 1, " bytes"));
}

TEST_F(PushBadInputTest, TenKilobyteLayerNameIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->set_layer(std::string(10240, 'x')); }),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "frame 1 (step 1): layer name must be 1-256 bytes, got 10240 bytes");
}

TEST_F(PushBadInputTest, UnspecifiedKindIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->set_kind(v1::KIND_UNSPECIFIED); }),
                 grpc::StatusCode::INVALID_ARGUMENT, "kind must be KIND_ACTIVATION");
}

TEST_F(PushBadInputTest, MessageOverTheSizeLimitIsResourceExhausted) {
  v1::PushRequest request = MakeRequest("r", 1, MakeBatch("good", 0, 1));
  request.mutable_batch()->mutable_frames(0)->set_layer(std::string(kMaxMessageBytes + 1, 'x'));
  ExpectRejected(request, grpc::StatusCode::RESOURCE_EXHAUSTED, "larger than max");
}

TEST_F(PushBadInputTest, ZstdBatchExpandingOverTheLimitIsResourceExhausted) {
  v1::FrameBatch batch = MakeBatch("good", 0, 1);
  batch.mutable_frames(0)->set_layer(std::string(kMaxMessageBytes + 1, 'x'));
  v1::PushRequest request;
  request.set_run_id("r");
  request.set_zstd_batch(codec::CompressBatch(batch));
  ASSERT_LT(request.ByteSizeLong(), kMaxMessageBytes);
  ExpectRejected(request, grpc::StatusCode::RESOURCE_EXHAUSTED, "zstd_batch: decompresses to");
}

TEST_F(PushBadInputTest, GarbageZstdIsInvalidArgument) {
  v1::PushRequest request;
  request.set_run_id("r");
  request.set_sequence(9);
  request.set_zstd_batch("definitely not zstd");
  ExpectRejected(request, grpc::StatusCode::INVALID_ARGUMENT,
                 "push (sequence 9): zstd_batch: not a zstd frame");
}

TEST_F(PushBadInputTest, DeltaFrameWithoutBaseIsInvalidArgument) {
  ExpectRejected(RequestWithBadFrame([](v1::Frame* f) { f->set_delta(true); }),
                 grpc::StatusCode::INVALID_ARGUMENT,
                 "frame 1 (layer \"bad\", step 1): delta frame without an earlier frame");
}

TEST_F(PushBadInputTest, LayoutChangeOfAStoredSeriesIsInvalidArgument) {
  ASSERT_TRUE(server_.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 2, 8))}).ok());
  std::vector<v1::PushAck> acks;
  grpc::Status status = server_.Push({MakeRequest("r", 2, MakeBatch("fc", 2, 2, 16))}, &acks);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("differs from the stored layout"));
  EXPECT_TRUE(acks.empty());
  v1::RunDetail detail;
  ASSERT_TRUE(server_.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().last_step(), 1);
}

TEST_F(PushBadInputTest, RejectedStreamKeepsEarlierAckedRequests) {
  std::vector<v1::PushAck> acks;
  v1::PushRequest bad = MakeRequest("r", 2, MakeBatch("fc", 5, 1));
  bad.mutable_batch()->mutable_frames(0)->set_step(-5);
  grpc::Status status = server_.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 3)), bad}, &acks);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].sequence(), 1u);
  v1::RunDetail detail;
  ASSERT_TRUE(server_.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().last_step(), 2);
}

}  // namespace
}  // namespace actiscope::server
