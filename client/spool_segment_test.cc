#include "client/spool_segment.h"

#include <string>
#include <vector>

#include "client/crc32c.h"
#include "common/varint.h"
#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

v1::RunSpec TestRun() {
  v1::RunSpec run;
  run.set_run_id("r");
  return run;
}

v1::PushRequest Request(uint64_t sequence) {
  v1::PushRequest request;
  request.set_run_id("r");
  request.set_sequence(sequence);
  request.set_zstd_batch(std::string(40, static_cast<char>('a' + sequence)));
  return request;
}

// A segment of `n` requests of `frames` frames each; *offsets gets each request record's offset.
std::string Segment(int n, uint32_t frames, std::vector<size_t>* offsets) {
  std::string data = EncodeRunRecord(TestRun());
  for (int i = 0; i < n; ++i) {
    offsets->push_back(data.size());
    data += EncodeRequestRecord(Request(i + 1), frames, uint64_t{frames} * i);
  }
  return data;
}

std::vector<uint64_t> Sequences(const SegmentContents& contents) {
  std::vector<uint64_t> sequences;
  for (const SpooledRequest& r : contents.requests) sequences.push_back(r.request.sequence());
  return sequences;
}

TEST(SpoolSegmentTest, ACorruptMiddleRecordIsSkippedAndItsFramesCounted) {
  std::vector<size_t> offsets;
  std::string data = Segment(5, 3, &offsets);
  data[offsets[2] + 20] ^= 0x40;  // In record 3's body: its crc no longer matches.
  absl::StatusOr<SegmentContents> contents = ParseSegment(data);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(Sequences(*contents), (std::vector<uint64_t>{1, 2, 4, 5}));
  EXPECT_EQ(contents->frames_lost, 3u);
  EXPECT_EQ(contents->corrupt_regions, 1u);
  EXPECT_FALSE(contents->corrupt_tail);
}

TEST(SpoolSegmentTest, OverwrittenRecordsAndATornTailAreCountedAsFarAsKnown) {
  std::vector<size_t> offsets;
  std::string data = Segment(6, 2, &offsets);
  // Zero records 2 and 3 (a lost page), and cut record 6 short (a kill mid-write).
  for (size_t i = offsets[1]; i < offsets[3]; ++i) data[i] = 0;
  data.resize(data.size() - 5);
  absl::StatusOr<SegmentContents> contents = ParseSegment(data);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(Sequences(*contents), (std::vector<uint64_t>{1, 4, 5}));
  EXPECT_EQ(contents->frames_lost, 4u);  // Records 2 and 3; the torn one's are unknown.
  EXPECT_EQ(contents->corrupt_regions, 2u);
  EXPECT_TRUE(contents->corrupt_tail);
}

TEST(SpoolSegmentTest, RecordsOfEarlierVersionsStillParse) {
  // Type 2 records: type, frames, message (no count of the frames before).
  std::string data = EncodeRunRecord(TestRun());
  std::vector<size_t> offsets;
  for (uint64_t sequence = 1; sequence <= 3; ++sequence) {
    std::string body(1, '\x02');
    PutVarint(4, &body);
    body += Request(sequence).SerializeAsString();
    std::string record;
    for (uint32_t v : {static_cast<uint32_t>(body.size()), Crc32c(body)}) {
      for (int i = 0; i < 4; ++i) record.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    offsets.push_back(data.size());
    data += record + body;
  }
  absl::StatusOr<SegmentContents> contents = ParseSegment(data);
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_EQ(Sequences(*contents), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(contents->requests[0].frames, 4u);
  data[offsets[1] + 12] ^= 1;
  contents = ParseSegment(data);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(Sequences(*contents), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(contents->frames_lost, 0u);  // Unknown without the counts of type 3.
  EXPECT_EQ(contents->corrupt_regions, 1u);
}

TEST(SpoolSegmentTest, ASegmentWithoutARunRecordIsDataLoss) {
  EXPECT_EQ(ParseSegment("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseSegment(EncodeRequestRecord(Request(1), 1, 0)).status().code(),
            absl::StatusCode::kDataLoss);
  std::string data = EncodeRunRecord(TestRun());
  data[9] ^= 1;
  EXPECT_EQ(ParseSegment(data).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ReadSegment("/nonexistent/segment").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace actiscope::client
