#include "tests/integration/hostile_peers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/histogram_codec.h"

namespace actiscope::testing {
namespace {

void AddToken(const std::string& token, grpc::ClientContext* context) {
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

// A TCP socket bound to `source_ip`, connected to 127.0.0.1:`port`, with 5 s receive and send
// timeouts; -1 with `error` set when that fails.
int ConnectFrom(const std::string& source_ip, int port, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    *error = absl::StrCat("socket: ", std::strerror(errno));
    return -1;
  }
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source_ip.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    *error =
        absl::StrCat("connect from ", source_ip, " to port ", port, ": ", std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// The response's first line ("HTTP/1.1 200 OK"), read byte by byte so that nothing after the
// headers is consumed; empty when the server closed or timed out first.
std::string ReadStatusLine(int fd) {
  std::string line;
  char c = 0;
  while (line.size() < 256 && ::recv(fd, &c, 1, 0) == 1) {
    if (c == '\n') break;
    if (c != '\r') line += c;
  }
  return line;
}

void CloseAll(std::vector<int>* sockets) {
  for (int fd : *sockets) ::close(fd);
  sockets->clear();
}

}  // namespace

absl::StatusOr<int> IdlePushStreams::Open(const std::shared_ptr<grpc::Channel>& channel,
                                          const std::string& token, int count) {
  stub_ = v1::Collector::NewStub(channel);
  for (int i = 0; i < count; ++i) {
    auto stream = std::make_unique<Stream>();
    AddToken(token, &stream->context);
    stream->call = stub_->PrepareAsyncPush(&stream->context, &queue_);
    stream->call->StartCall(Tag(stream.get(), kStarted));
    stream->call->Finish(&stream->status, Tag(stream.get(), kFinished));
    streams_.push_back(std::move(stream));
  }
  // An admitted stream stays open and silent; a refused one finishes at once. Collect what
  // arrives until the queue has been quiet for a second.
  for (;;) {
    void* tag = nullptr;
    bool ok = false;
    grpc::CompletionQueue::NextStatus next =
        queue_.AsyncNext(&tag, &ok, absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    if (next != grpc::CompletionQueue::GOT_EVENT) break;
    Record(tag);
  }
  int open = 0;
  for (const std::unique_ptr<Stream>& stream : streams_) open += stream->finished ? 0 : 1;
  return open;
}

void* IdlePushStreams::Tag(Stream* stream, uintptr_t event) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(stream) | event);
}

void IdlePushStreams::Record(void* tag) {
  const uintptr_t value = reinterpret_cast<uintptr_t>(tag);
  Stream* stream = reinterpret_cast<Stream*>(value & ~uintptr_t{3});
  if ((value & 3) == kFinished) {
    stream->finished = true;
    ++finished_;
  }
}

IdlePushStreams::~IdlePushStreams() {
  for (const std::unique_ptr<Stream>& stream : streams_) stream->context.TryCancel();
  void* tag = nullptr;
  bool ok = false;
  while (finished_ < streams_.size() && queue_.Next(&tag, &ok)) Record(tag);
  queue_.Shutdown();
  while (queue_.Next(&tag, &ok)) {
  }
}

absl::StatusOr<int> HalfSentHttpRequests::Open(int port, const std::string& source_ip, int count) {
  int connected = 0;
  for (int i = 0; i < count; ++i) {
    std::string error;
    int fd = ConnectFrom(source_ip, port, &error);
    if (fd < 0) continue;
    ++connected;
    SendAll(fd, "GET /api/ru");
    sockets_.push_back(fd);
  }
  if (connected == 0) return absl::UnavailableError("half-sent requests: no connection at all");
  return connected;
}

HalfSentHttpRequests::~HalfSentHttpRequests() { CloseAll(&sockets_); }

absl::StatusOr<int> HeldEventStreams::Open(int port, const std::string& source_ip,
                                           const std::string& run_id, const std::string& token,
                                           int count) {
  int accepted = 0;
  for (int i = 0; i < count; ++i) {
    std::string error;
    int fd = ConnectFrom(source_ip, port, &error);
    if (fd < 0) return absl::UnavailableError(error);
    std::string request = absl::StrCat("GET /api/runs/", run_id,
                                       "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                       "Accept: text/event-stream\r\n");
    if (!token.empty()) absl::StrAppend(&request, "Authorization: Bearer ", token, "\r\n");
    request += "\r\n";
    if (SendAll(fd, request) && absl::StrContains(ReadStatusLine(fd), " 200 ")) ++accepted;
    sockets_.push_back(fd);
  }
  return accepted;
}

HeldEventStreams::~HeldEventStreams() { CloseAll(&sockets_); }

namespace {

// `count` frames of 1024 bins, each the first of its own series, as one FrameBatch.
v1::FrameBatch HostileFrames(int count) {
  constexpr uint32_t kBins = 1024;
  std::vector<uint64_t> counts(kBins, 0);
  counts[0] = 1;
  codec::FrameBatchBuilder builder;
  for (int i = 0; i < count; ++i) {
    v1::Frame frame;
    frame.set_layer(absl::StrCat("hostile-", i));
    frame.set_kind(v1::KIND_ACTIVATION);
    frame.set_step(0);
    frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
    frame.mutable_layout()->set_bins(kBins);
    frame.mutable_layout()->set_lo(0);
    frame.mutable_layout()->set_hi(1);
    frame.mutable_stats()->set_elements(1);
    builder.AddFrame(std::move(frame), counts);
  }
  return builder.Take();
}

}  // namespace

absl::StatusOr<int> HttpGetStatus(int port, const std::string& source_ip, const std::string& target,
                                  const std::string& token) {
  std::string error;
  int fd = ConnectFrom(source_ip, port, &error);
  if (fd < 0) return absl::UnavailableError(error);
  std::string request =
      absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
  if (!token.empty()) absl::StrAppend(&request, "Authorization: Bearer ", token, "\r\n");
  request += "\r\n";
  std::string line = SendAll(fd, request) ? ReadStatusLine(fd) : "";
  ::close(fd);
  int status = 0;
  if (line.size() < 12 || !absl::SimpleAtoi(line.substr(9, 3), &status)) {
    return absl::UnavailableError(
        absl::StrCat("GET ", target, ": no answer within 5 s (got \"", line, "\")"));
  }
  return status;
}

std::string MakeHostileZstdBatch(size_t max_bytes, int* frames) {
  constexpr int kProbe = 1024;
  const size_t per_frame = HostileFrames(kProbe).ByteSizeLong() / kProbe + 1;
  int count = static_cast<int>(max_bytes * 95 / 100 / per_frame);
  v1::FrameBatch batch = HostileFrames(count);
  while (batch.ByteSizeLong() > max_bytes && count > 1) {
    count = count * 9 / 10;
    batch = HostileFrames(count);
  }
  *frames = count;
  return codec::CompressBatch(batch);
}

grpc::Status PushZstdBatch(v1::Collector::Stub* stub, const std::string& token,
                           const std::string& run_id, const std::string& zstd_batch) {
  grpc::ClientContext context;
  AddToken(token, &context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto stream = stub->Push(&context);
  v1::PushRequest request;
  request.set_run_id(run_id);
  request.set_sequence(1);
  request.set_zstd_batch(zstd_batch);
  if (stream->Write(request)) {
    v1::PushAck ack;
    stream->Read(&ack);
  }
  stream->WritesDone();
  return stream->Finish();
}

grpc::Status PushHostileBatch(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& token, const std::string& run_id,
                              size_t max_bytes) {
  int frames = 0;
  std::string batch = MakeHostileZstdBatch(max_bytes, &frames);
  std::unique_ptr<v1::Collector::Stub> stub = v1::Collector::NewStub(channel);
  return PushZstdBatch(stub.get(), token, run_id, batch);
}

}  // namespace actiscope::testing
