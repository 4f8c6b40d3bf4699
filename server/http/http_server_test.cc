#include "server/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "server/http/http_test_store.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

HttpServerOptions Options(const std::string& address, const std::string& web_root) {
  HttpServerOptions options;
  options.address = address;
  options.web_root = web_root;
  return options;
}

// Sends `request` verbatim over a new connection and returns the whole response.
std::string RawRequest(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0)
    response.append(buffer, static_cast<size_t>(n));
  close(fd);
  return response;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.CreateRun("r1", "first");
    data_.WriteSteps("r1", "conv1", 0, 4);
    web_ = data_.dir() / "web";
    std::filesystem::create_directories(web_);
    std::ofstream(web_ / "index.html") << "<!doctype html>app";
    std::ofstream(data_.dir() / "secret.txt") << "TOP SECRET";
    server_ = std::make_unique<HttpServer>(Options("127.0.0.1:0", web_.string()), data_.store(),
                                           &notifier_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_url_encode(false);
    return client;
  }

  HttpTestStore data_;
  RunNotifier notifier_;
  std::filesystem::path web_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, HealthzAnswersWithSecurityHeaders) {
  httplib::Result res = Client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok\n");
  EXPECT_THAT(res->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'self'"));
  EXPECT_THAT(res->get_header_value("Content-Security-Policy"),
              ::testing::Not(HasSubstr("unsafe")));
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(HttpServerTest, MetricsCountWhatTheStoreStored) {
  httplib::Result res = Client().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
  EXPECT_THAT(res->body, HasSubstr("# TYPE actiscope_frames_total counter\n"));
  EXPECT_THAT(res->body, HasSubstr("actiscope_frames_total{outcome=\"stored\"} 5\n"));
  EXPECT_THAT(res->body, HasSubstr("actiscope_commit_latency_seconds_count 1\n"));
  EXPECT_THAT(res->body, HasSubstr("actiscope_commit_latency_seconds_bucket{le=\"+Inf\"} 1\n"));
  EXPECT_THAT(res->body, HasSubstr("actiscope_store_up 1\n"));
}

// A store whose file is full: every write fails, and health says so.
TEST(HttpHealthTest, HealthzIs503AndMetricsShowTheStoreDownWhileItCannotCommit) {
  actiscope::testing::TempDir dir("http_health");
  StoreOptions options;
  options.path = dir.File("full.db");
  options.page_size = 4096;
  options.max_database_bytes = 128 << 10;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  RunInfo run;
  run.run_id = "r";
  ASSERT_TRUE((*store)->CreateRun(run, std::nullopt).ok());
  absl::Status status;
  for (int64_t step = 0; step < 100000 && status.ok(); ++step) {
    WriteBatch batch;
    batch.run_id = "r";
    Histogram& h = batch.histograms.emplace_back();
    h.layer = "conv1";
    h.step = step;
    h.layout.bins = 512;
    h.layout.hi = 1;
    for (uint32_t b = 0; b < 512; ++b)
      h.values.counts.push_back((step * 7919 + b * 104729) % 65521);
    for (uint64_t c : h.values.counts) h.values.elements += c;
    status = (*store)->Write(batch).status();
  }
  ASSERT_TRUE(absl::IsResourceExhausted(status)) << status;

  StoreHealth health(store->get(), absl::Hours(1), nullptr);
  RunNotifier notifier;
  std::ofstream(dir.File("index.html")) << "<!doctype html>app";
  HttpServerOptions http_options = Options("127.0.0.1:0", dir.path());
  http_options.health = &health;
  HttpServer server(http_options, store->get(), &notifier);
  absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  httplib::Client client("127.0.0.1", server.port());
  httplib::Result healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 503);
  EXPECT_THAT(healthz->body, HasSubstr("not serving: the store cannot commit"));
  EXPECT_THAT(healthz->body, HasSubstr("--max_database_bytes"));
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("actiscope_store_up 0\n"));
  EXPECT_THAT(metrics->body, HasSubstr("actiscope_store_errors_total 1\n"));
  server.Stop();
}

TEST_F(HttpServerTest, ServesTheApiAndTheAppShell) {
  httplib::Result runs = Client().Get("/api/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  EXPECT_THAT(runs->body, HasSubstr(R"("id":"r1")"));
  EXPECT_EQ(runs->get_header_value("Content-Security-Policy").empty(), false);
  httplib::Result page = Client().Get("/runs/r1?kind=weight");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "<!doctype html>app");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(HttpServerTest, TraversalAttemptsGetAnErrorAndNoFileContent) {
  for (const char* path : {"/../../etc/passwd", "/../secret.txt", "/%2e%2e/secret.txt",
                           "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%2fsecret.txt",
                           "/..%5csecret.txt", "/%00", "/....//secret.txt"}) {
    httplib::Result res = Client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 400 || res->status == 404) << path << " " << res->status;
    EXPECT_THAT(res->body, ::testing::Not(HasSubstr("TOP SECRET"))) << path;
    EXPECT_THAT(res->body, ::testing::Not(HasSubstr("root:"))) << path;
  }
  std::string raw = RawRequest(
      server_->port(),
      "GET /..\\..\\secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(raw, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(raw, ::testing::Not(HasSubstr("TOP SECRET")));
}

TEST_F(HttpServerTest, UnknownRoutesAndMethodsGetJsonErrors) {
  httplib::Result res = Client().Get("/api/unknown");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_THAT(res->body, HasSubstr(R"({"error":)"));
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  httplib::Result post = Client().Post("/api/runs", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_THAT(post->body, HasSubstr(R"({"error":)"));
  httplib::Result bad = Client().Get("/api/runs/r1/heatmap?layer=conv1&columns=99999");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(HttpServerTest, ApiAnswersUncompressedEvenWhenTheBrowserAcceptsBrotli) {
  httplib::Client client = Client();
  client.set_decompress(false);
  httplib::Result res =
      client.Get("/api/runs/r1/heatmap?layer=conv1", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "");
  EXPECT_THAT(res->body, HasSubstr(R"("layer":"conv1")"));
}

// Collects an event stream's text on its own thread.
class StreamReader {
 public:
  StreamReader(int port, const std::string& path) {
    thread_ = std::thread([this, port, path] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(30, 0);
      httplib::Result res = client.Get(path, [this](const char* data, size_t size) {
        absl::MutexLock lock(&mu_);
        text_.append(data, size);
        return true;
      });
      absl::MutexLock lock(&mu_);
      status_ = res ? res->status : -1;
      ended_ = true;
    });
  }
  ~StreamReader() {
    if (thread_.joinable()) thread_.join();
  }
  // Waits until the text holds `count` occurrences of `needle`.
  bool WaitForCount(const std::string& needle, int count) {
    absl::MutexLock lock(&mu_);
    auto done = [&] {
      mu_.AssertHeld();
      int seen = 0;
      for (size_t at = text_.find(needle); at != std::string::npos; at = text_.find(needle, at + 1))
        ++seen;
      return seen >= count || ended_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(20));
    int seen = 0;
    for (size_t at = text_.find(needle); at != std::string::npos; at = text_.find(needle, at + 1))
      ++seen;
    return seen >= count;
  }
  bool WaitForEnd() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&ended_), absl::Seconds(20));
  }
  std::string text() {
    absl::MutexLock lock(&mu_);
    return text_;
  }
  int status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  int status_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

TEST_F(HttpServerTest, EventStreamSendsChangesAndEndsWhenTheRunFinishes) {
  StreamReader reader(server_->port(), "/api/runs/r1/events");
  ASSERT_TRUE(reader.WaitForCount("event: run", 1));
  EXPECT_THAT(reader.text(), HasSubstr(R"("last_step":4)"));
  data_.WriteSteps("r1", "conv1", 5, 7);
  notifier_.Notify("r1");
  ASSERT_TRUE(reader.WaitForCount("event: run", 2));
  EXPECT_THAT(reader.text(), HasSubstr(R"("last_step":7)"));
  ASSERT_TRUE(data_.store()->FinishRun("r1", RunStatus::kFinished, "").ok());
  notifier_.Notify("r1");
  ASSERT_TRUE(reader.WaitForEnd());
  EXPECT_EQ(reader.status(), 200);
  EXPECT_THAT(reader.text(), HasSubstr(R"("status":"finished")"));
}

TEST_F(HttpServerTest, StopEndsOpenEventStreams) {
  StreamReader reader(server_->port(), "/api/runs/r1/events");
  ASSERT_TRUE(reader.WaitForCount("event: run", 1));
  absl::Time start = absl::Now();
  server_->Stop();
  ASSERT_TRUE(reader.WaitForEnd());
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(HttpServerTest, EventStreamForAnUnknownRunIsNotFound) {
  httplib::Result res = Client().Get("/api/runs/nope/events");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_THAT(res->body, HasSubstr(R"({"error":)"));
}

TEST_F(HttpServerTest, AStopRightAfterStartReturns) {
  // A SIGTERM as the server comes up: Stop() before the listening thread has begun must still
  // end it (httplib's stop() alone does nothing then, and the join hung). A hang fails the test
  // by its ctest timeout.
  for (int i = 0; i < 200; ++i) {
    HttpServer server(Options("127.0.0.1:0", web_.string()), data_.store(), &notifier_);
    ASSERT_TRUE(server.Start().ok());
    server.Stop();
  }
}

TEST(HttpServerStartTest, RejectsBadAddressesAndWebRoots) {
  RunNotifier notifier;
  HttpServer bad_address(Options("nonsense", ""), nullptr, &notifier);
  EXPECT_EQ(bad_address.Start().code(), absl::StatusCode::kInvalidArgument);
  HttpServer bad_root(Options("127.0.0.1:0", "/nonexistent/web"), nullptr, &notifier);
  HttpServerOptions no_threads = Options("127.0.0.1:0", "");
  no_threads.threads = 0;
  HttpServer zero(no_threads, nullptr, &notifier);
  absl::Status status = zero.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("threads must be at least 1"));
  EXPECT_EQ(bad_root.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actiscope::server
