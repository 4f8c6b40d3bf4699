#include "proto/histogram_codec.h"

#include <random>

#include "common/bit_io.h"
#include "common/varint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::codec {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

v1::Frame MakeFrame(const std::string& layer, int64_t step, const std::vector<uint64_t>& counts) {
  v1::Frame frame;
  frame.set_layer(layer);
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(step);
  frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  frame.mutable_layout()->set_bins(static_cast<uint32_t>(counts.size()));
  frame.mutable_layout()->set_lo(0);
  frame.mutable_layout()->set_hi(10);
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  frame.mutable_stats()->set_elements(total + 3);
  frame.mutable_stats()->set_below(1);
  frame.mutable_stats()->set_above(2);
  return frame;
}

TEST(HistogramCodecTest, AbsoluteCountsRoundTrip) {
  const std::vector<uint64_t> counts = {0, 1, 127, 128, 16384, UINT64_MAX / 2, 7};
  std::string encoded;
  EncodeCounts(counts, {}, &encoded);
  std::vector<uint64_t> decoded;
  ASSERT_TRUE(DecodeCounts(encoded, {}, counts.size(), &decoded).ok());
  EXPECT_THAT(decoded, ElementsAreArray(counts));
}

TEST(HistogramCodecTest, DeltaCountsRoundTripAndAreSmall) {
  const std::vector<uint64_t> base = {1000000, 2000000, 5, 0};
  const std::vector<uint64_t> counts = {1000003, 1999990, 0, 1};
  std::string encoded;
  EncodeCounts(counts, base, &encoded);
  EXPECT_LE(encoded.size(), 5u);
  std::vector<uint64_t> decoded;
  ASSERT_TRUE(DecodeCounts(encoded, base, counts.size(), &decoded).ok());
  EXPECT_THAT(decoded, ElementsAreArray(counts));
}

TEST(HistogramCodecTest, RejectsTruncatedTrailingAndNegative) {
  std::string encoded;
  EncodeCounts(std::vector<uint64_t>{300, 5}, {}, &encoded);
  std::vector<uint64_t> out;
  EXPECT_THAT(DecodeCounts(encoded.substr(0, 1), {}, 2, &out).message(), HasSubstr("truncated"));
  EXPECT_THAT(DecodeCounts(encoded + "x", {}, 2, &out).message(), HasSubstr("trailing"));
  std::string negative;
  EncodeCounts(std::vector<uint64_t>{0}, std::vector<uint64_t>{6}, &negative);
  EXPECT_THAT(DecodeCounts(negative, std::vector<uint64_t>{5}, 1, &out).message(),
              HasSubstr("negative"));
  EXPECT_EQ(DecodeCounts(std::string(11, '\xff'), {}, 1, &out).code(),
            absl::StatusCode::kInvalidArgument);
  std::string padded = encoded;
  padded.back() = static_cast<char>(padded.back() | 0x80);
  EXPECT_THAT(DecodeCounts(padded, {}, 2, &out).message(), HasSubstr("padding"));
}

// Residuals at the ends of int64 (Rice escapes carry any 64-bit value): the most negative one
// must be refused without negating it, and positive ones must not wrap a count around.
TEST(HistogramCodecTest, RejectsExtremeResidualsWithoutOverflow) {
  const auto residuals = [](std::vector<uint64_t> zigzag) {
    std::string data;
    BitWriter bits(&data);
    bits.Put(16, 6);  // The Rice parameter offset; the escapes below ignore it.
    for (uint64_t z : zigzag) bits.PutRice(z, 0);
    return data;
  };
  std::vector<uint64_t> out;
  // ZigZag(INT64_MIN) = 2^64 - 1, from a base of 0.
  EXPECT_THAT(DecodeCounts(residuals({UINT64_MAX}), {}, 1, &out).message(), HasSubstr("negative"));
  const uint64_t kHalf = uint64_t{1} << 63;  // The magnitude of INT64_MIN.
  EXPECT_THAT(
      DecodeCounts(residuals({UINT64_MAX}), std::vector<uint64_t>{kHalf - 1}, 1, &out).message(),
      HasSubstr("negative"));
  ASSERT_TRUE(DecodeCounts(residuals({UINT64_MAX}), std::vector<uint64_t>{kHalf}, 1, &out).ok());
  EXPECT_EQ(out[0], 0u);
  // ZigZag(INT64_MAX) = 2^64 - 2: each bin predicts the previous one, so the third overflows.
  const uint64_t kMaxUp = UINT64_MAX - 1;
  ASSERT_TRUE(DecodeCounts(residuals({kMaxUp, kMaxUp}), {}, 2, &out).ok());
  EXPECT_EQ(out[1], UINT64_MAX - 1);
  EXPECT_THAT(DecodeCounts(residuals({kMaxUp, kMaxUp, kMaxUp}), {}, 3, &out).message(),
              HasSubstr("overflows"));
}

TEST(HistogramCodecTest, RandomCountsRoundTripAbsoluteAndDelta) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t bins = 1 + rng() % 64;
    // Magnitudes from tiny to near 2^63, so that small and escaped residuals both occur.
    const int shift = static_cast<int>(rng() % 64);
    std::vector<uint64_t> base(bins), counts(bins);
    for (size_t i = 0; i < bins; ++i) {
      base[i] = (rng() >> 1) >> shift;
      counts[i] = rng() % 4 == 0 ? (rng() >> 1) : base[i] + rng() % 9;
    }
    std::string absolute, delta;
    EncodeCounts(counts, {}, &absolute);
    EncodeCounts(counts, base, &delta);
    std::vector<uint64_t> decoded;
    ASSERT_TRUE(DecodeCounts(absolute, {}, bins, &decoded).ok()) << trial;
    EXPECT_EQ(decoded, counts) << trial;
    ASSERT_TRUE(DecodeCounts(delta, base, bins, &decoded).ok()) << trial;
    EXPECT_EQ(decoded, counts) << trial;
  }
}

// Bytes of LEB128 varints of the zigzagged residuals: what a byte-aligned code would take.
size_t VarintBytes(const std::vector<uint64_t>& counts, const std::vector<uint64_t>& base) {
  std::string out;
  for (size_t i = 0; i < counts.size(); ++i) {
    const uint64_t p = base.empty() ? (i == 0 ? 0 : counts[i - 1]) : base[i];
    PutVarint(ZigZag(static_cast<int64_t>(counts[i] - p)), &out);
  }
  return out.size();
}

TEST(HistogramCodecTest, SmoothHistogramsAreSmall) {
  // 40 bins of a bell curve over 800k values, then the next step with up to 2 sqrt(count) of
  // noise: absolute frames pay for the bin-to-bin slope, delta frames for the noise only, in
  // fewer bytes than byte-aligned varints of the same residuals.
  std::mt19937_64 rng(9);
  std::vector<uint64_t> base(40), counts(40);
  for (int i = 0; i < 40; ++i) {
    base[i] = static_cast<uint64_t>(80000 * std::exp(-0.5 * std::pow((i - 20) / 6.0, 2)));
    const double noise = std::sqrt(static_cast<double>(base[i]) + 1);
    counts[i] = base[i] + static_cast<uint64_t>(noise * (rng() % 3));
  }
  std::string absolute, delta;
  EncodeCounts(counts, {}, &absolute);
  EncodeCounts(counts, base, &delta);
  EXPECT_LT(absolute.size(), 40 * 4 * 2 / 3);  // Two thirds of uint32 counts.
  EXPECT_LT(delta.size(), VarintBytes(counts, base) * 0.85);
}

TEST(HistogramCodecTest, BuilderDeltaEncodesSeriesAndBatchDecodes) {
  std::mt19937 rng(42);
  FrameBatchBuilder builder;
  std::vector<std::vector<uint64_t>> expected;
  for (int step = 0; step < 20; ++step) {
    for (const char* layer : {"conv1", "conv2_x"}) {
      std::vector<uint64_t> counts(40);
      for (auto& c : counts) c = 1000 + rng() % 50;
      builder.AddFrame(MakeFrame(layer, step, counts), counts);
      expected.push_back(counts);
    }
  }
  v1::FrameBatch batch = builder.Take();
  EXPECT_FALSE(batch.frames(0).delta());
  EXPECT_FALSE(batch.frames(1).delta());
  EXPECT_TRUE(batch.frames(2).delta());
  auto decoded = DecodeBatchCounts(batch);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_THAT((*decoded)[i], ElementsAreArray(expected[i])) << "frame " << i;
  }
  EXPECT_EQ(builder.Take().frames_size(), 0);
}

TEST(HistogramCodecTest, BatchDecodeRejectsMismatchedElements) {
  FrameBatchBuilder builder;
  std::vector<uint64_t> counts = {1, 2, 3};
  v1::Frame frame = MakeFrame("fc", 1, counts);
  frame.mutable_stats()->set_elements(99);
  builder.AddFrame(frame, counts);
  auto decoded = DecodeBatchCounts(builder.Take());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(), HasSubstr("elements = 99"));
}

TEST(HistogramCodecTest, BatchDecodeRejectsOrphanDelta) {
  std::vector<uint64_t> counts = {1, 2};
  v1::FrameBatch batch;
  v1::Frame frame = MakeFrame("fc", 1, counts);
  EncodeCounts(counts, {}, frame.mutable_counts());
  frame.set_delta(true);
  *batch.add_frames() = frame;
  EXPECT_THAT(DecodeBatchCounts(batch).status().message(), HasSubstr("without an earlier"));
}

TEST(HistogramCodecTest, CompressedBatchRestoresRelativeFieldsOfDeltaFrames) {
  // Two interleaved series with varying stats, a layout change (a new absolute frame) and
  // stats that shrink, so that relative values are negative.
  std::mt19937_64 rng(17);
  FrameBatchBuilder builder;
  for (int step = 0; step < 30; ++step) {
    for (const char* layer : {"a", "b"}) {
      std::vector<uint64_t> counts(step < 20 ? 40 : 20);
      for (auto& c : counts) c = rng() % 1000;
      v1::Frame frame = MakeFrame(layer, 1000 - 7 * step, counts);
      frame.mutable_layout()->set_bins(static_cast<uint32_t>(counts.size()));
      v1::HistogramStats* stats = frame.mutable_stats();
      stats->set_zeros(rng() % 500);
      stats->set_nonfinite(step % 3);
      stats->set_elements(stats->elements() + stats->nonfinite());
      stats->set_sum(static_cast<float>(rng() % 100) / 3);
      // Float stats must come back bit for bit, NaN and negative zero included.
      stats->set_max(step == 5 ? std::nanf("") : static_cast<float>(step));
      stats->set_min(step == 6 ? -0.0f : -static_cast<float>(step));
      builder.AddFrame(std::move(frame), counts);
    }
  }
  const v1::FrameBatch batch = builder.Take();
  EXPECT_FALSE(batch.frames(40).delta());  // The layout changed at step 20.
  absl::StatusOr<v1::FrameBatch> back = DecompressBatch(CompressBatch(batch), 1 << 20);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), batch.SerializeAsString());
  EXPECT_TRUE(DecodeBatchCounts(*back).ok());
}

TEST(HistogramCodecTest, CompressedBatchRoundTripsAndEnforcesLimit) {
  FrameBatchBuilder builder;
  std::vector<uint64_t> counts(40, 7);
  for (int step = 0; step < 100; ++step) builder.AddFrame(MakeFrame("l", step, counts), counts);
  v1::Scalar scalar;
  scalar.set_name("loss");
  scalar.set_value(0.5);
  builder.AddScalar(scalar);
  v1::FrameBatch batch = builder.Take();
  std::string compressed = CompressBatch(batch);
  EXPECT_LT(compressed.size(), batch.ByteSizeLong());
  auto back = DecompressBatch(compressed, 1 << 20);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), batch.SerializeAsString());
  EXPECT_EQ(DecompressBatch(compressed, 10).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(DecompressBatch("not zstd", 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actiscope::codec
