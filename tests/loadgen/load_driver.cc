#include "tests/loadgen/load_driver.h"

#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"

namespace actiscope::loadgen {
namespace {

// User + system CPU time of this process (all threads).
absl::Duration ProcessCpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

// Waits until all clients are ready, so the clock starts for everyone at once.
class StartGate {
 public:
  explicit StartGate(int parties) : waiting_(parties) {}
  // Returns when all parties have arrived; the time the last one arrived.
  absl::Time ArriveAndWait() {
    absl::MutexLock lock(&mu_);
    if (--waiting_ == 0) {
      start_ = absl::Now();
      cpu_at_start_ = ProcessCpu();
    }
    mu_.Await(absl::Condition(
        +[](int* waiting) { return *waiting <= 0; }, &waiting_));
    return start_;
  }
  // The process's CPU time when the last party arrived.
  absl::Duration cpu_at_start() {
    absl::MutexLock lock(&mu_);
    return cpu_at_start_;
  }

 private:
  absl::Mutex mu_;
  int waiting_ ABSL_GUARDED_BY(mu_);
  absl::Time start_ ABSL_GUARDED_BY(mu_);
  absl::Duration cpu_at_start_ ABSL_GUARDED_BY(mu_);
};

struct ClientResult {
  absl::Status status;
  uint64_t histograms = 0, scalars = 0, pushes = 0, stored = 0, ignored = 0, wire_bytes = 0;
  std::vector<absl::Duration> latencies;
  absl::Time start, last_ack;
};

struct Batch {
  v1::PushRequest request;
  uint32_t histograms = 0;
  uint32_t scalars = 0;
};

class Client {
 public:
  Client(const LoadOptions& options, int index)
      : options_(options),
        run_(options.run, index),
        run_id_(absl::StrCat(options.run_prefix, "-", index)),
        run_name_(options.run_name.empty() ? run_id_
                  : options.clients > 1    ? absl::StrCat(options.run_name, "-", index)
                                           : options.run_name) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // One connection per client.
    args.SetMaxSendMessageSize(64 << 20);
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options.connection, args);
    if (channel.ok()) {
      channel_ = *std::move(channel);
      stub_ = v1::Collector::NewStub(channel_);
    } else {
      channel_status_ = channel.status();
    }
    steps_per_batch_ = options.steps_per_push;
    if (options.live_rate_steps_per_s > 0) {
      steps_per_batch_ = std::max<int64_t>(
          1, std::min<int64_t>(steps_per_batch_,
                               static_cast<int64_t>(options.live_rate_steps_per_s / 10)));
    }
    batch_count_ = (options.run.steps + steps_per_batch_ - 1) / steps_per_batch_;
  }

  const std::string& run_id() const { return run_id_; }

  void Run(StartGate* gate, ClientResult* result) {
    result->status = channel_status_.ok() ? StartRun() : channel_status_;
    std::vector<Batch> prebuilt;
    if (result->status.ok() && options_.prebuild) {
      for (int64_t i = 0; i < batch_count_; ++i) prebuilt.push_back(BuildBatch(i));
    }
    result->start = gate->ArriveAndWait();
    if (!result->status.ok()) return;
    result->status = Push(prebuilt, result);
    if (!result->status.ok()) return;
    result->status = FinishRun();
  }

 private:
  absl::Status StartRun() {
    v1::RunSpec spec;
    spec.set_run_id(run_id_);
    spec.set_name(run_name_);
    auto& config = *spec.mutable_config();
    config["model"] = "synthetic";
    config["layers"] = absl::StrCat(options_.run.layers);
    config["bins"] = absl::StrCat(options_.run.bins);
    config["steps"] = absl::StrCat(options_.run.steps);
    config["seed"] = absl::StrCat(options_.run.seed);
    spec.set_host("loadgen");
    spec.set_device("cpu");
    spec.set_world_size(1);
    spec.mutable_start_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
    AttachToken(options_.connection.token, &context);
    v1::StartRunResponse response;
    return FromGrpcStatus(stub_->StartRun(&context, spec, &response),
                          absl::StrCat("StartRun ", run_id_, " at ", options_.connection.address));
  }

  absl::Status FinishRun() {
    v1::FinishRunRequest request;
    request.set_run_id(run_id_);
    request.set_status(v1::RUN_STATUS_FINISHED);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
    AttachToken(options_.connection.token, &context);
    v1::FinishRunResponse response;
    return FromGrpcStatus(stub_->FinishRun(&context, request, &response),
                          absl::StrCat("FinishRun ", run_id_));
  }

  Batch BuildBatch(int64_t index) const {
    const int64_t from = index * steps_per_batch_;
    const int64_t to = std::min(options_.run.steps, from + steps_per_batch_);
    codec::FrameBatchBuilder builder;
    run_.AddSteps(from, to, &builder);
    v1::FrameBatch frames = builder.Take();
    Batch batch;
    batch.histograms = static_cast<uint32_t>(frames.frames_size());
    batch.scalars = static_cast<uint32_t>(frames.scalars_size());
    batch.request.set_run_id(run_id_);
    batch.request.set_sequence(static_cast<uint64_t>(index));
    batch.request.set_zstd_batch(codec::CompressBatch(frames));
    return batch;
  }

  absl::Status Push(const std::vector<Batch>& prebuilt, ClientResult* result) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.stream_timeout));
    AttachToken(options_.connection.token, &context);
    std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream =
        stub_->Push(&context);
    std::vector<absl::Time> sent(static_cast<size_t>(batch_count_));
    std::vector<uint32_t> histograms(sent.size()), scalars(sent.size());
    absl::Mutex mu;
    int in_flight = 0;
    bool reader_done = false;

    std::thread writer([&] {
      for (int64_t i = 0; i < batch_count_; ++i) {
        Batch built;
        const Batch& batch = options_.prebuild ? prebuilt[i] : (built = BuildBatch(i));
        if (options_.live_rate_steps_per_s > 0) {
          const double due_s =
              static_cast<double>(i * steps_per_batch_) / options_.live_rate_steps_per_s;
          absl::SleepFor(result->start + absl::Seconds(due_s) - absl::Now());
        }
        {
          absl::MutexLock lock(&mu);
          auto can_send = [&] { return reader_done || in_flight < options_.max_in_flight; };
          mu.Await(absl::Condition(&can_send));
          if (reader_done) break;
          ++in_flight;
          sent[i] = absl::Now();
          histograms[i] = batch.histograms;
          scalars[i] = batch.scalars;
          result->wire_bytes += batch.request.zstd_batch().size();
        }
        if (!stream->Write(batch.request)) break;
      }
      stream->WritesDone();
    });

    v1::PushAck ack;
    uint64_t acks = 0;
    while (stream->Read(&ack)) {
      const absl::Time now = absl::Now();
      absl::MutexLock lock(&mu);
      const uint64_t i = ack.sequence();
      if (i >= sent.size()) continue;
      --in_flight;
      ++acks;
      result->latencies.push_back(now - sent[i]);
      result->histograms += histograms[i];
      result->scalars += scalars[i];
      result->stored += ack.frames_stored();
      result->ignored += ack.frames_ignored();
      result->last_ack = now;
    }
    {
      absl::MutexLock lock(&mu);
      reader_done = true;
    }
    writer.join();
    result->pushes = acks;
    ACTISCOPE_RETURN_IF_ERROR(FromGrpcStatus(
        stream->Finish(), absl::StrCat("Push ", run_id_, " at ", options_.connection.address)));
    if (acks != static_cast<uint64_t>(batch_count_)) {
      return absl::DataLossError(absl::StrCat("Push ", run_id_, ": stream ended after ", acks,
                                              " of ", batch_count_, " acks"));
    }
    return absl::OkStatus();
  }

  const LoadOptions& options_;
  SyntheticRun run_;
  std::string run_id_;
  std::string run_name_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Collector::Stub> stub_;
  absl::Status channel_status_;  // Why no channel could be made; OK when there is one.
  int64_t steps_per_batch_ = 1;
  int64_t batch_count_ = 0;
};

// The q-quantile (0 <= q <= 1) of ascending `sorted`; zero when it is empty.
absl::Duration Percentile(const std::vector<absl::Duration>& sorted, double q) {
  if (sorted.empty()) return absl::ZeroDuration();
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[i];
}

}  // namespace

double LoadReport::histograms_per_s() const {
  const double s = absl::ToDoubleSeconds(elapsed);
  return s > 0 ? static_cast<double>(histograms) / s : 0.0;
}

absl::StatusOr<LoadReport> RunLoad(const LoadOptions& options) {
  if (options.clients < 1 || options.run.layers < 1 || options.run.steps < 1 ||
      options.steps_per_push < 1 || options.max_in_flight < 1 || options.run.kinds.empty()) {
    return absl::InvalidArgumentError(
        "loadgen: clients, layers, steps, steps_per_push, max_in_flight and kinds must be "
        "positive");
  }
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < options.clients; ++i) {
    clients.push_back(std::make_unique<Client>(options, i));
  }
  std::vector<ClientResult> results(clients.size());
  StartGate gate(options.clients);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients.size(); ++i) {
    threads.emplace_back([&, i] { clients[i]->Run(&gate, &results[i]); });
  }
  for (std::thread& t : threads) t.join();

  LoadReport report;
  std::vector<absl::Duration> latencies;
  absl::Time start = absl::InfiniteFuture(), end = absl::InfinitePast();
  for (size_t i = 0; i < clients.size(); ++i) {
    const ClientResult& r = results[i];
    if (!r.status.ok()) return r.status;
    report.run_ids.push_back(clients[i]->run_id());
    report.histograms += r.histograms;
    report.scalars += r.scalars;
    report.pushes += r.pushes;
    report.frames_stored += r.stored;
    report.frames_ignored += r.ignored;
    report.wire_bytes += r.wire_bytes;
    latencies.insert(latencies.end(), r.latencies.begin(), r.latencies.end());
    start = std::min(start, r.start);
    end = std::max(end, r.last_ack);
  }
  std::sort(latencies.begin(), latencies.end());
  report.elapsed = end > start ? end - start : absl::ZeroDuration();
  report.client_cpu = ProcessCpu() - gate.cpu_at_start();
  report.ack_p50 = Percentile(latencies, 0.50);
  report.ack_p99 = Percentile(latencies, 0.99);
  return report;
}

std::string ReportJson(const LoadReport& r) {
  std::vector<std::string> runs;
  for (const std::string& id : r.run_ids) runs.push_back(absl::StrCat("\"", id, "\""));
  return absl::StrFormat(
      "{\"runs\":[%s],\"histograms\":%d,\"scalars\":%d,\"pushes\":%d,\"frames_stored\":%d,"
      "\"frames_ignored\":%d,\"wire_bytes\":%d,\"elapsed_s\":%.6f,\"histograms_per_s\":%.1f,"
      "\"ack_p50_ms\":%.3f,\"ack_p99_ms\":%.3f,\"client_cpu_s\":%.3f}",
      absl::StrJoin(runs, ","), r.histograms, r.scalars, r.pushes, r.frames_stored,
      r.frames_ignored, r.wire_bytes, absl::ToDoubleSeconds(r.elapsed), r.histograms_per_s(),
      absl::ToDoubleMilliseconds(r.ack_p50), absl::ToDoubleMilliseconds(r.ack_p99),
      absl::ToDoubleSeconds(r.client_cpu));
}

std::string ReportText(const LoadReport& r) {
  return absl::StrFormat(
      "runs:             %d (%s ...)\n"
      "histograms:       %d committed (%d stored, %d duplicates), %d scalars, %d pushes\n"
      "elapsed:          %.3f s\n"
      "throughput:       %.0f histograms/s\n"
      "ack latency:      p50 %.2f ms, p99 %.2f ms\n"
      "wire bytes:       %d (%.1f B/histogram)\n"
      "loadgen CPU:      %.2f s while sending\n",
      r.run_ids.size(), r.run_ids.empty() ? "" : r.run_ids.front(), r.histograms, r.frames_stored,
      r.frames_ignored, r.scalars, r.pushes, absl::ToDoubleSeconds(r.elapsed), r.histograms_per_s(),
      absl::ToDoubleMilliseconds(r.ack_p50), absl::ToDoubleMilliseconds(r.ack_p99), r.wire_bytes,
      r.histograms ? static_cast<double>(r.wire_bytes) / r.histograms : 0.0,
      absl::ToDoubleSeconds(r.client_cpu));
}

}  // namespace actiscope::loadgen
