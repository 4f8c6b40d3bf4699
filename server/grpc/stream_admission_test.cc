// StreamAdmission on its own: the total and per-peer caps, the errors naming their flags, and
// slots freed by destroyed tickets. The idle timeout needs a live call to cancel (a bare
// grpc::ServerContext has none), so grpc_security_test.cc covers it through a real server
// (GrpcStreamLimitsTest.AnIdlePushStreamIsEnded).
#include "server/grpc/stream_admission.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

StreamLimits Limits(int max_streams, int max_streams_per_peer) {
  StreamLimits limits;
  limits.what = "Push";
  limits.max_streams = max_streams;
  limits.max_streams_per_peer = max_streams_per_peer;
  limits.max_streams_flag = "--max_push_streams";
  limits.max_streams_per_peer_flag = "--max_push_streams_per_peer";
  return limits;
}

// Admits a stream of `peer` (no context: no idle timeout is set); fails the test when refused.
std::unique_ptr<StreamAdmission::Ticket> MustAdmit(StreamAdmission& admission,
                                                   const std::string& peer) {
  absl::StatusOr<std::unique_ptr<StreamAdmission::Ticket>> ticket = admission.Admit(peer, nullptr);
  EXPECT_TRUE(ticket.ok()) << ticket.status();
  return ticket.ok() ? *std::move(ticket) : nullptr;
}

TEST(StreamAdmissionTest, OverTheTotalCapIsResourceExhaustedNamingTheTotalFlag) {
  StreamAdmission admission(Limits(/*max_streams=*/3, /*max_streams_per_peer=*/2));
  std::vector<std::unique_ptr<StreamAdmission::Ticket>> held;
  held.push_back(MustAdmit(admission, "a@10.0.0.1"));
  held.push_back(MustAdmit(admission, "a@10.0.0.1"));
  held.push_back(MustAdmit(admission, "b@10.0.0.2"));
  EXPECT_EQ(admission.open(), 3);

  absl::StatusOr<std::unique_ptr<StreamAdmission::Ticket>> refused =
      admission.Admit("c@10.0.0.3", nullptr);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("--max_push_streams=3"));
  EXPECT_THAT(refused.status().message(), HasSubstr("holds 3 Push streams"));
  EXPECT_EQ(admission.open(), 3);
  EXPECT_EQ(admission.open_from("c@10.0.0.3"), 0);
}

TEST(StreamAdmissionTest, OverThePerPeerCapIsRefusedNamingThePeerAndItsFlag) {
  StreamAdmission admission(Limits(/*max_streams=*/10, /*max_streams_per_peer=*/2));
  std::vector<std::unique_ptr<StreamAdmission::Ticket>> held;
  held.push_back(MustAdmit(admission, "a@10.0.0.1"));
  held.push_back(MustAdmit(admission, "a@10.0.0.1"));

  absl::StatusOr<std::unique_ptr<StreamAdmission::Ticket>> refused =
      admission.Admit("a@10.0.0.1", nullptr);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("--max_push_streams_per_peer=2"));
  EXPECT_THAT(refused.status().message(), HasSubstr("a@10.0.0.1"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("--max_push_streams=")));
  EXPECT_EQ(admission.open_from("a@10.0.0.1"), 2);
  // Another peer still gets a slot.
  held.push_back(MustAdmit(admission, "b@10.0.0.1"));
  EXPECT_EQ(admission.open(), 3);
}

TEST(StreamAdmissionTest, ADestroyedTicketFreesItsSlot) {
  StreamAdmission admission(Limits(/*max_streams=*/2, /*max_streams_per_peer=*/1));
  std::unique_ptr<StreamAdmission::Ticket> first = MustAdmit(admission, "a@10.0.0.1");
  std::unique_ptr<StreamAdmission::Ticket> other = MustAdmit(admission, "b@10.0.0.1");
  EXPECT_FALSE(admission.Admit("a@10.0.0.1", nullptr).ok());
  EXPECT_FALSE(admission.Admit("c@10.0.0.1", nullptr).ok());

  first.reset();
  EXPECT_EQ(admission.open(), 1);
  EXPECT_EQ(admission.open_from("a@10.0.0.1"), 0);
  std::unique_ptr<StreamAdmission::Ticket> again = MustAdmit(admission, "a@10.0.0.1");
  EXPECT_EQ(admission.open_from("a@10.0.0.1"), 1);
  EXPECT_EQ(admission.open(), 2);
}

}  // namespace
}  // namespace actiscope::server
