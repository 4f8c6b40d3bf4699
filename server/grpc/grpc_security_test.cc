// The gRPC edge on a network: every RPC against tokens and roles (nothing written when
// refused), TLS and mutual TLS with certificates made by Debian's openssl, per-peer stream caps,
// the idle Push timeout and the per-request limits.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "common/testing/test_certificates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/grpc/call_auth.h"
#include "server/grpc/grpc_test_server.h"

namespace actiscope::server {
namespace {

using ::actiscope::testing::MakeTestCertificates;
using ::actiscope::testing::ReadTestFile;
using ::actiscope::testing::TestCertificates;
using ::testing::HasSubstr;
using testing::MakeBatch;
using testing::MakeRequest;
using testing::TestGrpcServer;

constexpr char kIngest[] = "ingest-token-0123456789";
constexpr char kRead[] = "read-token-0123456789ab";
constexpr char kAdmin[] = "admin-token-0123456789a";

TokenRegistry Tokens() {
  return *TokenRegistry::Parse(
      absl::StrCat(kIngest, " ingest trainer\n", kRead, " read viewer\n", kAdmin, " admin ops\n"),
      "test");
}

void Authorize(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
}

// Each RPC once with `token`; returns its status code.
std::vector<std::pair<std::string, grpc::StatusCode>> CallEveryRpc(TestGrpcServer& server,
                                                                   const std::string& token) {
  std::vector<std::pair<std::string, grpc::StatusCode>> codes;
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    v1::RunSpec spec;
    spec.set_run_id("new-run");
    v1::StartRunResponse r;
    codes.emplace_back("StartRun", server.collector().StartRun(&c, spec, &r).error_code());
  }
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    auto stream = server.collector().Push(&c);
    stream->Write(MakeRequest("existing", 1, MakeBatch("pushed", 100, 2)));
    stream->WritesDone();
    v1::PushAck ack;
    while (stream->Read(&ack)) {
    }
    codes.emplace_back("Push", stream->Finish().error_code());
  }
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    v1::FinishRunRequest request;
    request.set_run_id("existing");
    request.set_status(v1::RUN_STATUS_FAILED);
    v1::FinishRunResponse r;
    codes.emplace_back("FinishRun", server.collector().FinishRun(&c, request, &r).error_code());
  }
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    v1::ListRunsResponse r;
    codes.emplace_back("ListRuns", server.query().ListRuns(&c, {}, &r).error_code());
  }
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    v1::GetRunRequest request;
    request.set_run_id("existing");
    v1::RunDetail r;
    codes.emplace_back("GetRun", server.query().GetRun(&c, request, &r).error_code());
  }
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    v1::GetHeatmapRequest request;
    request.set_run_id("existing");
    request.set_layer("fc");
    v1::Heatmap r;
    codes.emplace_back("GetHeatmap", server.query().GetHeatmap(&c, request, &r).error_code());
  }
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    v1::GetScalarsRequest request;
    request.set_run_id("existing");
    v1::GetScalarsResponse r;
    codes.emplace_back("GetScalars", server.query().GetScalars(&c, request, &r).error_code());
  }
  {
    grpc::ClientContext c;
    Authorize(&c, token);
    c.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    v1::WatchRunRequest request;
    request.set_run_id("existing");
    auto reader = server.query().WatchRun(&c, request);
    v1::RunUpdate update;
    const bool got = reader->Read(&update);
    if (got) c.TryCancel();
    while (reader->Read(&update)) {
    }
    const grpc::Status status = reader->Finish();
    codes.emplace_back("WatchRun", got ? grpc::StatusCode::OK : status.error_code());
  }
  return codes;
}

class GrpcAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Seed with the admin token: a run with one layer at steps 0-1.
    grpc::ClientContext c;
    Authorize(&c, kAdmin);
    v1::RunSpec spec;
    spec.set_run_id("existing");
    v1::StartRunResponse r;
    ASSERT_TRUE(server_.collector().StartRun(&c, spec, &r).ok());
    grpc::ClientContext p;
    Authorize(&p, kAdmin);
    auto stream = server_.collector().Push(&p);
    ASSERT_TRUE(stream->Write(MakeRequest("existing", 1, MakeBatch("fc", 0, 2))));
    v1::PushAck ack;
    ASSERT_TRUE(stream->Read(&ack));
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }

  // Nothing a refused call could have written: one run, live, with layer fc only.
  void ExpectNothingWritten() {
    std::vector<RunInfo> runs = *server_.store().ListRuns(RunListQuery{});
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].run_id, "existing");
    EXPECT_EQ(runs[0].status, RunStatus::kLive);
    EXPECT_EQ(runs[0].last_step, 1);
    EXPECT_EQ(server_.store().ListLayers("existing")->size(), 1u);
  }

  TokenRegistry tokens_ = Tokens();
  TestGrpcServer server_{[this](GrpcServerOptions& o) { o.tokens = &tokens_; }};
};

TEST_F(GrpcAuthTest, EveryRpcRefusesAMissingOrUnknownTokenAndWritesNothing) {
  for (const std::string token : {"", "unknown-token-0123456789"}) {
    for (const auto& [method, code] : CallEveryRpc(server_, token)) {
      EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED) << method << " token '" << token << "'";
    }
    ExpectNothingWritten();
  }
}

TEST_F(GrpcAuthTest, EveryRpcRefusesTheWrongRoleAndWritesNothing) {
  for (const auto& [method, code] : CallEveryRpc(server_, kRead)) {
    const bool ingest = method == "StartRun" || method == "Push" || method == "FinishRun";
    EXPECT_EQ(code, ingest ? grpc::StatusCode::PERMISSION_DENIED : grpc::StatusCode::OK) << method;
  }
  ExpectNothingWritten();
  for (const auto& [method, code] : CallEveryRpc(server_, kIngest)) {
    const bool ingest = method == "StartRun" || method == "Push" || method == "FinishRun";
    EXPECT_EQ(code, ingest ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED) << method;
  }
}

TEST_F(GrpcAuthTest, AdminMayCallEverythingAndHealthNeedsNoToken) {
  for (const auto& [method, code] : CallEveryRpc(server_, kAdmin)) {
    EXPECT_EQ(code, grpc::StatusCode::OK) << method;
  }
  grpc::ClientContext c;
  Authorize(&c, "");
  grpc::ByteBuffer request, response;
  grpc::GenericStub stub(server_.channel());
  absl::Notification done;
  grpc::Status status;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  stub.UnaryCall(&c, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GrpcAuthTest, RefusalsNameTheRoleAndNeverTheToken) {
  grpc::ClientContext c;
  Authorize(&c, kRead);
  v1::RunSpec spec;
  spec.set_run_id("x");
  v1::StartRunResponse r;
  const grpc::Status status = server_.collector().StartRun(&c, spec, &r);
  EXPECT_THAT(status.error_message(), HasSubstr("\"viewer\" has role read"));
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr(kRead)));
}

TEST(PeerIpTest, ParsesGrpcPeerStrings) {
  EXPECT_EQ(PeerIp("ipv4:10.0.0.7:5555"), "10.0.0.7");
  EXPECT_EQ(PeerIp("ipv6:[::1]:5555"), "::1");
  EXPECT_EQ(PeerIp("ipv6:%5B::1%5D:5555"), "::1");
  EXPECT_EQ(PeerIp("unix:/tmp/x"), "unix:/tmp/x");
}

class GrpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCertificates> certs = MakeTestCertificates(dir_.path());
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
  }

  // ListRuns over a TLS channel trusting `ca`, with the client certificate when `client_cert`.
  grpc::Status ListRuns(int port, const std::string& ca, bool client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadTestFile(ca);
    if (client_cert) {
      ssl.pem_cert_chain = ReadTestFile(certs_.client_cert);
      ssl.pem_private_key = ReadTestFile(certs_.client_key);
    }
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::SslCredentials(ssl));
    auto stub = v1::Query::NewStub(channel);
    grpc::ClientContext c;
    c.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::ListRunsResponse r;
    return stub->ListRuns(&c, {}, &r);
  }

  ::actiscope::testing::TempDir dir_{"grpc_tls_test"};
  TestCertificates certs_;
};

TEST_F(GrpcTlsTest, AClientTrustingTheCaConnectsAndOneTrustingAnotherDoesNot) {
  TestGrpcServer server([&](GrpcServerOptions& o) {
    o.tls_cert_file = certs_.server_cert;
    o.tls_key_file = certs_.server_key;
  });
  EXPECT_TRUE(ListRuns(server.port(), certs_.ca_cert, false).ok());
  EXPECT_EQ(ListRuns(server.port(), certs_.other_ca_cert, false).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // Plaintext to the TLS port fails too.
  grpc::ClientContext c;
  c.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::ListRunsResponse r;
  EXPECT_FALSE(server.query().ListRuns(&c, {}, &r).ok());
}

TEST_F(GrpcTlsTest, MutualTlsRefusesAClientWithoutACertificate) {
  TestGrpcServer server([&](GrpcServerOptions& o) {
    o.tls_cert_file = certs_.server_cert;
    o.tls_key_file = certs_.server_key;
    o.tls_client_ca_file = certs_.ca_cert;
  });
  EXPECT_FALSE(ListRuns(server.port(), certs_.ca_cert, false).ok());
  EXPECT_TRUE(ListRuns(server.port(), certs_.ca_cert, true).ok());
}

TEST_F(GrpcTlsTest, AnUnreadableCertificateIsAnErrorNamingTheFile) {
  StoreOptions store_options;
  store_options.path = dir_.path() + "/db";
  auto store = *SqliteStore::Open(store_options);
  RunNotifier notifier;
  GrpcServerOptions o;
  o.address = "127.0.0.1:0";
  o.tls_cert_file = dir_.path() + "/missing.pem";
  o.tls_key_file = certs_.server_key;
  GrpcServer server(o, store.get(), &notifier);
  const absl::Status started = server.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(started.message(), HasSubstr("missing.pem"));
  o.tls_cert_file.clear();
  GrpcServer half(o, store.get(), &notifier);
  EXPECT_EQ(half.Start().code(), absl::StatusCode::kInvalidArgument);
}

// A Push stream that has sent nothing; Finish() waits for its end.
struct OpenPush {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream;
};

std::unique_ptr<OpenPush> Open(TestGrpcServer& server, const std::string& token) {
  auto push = std::make_unique<OpenPush>();
  if (!token.empty()) push->context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  push->stream = server.collector().Push(&push->context);
  return push;
}

TEST(GrpcStreamLimitsTest, APeerOverItsPushCapIsRefusedWhileAnotherPeerStillPushes) {
  TokenRegistry tokens = Tokens();
  TestGrpcServer server([&](GrpcServerOptions& o) {
    o.tokens = &tokens;
    o.max_push_streams_per_peer = 2;
  });
  std::vector<std::unique_ptr<OpenPush>> held;
  held.push_back(Open(server, kIngest));
  held.push_back(Open(server, kIngest));
  // The two are admitted once the server has their calls; a third waits for nothing.
  absl::SleepFor(absl::Milliseconds(300));
  auto third = Open(server, kIngest);
  v1::PushAck ack;
  EXPECT_FALSE(third->stream->Read(&ack));
  const grpc::Status refused = third->stream->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("--max_push_streams_per_peer=2"));
  EXPECT_THAT(refused.error_message(), HasSubstr("trainer@127.0.0.1"));
  // Another token is another peer.
  auto other = Open(server, kAdmin);
  ASSERT_TRUE(other->stream->Write(MakeRequest("run", 1, MakeBatch("fc", 0, 1))));
  EXPECT_FALSE(other->stream->Read(&ack));  // "run" was never started: NOT_FOUND, not a cap.
  EXPECT_EQ(other->stream->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  for (auto& h : held) h->context.TryCancel();
}

TEST(GrpcStreamLimitsTest, AnIdlePushStreamIsEnded) {
  TestGrpcServer server([](GrpcServerOptions& o) {
    o.push_idle_timeout = absl::Milliseconds(300);
    o.max_push_streams_per_peer = 1;
  });
  const absl::Time start = absl::Now();
  auto idle = Open(server, "");
  v1::PushAck ack;
  EXPECT_FALSE(idle->stream->Read(&ack));
  EXPECT_EQ(idle->stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  // Its slot is free again, once the server's handler of the ended stream has returned (the
  // client can see the stream end a moment before that).
  ASSERT_TRUE(server.StartRun("r").ok());
  grpc::Status pushed;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
    pushed = server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 1))});
    if (pushed.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(pushed.ok()) << pushed.error_message();
}

// A WatchRun stream of a run; `admitted` when its first update came (the server holds it).
struct OpenWatch {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::RunUpdate>> reader;
  bool admitted = false;

  // Ends the stream and returns its status.
  grpc::Status Close() {
    context.TryCancel();
    v1::RunUpdate update;
    while (reader->Read(&update)) {
    }
    return reader->Finish();
  }
};

std::unique_ptr<OpenWatch> Watch(TestGrpcServer& server, const std::string& token,
                                 const std::string& run_id) {
  auto watch = std::make_unique<OpenWatch>();
  Authorize(&watch->context, token);
  v1::WatchRunRequest request;
  request.set_run_id(run_id);
  watch->reader = server.query().WatchRun(&watch->context, request);
  v1::RunUpdate update;
  watch->admitted = watch->reader->Read(&update);
  return watch;
}

TEST(GrpcStreamLimitsTest, WatchStreamsOverTheirCapsAreRefusedWhileTheSamePeerStillPushes) {
  TokenRegistry tokens = Tokens();
  TestGrpcServer server([&](GrpcServerOptions& o) {
    o.tokens = &tokens;
    o.max_watch_streams = 3;
    o.max_watch_streams_per_peer = 2;
  });
  {
    grpc::ClientContext c;
    Authorize(&c, kAdmin);
    v1::RunSpec spec;
    spec.set_run_id("watched");
    v1::StartRunResponse r;
    ASSERT_TRUE(server.collector().StartRun(&c, spec, &r).ok());
  }
  std::vector<std::unique_ptr<OpenWatch>> held;
  held.push_back(Watch(server, kAdmin, "watched"));
  held.push_back(Watch(server, kAdmin, "watched"));
  for (const auto& watch : held) ASSERT_TRUE(watch->admitted);

  std::unique_ptr<OpenWatch> over_peer = Watch(server, kAdmin, "watched");
  EXPECT_FALSE(over_peer->admitted);
  const grpc::Status per_peer = over_peer->reader->Finish();
  EXPECT_EQ(per_peer.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(per_peer.error_message(), HasSubstr("--max_watch_streams_per_peer=2"));
  EXPECT_THAT(per_peer.error_message(), HasSubstr("ops@127.0.0.1"));

  // Another peer takes the last slot of all; its next watch meets the total cap.
  held.push_back(Watch(server, kRead, "watched"));
  ASSERT_TRUE(held.back()->admitted);
  std::unique_ptr<OpenWatch> over_total = Watch(server, kRead, "watched");
  EXPECT_FALSE(over_total->admitted);
  const grpc::Status total = over_total->reader->Finish();
  EXPECT_EQ(total.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(total.error_message(), HasSubstr("--max_watch_streams=3"));

  // Push streams are admitted apart: the peer whose watches are at their cap still pushes.
  grpc::ClientContext p;
  Authorize(&p, kAdmin);
  auto stream = server.collector().Push(&p);
  ASSERT_TRUE(stream->Write(MakeRequest("watched", 1, MakeBatch("fc", 0, 2))));
  v1::PushAck ack;
  ASSERT_TRUE(stream->Read(&ack));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(server.store().ListLayers("watched")->size(), 1u);
  for (auto& watch : held) EXPECT_EQ(watch->Close().error_code(), grpc::StatusCode::CANCELLED);
}

TEST(GrpcRequestLimitsTest, TooManyFramesOrConfigBytesAreRefusedAndNothingStored) {
  TestGrpcServer server([](GrpcServerOptions& o) {
    o.max_frames_per_request = 4;
    o.max_config_bytes = 16;
    o.ingest_memory_bytes = 1 << 20;
  });
  ASSERT_TRUE(server.StartRun("r").ok());
  const grpc::Status frames = server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 5))});
  EXPECT_EQ(frames.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(frames.error_message(), HasSubstr("--max_frames_per_request"));
  EXPECT_TRUE(server.store().ListLayers("r")->empty());
  EXPECT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 4))}).ok());

  grpc::ClientContext c;
  v1::RunSpec spec;
  spec.set_run_id("big-config");
  (*spec.mutable_config())["key"] = "a value longer than sixteen bytes";
  v1::StartRunResponse r;
  const grpc::Status config = server.collector().StartRun(&c, spec, &r);
  EXPECT_EQ(config.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(config.error_message(), HasSubstr("--max_config_bytes"));
}

TEST(GrpcRequestLimitsTest, TooManyScalarsAreRefusedNamingTheFlagAndNothingStored) {
  TestGrpcServer server([](GrpcServerOptions& o) { o.max_scalars_per_request = 3; });
  ASSERT_TRUE(server.StartRun("r").ok());
  // One "loss" scalar per step.
  const grpc::Status scalars = server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 4))});
  EXPECT_EQ(scalars.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(scalars.error_message(), HasSubstr("4 scalars"));
  EXPECT_THAT(scalars.error_message(), HasSubstr("--max_scalars_per_request"));
  v1::RunDetail refused;
  ASSERT_TRUE(server.GetRun("r", &refused).ok());
  EXPECT_EQ(refused.scalar_names_size(), 0);
  EXPECT_EQ(refused.layers_size(), 0);
  EXPECT_EQ(refused.run().last_step(), -1);

  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 3))}).ok());
  v1::RunDetail stored;
  ASSERT_TRUE(server.GetRun("r", &stored).ok());
  EXPECT_THAT(stored.scalar_names(), ::testing::ElementsAre("loss"));
}

TEST(GrpcRequestLimitsTest, ABatchLargerThanTheIngestBudgetIsRefused) {
  TestGrpcServer server([](GrpcServerOptions& o) { o.ingest_memory_bytes = 64 << 10; });
  ASSERT_TRUE(server.StartRun("r").ok());
  // 40 frames of 1024 bins: about 40 x 16 KiB of decoded counts.
  const grpc::Status status = server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 40, 1024))});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("--ingest_memory_bytes"));
  EXPECT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 2, 64))}).ok());
}

TEST(IngestBudgetTest, AReservationWaitsForRoomThenTimesOut) {
  IngestBudget budget(100, absl::Milliseconds(50));
  IngestBudget::Reservation first(&budget);
  ASSERT_TRUE(first.Grow(80, "a").ok());
  IngestBudget::Reservation second(&budget);
  EXPECT_EQ(second.Grow(30, "b").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(second.Grow(101, "c").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(second.Grow(20, "d").ok());
  EXPECT_EQ(budget.in_use(), 100u);
}

TEST(IngestBudgetTest, ReleasesFreeMemoryWhenItDrainsAfterEnoughWasGivenBack) {
  IngestBudget budget(1000, absl::Milliseconds(50), /*release_after_bytes=*/500);
  {
    IngestBudget::Reservation small(&budget);
    ASSERT_TRUE(small.Grow(100, "a").ok());
  }
  EXPECT_EQ(budget.releases(), 0) << "100 bytes given back: not worth a release";
  {
    auto first = std::make_unique<IngestBudget::Reservation>(&budget);
    IngestBudget::Reservation second(&budget);
    ASSERT_TRUE(first->Grow(450, "b").ok());
    ASSERT_TRUE(second.Grow(300, "c").ok());
    first.reset();
    EXPECT_EQ(budget.releases(), 0) << "550 bytes given back, but 300 still in use";
  }
  EXPECT_EQ(budget.releases(), 1) << "drained after 850 bytes given back";
  {
    IngestBudget::Reservation held(&budget);
    ASSERT_TRUE(held.Grow(600, "d").ok());
    IngestBudget::Reservation other(&budget);
    ASSERT_TRUE(other.Grow(100, "e").ok());
  }
  EXPECT_EQ(budget.releases(), 2);
  EXPECT_EQ(budget.in_use(), 0u);
}

}  // namespace
}  // namespace actiscope::server
