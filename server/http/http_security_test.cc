// The HTTP side on a network: tokens and login sessions on every route, the Host allowlist,
// HTTPS, and slow or greedy clients (per-address connection and event stream caps, request
// deadlines).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/testing/temp_dir.h"
#include "common/testing/test_certificates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "server/auth/token_registry.h"
#include "server/http/http_server.h"
#include "server/http/http_test_store.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kReadToken[] = "read-token-0123456789abcdef";
constexpr char kAdminToken[] = "admin-token-0123456789abcdef";
constexpr char kIngestToken[] = "ingest-token-0123456789abcdef";

// Every refusal's body: a JSON object holding the "error" string.
MATCHER(IsJsonError, R"(is a JSON object {"error":"..."})") {
  return absl::StartsWith(arg, R"({"error":")") && absl::EndsWith(arg, R"("})");
}

// The body of a raw HTTP reply (what follows the blank line after the headers).
std::string BodyOf(const std::string& reply) {
  const size_t end = reply.find("\r\n\r\n");
  return end == std::string::npos ? "" : reply.substr(end + 4);
}

// A socket connected from `source_ip` (any 127.0.0.0/8 address works on Linux) to
// 127.0.0.1:`port`; -1 on failure.
int ConnectFrom(const std::string& source_ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<uint16_t>(port));
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// What the server sends on `fd` within `wait` (stops at end of stream).
std::string ReadFor(int fd, absl::Duration wait) {
  std::string text;
  absl::Time deadline = absl::Now() + wait;
  char buffer[4096];
  for (;;) {
    int left = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) break;
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

// Whether the server closed `fd` (end of stream or reset) within `wait`.
bool ClosedWithin(int fd, absl::Duration wait) {
  absl::Time deadline = absl::Now() + wait;
  char buffer[4096];
  for (;;) {
    int left = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    if (read(fd, buffer, sizeof(buffer)) <= 0) return true;
  }
}

class SocketList {
 public:
  ~SocketList() {
    for (int fd : fds_) close(fd);
  }
  void Add(int fd) { fds_.push_back(fd); }
  const std::vector<int>& fds() const { return fds_; }

 private:
  std::vector<int> fds_;
};

class HttpSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.CreateRun("r1", "live");
    data_.WriteSteps("r1", "conv1", 0, 4);
    data_.CreateRun("done", "finished");
    data_.WriteSteps("done", "conv1", 0, 2);
    ASSERT_TRUE(data_.store()->FinishRun("done", RunStatus::kFinished, "").ok());
    web_ = data_.dir() / "web";
    std::filesystem::create_directories(web_ / "js");
    std::ofstream(web_ / "index.html") << "<!doctype html>app";
    std::ofstream(web_ / "login.html") << "<!doctype html>login";
    std::ofstream(web_ / "js" / "login.js") << "// login";
    absl::StatusOr<TokenRegistry> tokens =
        TokenRegistry::Parse(absl::StrCat(kReadToken, " read viewer\n", kAdminToken, " admin ops\n",
                                          kIngestToken, " ingest gpu-node\n"),
                             "test tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = std::make_unique<TokenRegistry>(std::move(*tokens));
  }

  HttpServerOptions Options() {
    HttpServerOptions options;
    options.address = "127.0.0.1:0";
    options.web_root = web_.string();
    options.tokens = tokens_.get();
    return options;
  }

  void Start(HttpServerOptions options) {
    server_ = std::make_unique<HttpServer>(options, data_.store(), &notifier_);
    absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    return client;
  }

  static httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  // The session cookie ("actiscope_session=ID") from a JSON login with `token`; empty on failure.
  std::string Login(const std::string& token) {
    httplib::Headers origin = {{"Origin", absl::StrCat("http://127.0.0.1:", server_->port())}};
    httplib::Result res = Client().Post(
        "/login", origin, absl::StrCat(R"({"token": ")", token, R"("})"), "application/json");
    if (!res || res->status != 200) return "";
    std::string cookie = res->get_header_value("Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
  }

  HttpTestStore data_;
  RunNotifier notifier_;
  std::filesystem::path web_;
  std::unique_ptr<TokenRegistry> tokens_;
  std::unique_ptr<HttpServer> server_;
};

const char* const kApiRoutes[] = {
    "/api/runs",
    "/api/limits",
    "/api/runs/r1",
    "/api/runs/r1/heatmap?layer=conv1&kind=activation",
    "/api/runs/r1/scalars",
    "/api/runs/done/events",
};

TEST_F(HttpSecurityTest, EveryApiRouteNeedsAReadOrAdminToken) {
  Start(Options());
  for (const char* route : kApiRoutes) {
    httplib::Result none = Client().Get(route);
    ASSERT_TRUE(none) << route;
    EXPECT_EQ(none->status, 401) << route;
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer") << route;
    EXPECT_THAT(none->body, IsJsonError()) << route;
    EXPECT_THAT(none->body, Not(HasSubstr(R"("id":"r1")"))) << route;

    httplib::Result unknown = Client().Get(route, Bearer("not-a-token-0123456789"));
    ASSERT_TRUE(unknown) << route;
    EXPECT_EQ(unknown->status, 401) << route;
    EXPECT_THAT(unknown->body, HasSubstr("unknown token")) << route;
    EXPECT_THAT(unknown->body, IsJsonError()) << route;

    httplib::Result malformed = Client().Get(route, {{"Authorization", "Basic dXNlcg=="}});
    ASSERT_TRUE(malformed) << route;
    EXPECT_EQ(malformed->status, 401) << route;
    EXPECT_THAT(malformed->body, IsJsonError()) << route;

    httplib::Result ingest = Client().Get(route, Bearer(kIngestToken));
    ASSERT_TRUE(ingest) << route;
    EXPECT_EQ(ingest->status, 403) << route;
    EXPECT_THAT(ingest->body, HasSubstr("gpu-node")) << route;
    EXPECT_THAT(ingest->body, HasSubstr("role ingest")) << route;
    EXPECT_THAT(ingest->body, Not(HasSubstr(kIngestToken))) << route;
    EXPECT_THAT(ingest->body, IsJsonError()) << route;

    for (const char* token : {kReadToken, kAdminToken}) {
      httplib::Result allowed = Client().Get(route, Bearer(token));
      ASSERT_TRUE(allowed) << route;
      EXPECT_EQ(allowed->status, 200) << route << " " << allowed->body;
    }
  }
}

TEST_F(HttpSecurityTest, ThePageRedirectsToLoginAndHealthzAndTheLoginPageStayOpen) {
  Start(Options());
  // Raw, because httplib's client decodes Location headers.
  int fd = ConnectFrom("127.0.0.1", server_->port());
  ASSERT_GE(fd, 0);
  SocketList sockets;
  sockets.Add(fd);
  const std::string request = "GET /runs/r1?kind=weight HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string page = ReadFor(fd, absl::Milliseconds(500));
  EXPECT_THAT(page, HasSubstr("HTTP/1.1 303"));
  EXPECT_THAT(page, HasSubstr("Location: /login?next=/runs/r1%3Fkind%3Dweight\r\n"));
  EXPECT_THAT(page, Not(HasSubstr("<!doctype html>app")));
  httplib::Result login = Client().Get("/login?next=/runs/r1");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  EXPECT_EQ(login->body, "<!doctype html>login");
  httplib::Result script = Client().Get("/js/login.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  httplib::Result other_script = Client().Get("/js/app.js");
  ASSERT_TRUE(other_script);
  EXPECT_EQ(other_script->status, 303);
  httplib::Result health = Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpSecurityTest, LoginSetsAStrictHttpOnlyCookieThatOpensThePageAndTheApiUntilLogout) {
  Start(Options());
  const std::string origin = absl::StrCat("http://127.0.0.1:", server_->port());
  httplib::Result res =
      Client().Post("/login", {{"Origin", origin}},
                    absl::StrCat(R"({"token": ")", kReadToken, R"("})"), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_THAT(res->body, HasSubstr(R"("name":"viewer")"));
  const std::string set_cookie = res->get_header_value("Set-Cookie");
  EXPECT_THAT(set_cookie, HasSubstr("actiscope_session="));
  EXPECT_THAT(set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(set_cookie, Not(HasSubstr("Secure")));
  EXPECT_THAT(set_cookie, Not(HasSubstr(kReadToken)));
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  httplib::Result runs = Client().Get("/api/runs", {{"Cookie", cookie}});
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  EXPECT_THAT(runs->body, HasSubstr(R"("id":"r1")"));
  httplib::Result page = Client().Get("/runs/r1", {{"Cookie", cookie}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "<!doctype html>app");

  httplib::Result forged =
      Client().Get("/api/runs", {{"Cookie", "actiscope_session=" + std::string(64, 'a')}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_THAT(forged->body, IsJsonError());

  httplib::Result logout =
      Client().Post("/logout", {{"Origin", origin}, {"Cookie", cookie}}, "", "application/json");
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 200);
  EXPECT_THAT(logout->get_header_value("Set-Cookie"), HasSubstr("Max-Age=0"));
  httplib::Result after = Client().Get("/api/runs", {{"Cookie", cookie}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
  EXPECT_THAT(after->body, IsJsonError());
}

TEST_F(HttpSecurityTest, AFormLoginRedirectsToALocalNextPathOnly) {
  Start(Options());
  const std::string origin = absl::StrCat("http://127.0.0.1:", server_->port());
  httplib::Result local =
      Client().Post("/login", {{"Origin", origin}},
                    absl::StrCat("token=", kAdminToken, "&next=%2Fruns%2Fr1%3Fkind%3Dweight"),
                    "application/x-www-form-urlencoded");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 303);
  EXPECT_EQ(local->get_header_value("Location"), "/runs/r1?kind=weight");
  EXPECT_THAT(local->get_header_value("Set-Cookie"), HasSubstr("actiscope_session="));
  httplib::Result away =
      Client().Post("/login", {{"Origin", origin}},
                    absl::StrCat("token=", kAdminToken, "&next=https%3A%2F%2Fevil.example%2F"),
                    "application/x-www-form-urlencoded");
  ASSERT_TRUE(away);
  EXPECT_EQ(away->status, 303);
  EXPECT_EQ(away->get_header_value("Location"), "/");
}

TEST_F(HttpSecurityTest, LoginRefusesOtherOriginsUnknownTokensAndIngestTokens) {
  Start(Options());
  const std::string body = absl::StrCat(R"({"token": ")", kReadToken, R"("})");
  httplib::Result cross =
      Client().Post("/login", {{"Origin", "http://evil.example"}}, body, "application/json");
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 403);
  EXPECT_THAT(cross->body, IsJsonError());
  EXPECT_TRUE(cross->get_header_value("Set-Cookie").empty());
  httplib::Result no_origin = Client().Post("/login", body, "application/json");
  ASSERT_TRUE(no_origin);
  EXPECT_EQ(no_origin->status, 403);
  EXPECT_THAT(no_origin->body, IsJsonError());
  EXPECT_EQ(Login(kIngestToken), "");
  const std::string origin = absl::StrCat("http://127.0.0.1:", server_->port());
  httplib::Result unknown = Client().Post(
      "/login", {{"Origin", origin}}, R"({"token": "not-a-token-0123456789"})", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_THAT(unknown->body, IsJsonError());
  EXPECT_TRUE(unknown->get_header_value("Set-Cookie").empty());
  httplib::Result ingest =
      Client().Post("/login", {{"Origin", origin}},
                    absl::StrCat(R"({"token": ")", kIngestToken, R"("})"), "application/json");
  ASSERT_TRUE(ingest);
  EXPECT_EQ(ingest->status, 403);
  EXPECT_THAT(ingest->body, IsJsonError());
  httplib::Result garbage =
      Client().Post("/login", {{"Origin", origin}}, R"({"token": 12})", "application/json");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_THAT(garbage->body, IsJsonError());
  EXPECT_NE(Login(kReadToken), "");
}

TEST_F(HttpSecurityTest, WithoutTokensEverythingIsOpenAndLoginSaysSo) {
  HttpServerOptions options = Options();
  options.tokens = nullptr;
  Start(options);
  httplib::Result runs = Client().Get("/api/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  httplib::Result page = Client().Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  httplib::Result login =
      Client().Post("/login", {{"Origin", absl::StrCat("http://127.0.0.1:", server_->port())}},
                    R"({"token": "x"})", "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 412);
  EXPECT_THAT(login->body, HasSubstr("without --auth_tokens"));
}

TEST_F(HttpSecurityTest, OnlyAllowedHostNamesReachTheApiAndThePage) {
  HttpServerOptions options = Options();
  options.allowed_hosts = {"collector.lab.example"};
  Start(options);
  for (const char* route : {"/api/runs", "/", "/login"}) {
    httplib::Result rebound = Client().Get(
        route,
        {{"Host", "attacker.example"}, {"Authorization", absl::StrCat("Bearer ", kReadToken)}});
    ASSERT_TRUE(rebound) << route;
    EXPECT_EQ(rebound->status, 403) << route;
    EXPECT_THAT(rebound->body, HasSubstr("--http_allowed_hosts")) << route;
    EXPECT_THAT(rebound->body, IsJsonError()) << route;
  }
  httplib::Result named =
      Client().Get("/api/runs", {{"Host", "collector.lab.example:8080"},
                                 {"Authorization", absl::StrCat("Bearer ", kReadToken)}});
  ASSERT_TRUE(named);
  EXPECT_EQ(named->status, 200);
  httplib::Result health = Client().Get("/healthz", {{"Host", "attacker.example"}});
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpSecurityTest, OneAddressCannotHoldMoreThanItsConnectionsAndOthersAreServed) {
  HttpServerOptions options = Options();
  options.tokens = nullptr;
  options.threads = 4;
  options.max_connections_per_client = 3;
  options.request_timeout = absl::Seconds(30);
  Start(options);
  SocketList held;
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    int fd = ConnectFrom("127.0.0.2", server_->port());
    ASSERT_GE(fd, 0);
    held.Add(fd);
    ASSERT_EQ(write(fd, "GET /api/ru", 11), 11);
  }
  for (int fd : held.fds()) {
    std::string reply = ReadFor(fd, absl::Milliseconds(300));
    if (absl::StrContains(reply, "HTTP/1.1 503")) {
      ++refused;
      EXPECT_THAT(reply, HasSubstr("too many connections from your address"));
      EXPECT_THAT(reply, HasSubstr("--http_max_connections_per_client=3"));
      EXPECT_THAT(BodyOf(reply), IsJsonError());
    }
  }
  EXPECT_EQ(refused, 7);
  for (int i = 0; i < 20; ++i) {
    httplib::Result runs = Client().Get("/api/runs");
    ASSERT_TRUE(runs) << i;
    EXPECT_EQ(runs->status, 200);
  }
}

TEST_F(HttpSecurityTest, ARequestTrickledByteByByteIsCutOffAtItsDeadline) {
  HttpServerOptions options = Options();
  options.tokens = nullptr;
  options.request_timeout = absl::Seconds(1);
  Start(options);
  int fd = ConnectFrom("127.0.0.2", server_->port());
  ASSERT_GE(fd, 0);
  SocketList sockets;
  sockets.Add(fd);
  const std::string request = "GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ";
  absl::Time start = absl::Now();
  bool closed = false;
  for (size_t i = 0; !closed && absl::Now() - start < absl::Seconds(8); ++i) {
    char byte = i < request.size() ? request[i] : 'a';
    closed = send(fd, &byte, 1, MSG_NOSIGNAL) != 1 || ClosedWithin(fd, absl::Milliseconds(200));
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(absl::Now() - start, absl::Seconds(4)) << "the 1 s request deadline was not kept";
}

TEST_F(HttpSecurityTest, AnIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  HttpServerOptions options = Options();
  options.tokens = nullptr;
  options.idle_timeout = absl::Milliseconds(500);
  Start(options);
  int fd = ConnectFrom("127.0.0.2", server_->port());
  ASSERT_GE(fd, 0);
  SocketList sockets;
  sockets.Add(fd);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  EXPECT_THAT(ReadFor(fd, absl::Milliseconds(300)), HasSubstr("HTTP/1.1 200"));
  EXPECT_TRUE(ClosedWithin(fd, absl::Seconds(3)));
}

TEST_F(HttpSecurityTest, OneAddressGetsItsShareOfEventStreams) {
  HttpServerOptions options = Options();
  options.max_event_streams_per_client = 2;
  Start(options);
  SocketList streams;
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 4; ++i) {
    int fd = ConnectFrom("127.0.0.2", server_->port());
    ASSERT_GE(fd, 0);
    streams.Add(fd);
    const std::string request = absl::StrCat(
        "GET /api/runs/r1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ", kReadToken,
        "\r\n\r\n");
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    std::string reply = ReadFor(fd, absl::Milliseconds(500));
    if (absl::StartsWith(reply, "HTTP/1.1 200")) ++accepted;
    if (absl::StartsWith(reply, "HTTP/1.1 429")) {
      ++refused;
      EXPECT_THAT(reply, HasSubstr("--max_event_streams_per_client=2"));
      EXPECT_THAT(BodyOf(reply), IsJsonError());
    }
  }
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(refused, 2);
  // Another address still gets a stream.
  int other = ConnectFrom("127.0.0.3", server_->port());
  ASSERT_GE(other, 0);
  streams.Add(other);
  const std::string request =
      absl::StrCat("GET /api/runs/r1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ",
                   kReadToken, "\r\n\r\n");
  ASSERT_EQ(send(other, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  EXPECT_THAT(ReadFor(other, absl::Milliseconds(500)), HasSubstr("HTTP/1.1 200"));
}

class HttpsTest : public HttpSecurityTest {
 protected:
  void SetUp() override {
    HttpSecurityTest::SetUp();
    absl::StatusOr<testing::TestCertificates> certs =
        testing::MakeTestCertificates(tls_dir_.path());
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
  }

  testing::TempDir tls_dir_{"https_test"};
  testing::TestCertificates certs_;
};

TEST_F(HttpsTest, ServesHttpsToAClientTrustingTheCaWithSecureCookies) {
  HttpServerOptions options = Options();
  options.tls_cert_file = certs_.server_cert;
  options.tls_key_file = certs_.server_key;
  Start(options);
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path(certs_.ca_cert.c_str());
  client.enable_server_certificate_verification(true);
  httplib::Result runs = client.Get("/api/runs", Bearer(kReadToken));
  ASSERT_TRUE(runs) << httplib::to_string(runs.error());
  EXPECT_EQ(runs->status, 200);
  EXPECT_THAT(runs->body, HasSubstr(R"("id":"r1")"));
  httplib::Result login =
      client.Post("/login", {{"Origin", absl::StrCat("https://127.0.0.1:", server_->port())}},
                  absl::StrCat(R"({"token": ")", kReadToken, R"("})"), "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  EXPECT_THAT(login->get_header_value("Set-Cookie"), HasSubstr("; Secure"));

  httplib::SSLClient stranger("127.0.0.1", server_->port());
  stranger.set_ca_cert_path(certs_.other_ca_cert.c_str());
  stranger.enable_server_certificate_verification(true);
  EXPECT_FALSE(stranger.Get("/healthz"));

  httplib::Result plain = Client().Get("/healthz");
  EXPECT_TRUE(!plain || plain->status != 200);
}

TEST_F(HttpsTest, AStalledHandshakeDoesNotKeepOthersWaiting) {
  HttpServerOptions options = Options();
  options.tls_cert_file = certs_.server_cert;
  options.tls_key_file = certs_.server_key;
  options.request_timeout = absl::Seconds(1);
  Start(options);
  int fd = ConnectFrom("127.0.0.2", server_->port());
  ASSERT_GE(fd, 0);
  SocketList sockets;
  sockets.Add(fd);
  EXPECT_TRUE(ClosedWithin(fd, absl::Seconds(4)));
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path(certs_.ca_cert.c_str());
  client.enable_server_certificate_verification(true);
  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpsTest, StartNamesTheTlsFileThatIsMissingOrWrong) {
  HttpServerOptions half = Options();
  half.tls_cert_file = certs_.server_cert;
  HttpServer only_cert(half, data_.store(), &notifier_);
  EXPECT_EQ(only_cert.Start().code(), absl::StatusCode::kInvalidArgument);

  HttpServerOptions missing = Options();
  missing.tls_cert_file = "/nonexistent/cert.pem";
  missing.tls_key_file = certs_.server_key;
  HttpServer no_file(missing, data_.store(), &notifier_);
  absl::Status status = no_file.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/cert.pem"));

  HttpServerOptions mismatched = Options();
  mismatched.tls_cert_file = certs_.server_cert;
  mismatched.tls_key_file = certs_.client_key;
  HttpServer wrong_key(mismatched, data_.store(), &notifier_);
  status = wrong_key.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("does not match"));
}

}  // namespace
}  // namespace actiscope::server
