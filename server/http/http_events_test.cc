#include "server/http/http_events.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/http/http_test_store.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class HttpEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.CreateRun("r1", "first");
    data_.WriteSteps("r1", "conv1", 0, 2);
  }

  EventStreams Streams(int max_streams = 4) {
    EventStreamOptions options;
    options.max_streams = max_streams;
    options.max_streams_flag = "--max_event_streams";
    options.heartbeat = absl::Milliseconds(20);
    options.min_interval = absl::ZeroDuration();
    return EventStreams(data_.store(), &notifier_, options);
  }

  HttpTestStore data_;
  RunNotifier notifier_;
};

TEST_F(HttpEventsTest, FirstMessageIsTheRunThenHeartbeatsWhileNothingChanges) {
  EventStreams streams = Streams();
  absl::StatusOr<std::unique_ptr<EventStream>> stream = streams.Open("r1");
  ASSERT_TRUE(stream.ok());
  std::optional<std::string> first = (*stream)->Next();
  ASSERT_TRUE(first);
  EXPECT_THAT(*first, StartsWith("retry: 2000\nevent: run\ndata: {"));
  EXPECT_THAT(*first, HasSubstr(R"("last_step":2)"));
  EXPECT_EQ((*stream)->Next(), ": heartbeat\n\n");
}

TEST_F(HttpEventsTest, AChangeSendsTheRunAgain) {
  EventStreams streams = Streams();
  std::unique_ptr<EventStream> stream = *streams.Open("r1");
  ASSERT_TRUE(stream->Next());
  data_.WriteSteps("r1", "conv1", 3, 5);
  notifier_.Notify("r1");
  std::optional<std::string> next = stream->Next();
  ASSERT_TRUE(next);
  EXPECT_THAT(*next, HasSubstr(R"("last_step":5)"));
}

TEST_F(HttpEventsTest, EndsAfterSendingAFinishedRun) {
  EventStreams streams = Streams();
  std::unique_ptr<EventStream> stream = *streams.Open("r1");
  ASSERT_TRUE(stream->Next());
  ASSERT_TRUE(data_.store()->FinishRun("r1", RunStatus::kFailed, "oom").ok());
  notifier_.Notify("r1");
  std::optional<std::string> last = stream->Next();
  ASSERT_TRUE(last);
  EXPECT_THAT(*last, HasSubstr(R"("status":"failed","status_message":"oom")"));
  EXPECT_EQ(stream->Next(), std::nullopt);
}

TEST_F(HttpEventsTest, LimitsOpenStreamsAndFreesSlotsOnClose) {
  EventStreams streams = Streams(/*max_streams=*/2);
  absl::StatusOr<std::unique_ptr<EventStream>> a = streams.Open("r1");
  absl::StatusOr<std::unique_ptr<EventStream>> b = streams.Open("r1");
  ASSERT_TRUE(a.ok() && b.ok());
  const absl::Status third = streams.Open("r1").status();
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.message(), HasSubstr("--max_event_streams=2"));
  a->reset();
  EXPECT_TRUE(streams.Open("r1").ok());
  EXPECT_EQ(streams.Open("missing").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(HttpEventsTest, LimitsOpenStreamsPerClientAndLeavesOthersTheirShare) {
  EventStreamOptions options;
  options.max_streams = 4;
  options.max_streams_per_client = 2;
  options.max_streams_per_client_flag = "--max_event_streams_per_client";
  EventStreams streams(data_.store(), &notifier_, options);
  absl::StatusOr<std::unique_ptr<EventStream>> a = streams.Open("r1", "127.0.0.2");
  absl::StatusOr<std::unique_ptr<EventStream>> b = streams.Open("r1", "127.0.0.2");
  ASSERT_TRUE(a.ok() && b.ok());
  absl::Status third = streams.Open("r1", "127.0.0.2").status();
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.message(), HasSubstr("127.0.0.2"));
  EXPECT_THAT(third.message(), HasSubstr("--max_event_streams_per_client=2"));
  EXPECT_EQ(streams.open_streams_from("127.0.0.2"), 2);
  absl::StatusOr<std::unique_ptr<EventStream>> other = streams.Open("r1", "127.0.0.1");
  EXPECT_TRUE(other.ok());
  a->reset();
  EXPECT_EQ(streams.open_streams_from("127.0.0.2"), 1);
  EXPECT_TRUE(streams.Open("r1", "127.0.0.2").ok());
}

TEST_F(HttpEventsTest, StopWakesAWaitingStreamAndRefusesNewOnes) {
  EventStreamOptions options;
  options.heartbeat = absl::Hours(1);
  EventStreams streams(data_.store(), &notifier_, options);
  std::unique_ptr<EventStream> stream = *streams.Open("r1");
  ASSERT_TRUE(stream->Next());
  std::optional<std::string> result = "unset";
  std::thread waiter([&] { result = stream->Next(); });
  streams.Stop();
  waiter.join();
  EXPECT_EQ(result, std::nullopt);
  EXPECT_EQ(streams.Open("r1").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace actiscope::server
