// Reporter: the training-thread side (Record* into a bounded queue, after the local checks of
// name, step and layout) and the batcher thread (queue -> delta-coded, compressed
// PushRequests -> Sender). See reporter.h for the flow.
#include "actiscope/client/reporter.h"

#include <algorithm>
#include <array>
#include <deque>
#include <exception>
#include <random>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "actiscope/client/held_record.h"
#include "client/alert_inbox.h"
#include "client/collector_session.h"
#include "client/device_histogram.h"
#include "client/histogram_kernel.h"
#include "client/histogram_tensor.h"
#include "client/rate_limited_log.h"
#include "client/run_spec.h"
#include "client/sender.h"
#include "client/spool.h"
#include "common/mutex_settings.h"
#include "common/report_limits.h"
#include "common/thread_name.h"
#include "proto/histogram_codec.h"
#include "proto/layout_convert.h"

namespace actiscope::client {
namespace {

constexpr size_t kMaxFramesPerBatch = 4096;
constexpr size_t kBatchBytes = size_t{1} << 20;  // Queued bytes that trigger a flush.
constexpr absl::Duration kDevicePoll = absl::Milliseconds(1);

// One Record or RecordScalar call, waiting in the queue.
struct QueuedItem {
  bool scalar = false;
  int64_t step = 0;
  Kind kind = Kind::kActivation;
  std::string name;  // Layer or scalar name.
  BinLayout layout;
  std::unique_ptr<PendingHistogram> histogram;
  double value = 0;
  absl::Time queued_at;
  size_t bytes = 0;
};

// This Abseil is built with its own string_view, distinct from std::string_view.
absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string Describe(const BinLayout& layout) {
  return absl::StrCat(layout.bins, layout.scale == BinScale::kLinear ? " linear" : " log-magnitude",
                      " bins over [", layout.lo, ", ", layout.hi, ")");
}

class ReadyResult : public PendingHistogram {
 public:
  explicit ReadyResult(HistogramResult result) : result_(std::move(result)) {}
  bool Ready() override { return true; }
  absl::StatusOr<HistogramResult> Take() override { return std::move(result_); }

 private:
  HistogramResult result_;
};

QueuedItem HistogramItem(int64_t step, Kind kind, std::string_view layer, const BinLayout& layout,
                         std::unique_ptr<PendingHistogram> histogram) {
  QueuedItem item;
  item.step = step;
  item.kind = kind;
  item.name = std::string(layer);
  item.layout = layout;
  item.histogram = std::move(histogram);
  return item;
}

}  // namespace

class Reporter::Impl {
 public:
  // `session` is null when offline.
  Impl(ReporterOptions options, v1::RunSpec run, std::unique_ptr<CollectorSession> session,
       std::shared_ptr<Spool> spool)
      : options_(std::move(options)), run_(std::move(run)), alerts_(run_.run_id()) {
    SenderOptions sender;
    sender.run = run_;
    sender.alerts = &alerts_;
    sender.outbox_bound_bytes = options_.memory_bound_bytes / 2;
    sender.seed = std::random_device()();
    sender_ =
        std::make_unique<Sender>(std::move(sender), std::move(session), std::move(spool), &log_);
    batcher_ = std::thread([this] {
      NameCurrentThread("actiscope-batch");
      BatchLoop();
    });
  }

  ~Impl() { Finish(true, absl::Seconds(5)); }

  const std::string& run_id() const { return run_.run_id(); }

  std::vector<AlertNotice> TakeAlerts() { return alerts_.Take(); }

  void Enqueue(QueuedItem item) {
    item.queued_at = absl::Now();
    item.bytes = sizeof(QueuedItem) + item.name.size() + 8 * (item.scalar ? 0 : item.layout.bins);
    absl::MutexLock lock(&mu_);
    const uint64_t frames = item.scalar ? 0 : 1;
    if (finishing_) {
      Drop(absl::StrCat("Record after Finish: ", item.name), frames);
      return;
    }
    if (queue_bytes_ + item.bytes > queue_bound_bytes()) {
      Drop(absl::StrCat("record queue full (", queue_bytes_, " bytes)"), frames);
      return;
    }
    queue_bytes_ += item.bytes;
    queue_.push_back(std::move(item));
    if (queue_bytes_ >= flush_bytes()) wake_.Signal();
  }

  // Counts `frames` dropped frames (0 for a scalar) and logs why.
  void Drop(const std::string& why, uint64_t frames = 1) {
    sender_->CountDropped(frames);
    log_.Log("record", absl::StrCat(frames > 0 ? "dropped a frame: " : "dropped a scalar: ", why));
  }

  // The plan of the (layer, kind) series when `layout`, valid, is the first layout recorded for
  // it or equal to it; the plan lives as long as this. Else null: the frame is counted as
  // rejected and logged (the collector would refuse its whole batch), or as dropped for a kind
  // that does not exist.
  const HistogramPlan* SeriesPlan(Kind kind, std::string_view layer, const BinLayout& layout) {
    const auto kind_index = static_cast<size_t>(kind) - 1;
    if (kind_index >= plans_.size()) {
      Drop(absl::StrCat(View(layer), ": unknown kind ", static_cast<int>(kind)));
      return nullptr;
    }
    absl::MutexLock lock(&plans_mu_);
    auto& plans = plans_[kind_index];
    auto it = plans.find(View(layer));
    if (it == plans.end()) {
      it = plans.emplace(std::string(layer), std::make_unique<const HistogramPlan>(layout)).first;
    }
    if (it->second->layout == layout) return it->second.get();
    sender_->CountRejected(1);
    log_.Log("layout",
             absl::StrCat("rejected a frame of \"", View(layer), "\" kind ", static_cast<int>(kind),
                          ": ", Describe(layout), ", but its series was first recorded with ",
                          Describe(it->second->layout), " (a series keeps one layout)"));
    return nullptr;
  }

  // Half the memory bound holds queued records, the other half the sender's outbox.
  size_t queue_bound_bytes() const { return options_.memory_bound_bytes / 2; }
  // Queued bytes that make the batcher flush before the flush interval.
  size_t flush_bytes() const { return std::min(kBatchBytes, queue_bound_bytes() / 4); }

  // The plan for a frame of (step, kind, layer) with `layout`, after the checks every Record
  // makes; null when the frame is dropped or rejected (counted and logged).
  const HistogramPlan* Admit(int64_t step, Kind kind, std::string_view layer,
                             const BinLayout& layout) {
    if (!ValidName(step, layer)) return nullptr;
    if (absl::Status s = ValidateLayout(layout); !s.ok()) {
      Drop(absl::StrCat(View(layer), ": ", s.ToString()));
      return nullptr;
    }
    return SeriesPlan(kind, layer, layout);
  }

  // Starts the histogram of an admitted frame (on the CPU it is done on return) and queues it.
  void Start(int64_t step, Kind kind, std::string_view layer, const at::Tensor& values,
             const BinLayout& layout, const HistogramPlan& plan) {
    absl::StatusOr<std::unique_ptr<PendingHistogram>> histogram = StartHistogram(values, plan);
    if (!histogram.ok()) {
      Drop(absl::StrCat(View(layer), ": ", histogram.status().ToString()));
      return;
    }
    Enqueue(HistogramItem(step, kind, layer, layout, *std::move(histogram)));
  }

  bool ValidName(int64_t step, std::string_view name, uint64_t frames = 1) {
    if (step >= 0 && step <= kMaxStep && !name.empty() && name.size() <= kMaxNameBytes) {
      return true;
    }
    Drop(absl::StrCat("invalid step ", step, " (0-", kMaxStep, ") or name \"", View(name), "\" (1-",
                      kMaxNameBytes, " bytes)"),
         frames);
    return false;
  }

  FinishReport Finish(bool succeeded, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    {
      absl::MutexLock lock(&mu_);
      if (report_.has_value()) return *report_;
      if (finishing_) {  // Another thread is finishing: wait for its report.
        mu_.Await(absl::Condition(
            +[](std::optional<FinishReport>* r) { return r->has_value(); }, &report_));
        return *report_;
      }
      finishing_ = true;
      finish_deadline_ = deadline;
      wake_.Signal();
    }
    batcher_.join();
    if (sender_->HasUnreportedCounts()) SubmitBatch(v1::FrameBatch(), 0);
    bool delivered = sender_->Drain(deadline);
    // A rejection found while draining is reported by one more request (twice at most: a
    // request without frames is not rejected).
    for (int i = 0; i < 2 && delivered && sender_->HasUnreportedCounts(); ++i) {
      SubmitBatch(v1::FrameBatch(), 0);
      delivered = sender_->Drain(deadline);
    }
    sender_->Stop();
    if (CollectorSession* session = sender_->session(); session != nullptr) {
      const absl::Duration left = std::max(deadline - absl::Now(), absl::Milliseconds(500));
      if (absl::Status s = session->FinishRun(run_.run_id(), succeeded, left); !s.ok()) {
        log_.Log("finish", s.ToString());
      }
    }
    const SenderCounts counts = sender_->counts();
    FinishReport report;
    report.frames_acked = counts.frames_acked;
    report.frames_dropped = counts.frames_dropped;
    report.frames_rejected = counts.frames_rejected;
    report.frames_in_spool = counts.frames_unacked;
    report.wire_bytes = counts.wire_bytes;
    report.alerts_dropped = alerts_.dropped();
    report.all_delivered = delivered && counts.frames_dropped == 0 && counts.frames_rejected == 0 &&
                           counts.frames_unacked == 0;
    if (!report.all_delivered &&
        (!options_.offline || report.frames_dropped + report.frames_rejected > 0)) {
      log_.Log("finish",
               absl::StrCat("run ", run_.run_id(), ": ", report.frames_acked, " frames delivered, ",
                            report.frames_in_spool, " left in the spool, ", report.frames_dropped,
                            " dropped, ", report.frames_rejected, " rejected"));
    }
    absl::MutexLock lock(&mu_);
    report_ = report;
    return report;
  }

  RateLimitedLog log_;

 private:
  void BatchLoop() {
    while (true) {
      std::deque<QueuedItem> items;
      {
        absl::MutexLock lock(&mu_);
        // The batcher waits on `wake_`, not on a condition of mu_: a waiter on mu_ sends each
        // Record's unlock down Abseil's slow path, microseconds on the training thread. Records
        // signal wake_ only when the queue reaches flush_bytes; an empty queue is looked at again
        // after a flush interval, and a record still waits no longer than that (`due`).
        if (queue_.empty()) {
          if (!FlushNow()) wake_.WaitWithTimeout(&mu_, options_.flush_interval);
          if (queue_.empty()) {
            if (finishing_) return;  // Finishing with nothing left.
            continue;
          }
        }
        const absl::Time due = queue_.front().queued_at + options_.flush_interval;
        while (!FlushNow() && !wake_.WaitWithDeadline(&mu_, due)) {
        }
        const size_t cut = ReadyPrefix();
        if (cut == 0) {
          if (finishing_ && absl::Now() > finish_deadline_) {
            for (const QueuedItem& item : queue_) {
              Drop("device histogram not ready by Finish", item.scalar ? 0 : 1);
            }
            queue_.clear();
            return;
          }
          wake_.WaitWithTimeout(&mu_, kDevicePoll);  // For device histograms to be ready.
          continue;
        }
        for (size_t i = 0; i < cut; ++i) {
          queue_bytes_ -= queue_.front().bytes;
          items.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      BuildAndSubmit(&items);
    }
  }

  // True when the batcher must not wait for the front item's flush interval.
  bool FlushNow() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return finishing_ || queue_bytes_ >= flush_bytes();
  }

  // How many items at the head of the queue to batch now: those whose histogram is ready,
  // and, unless the newest step is stale or we are finishing, only of steps before the
  // newest one (so that all frames of a step travel together).
  size_t ReadyPrefix() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const QueuedItem& newest = queue_.back();
    const bool whole = finishing_ || queue_bytes_ >= flush_bytes() ||
                       absl::Now() >= newest.queued_at + options_.flush_interval;
    size_t cut = 0;
    for (QueuedItem& item : queue_) {
      if (!whole && item.step >= newest.step) break;
      if (!item.scalar && !item.histogram->Ready()) break;
      ++cut;
    }
    return cut;
  }

  void BuildAndSubmit(std::deque<QueuedItem>* items) {
    codec::FrameBatchBuilder builder;
    uint32_t frames = 0;
    for (QueuedItem& item : *items) {
      if (item.scalar) {
        v1::Scalar scalar;
        scalar.set_name(item.name);
        scalar.set_step(item.step);
        scalar.set_rank(run_rank());
        scalar.set_value(item.value);
        builder.AddScalar(std::move(scalar));
        continue;
      }
      absl::StatusOr<HistogramResult> result = item.histogram->Take();
      if (!result.ok()) {
        Drop(absl::StrCat(item.name, ": ", result.status().ToString()));
        continue;
      }
      v1::Frame frame;
      frame.set_layer(item.name);
      frame.set_kind(static_cast<v1::Kind>(item.kind));
      frame.set_step(item.step);
      frame.set_rank(run_rank());
      ToWire(item.layout, frame.mutable_layout());
      v1::HistogramStats* stats = frame.mutable_stats();
      stats->set_elements(result->elements);
      stats->set_below(result->below);
      stats->set_above(result->above);
      stats->set_zeros(result->zeros);
      stats->set_nonfinite(result->nonfinite);
      stats->set_min(static_cast<float>(result->min));
      stats->set_max(static_cast<float>(result->max));
      stats->set_sum(result->sum);
      stats->set_sum_squares(result->sum_squares);
      builder.AddFrame(std::move(frame), result->counts);
      if (++frames == kMaxFramesPerBatch) {
        SubmitBatch(builder.Take(), frames);
        frames = 0;
      }
    }
    SubmitBatch(builder.Take(), frames);
  }

  void SubmitBatch(v1::FrameBatch batch, uint32_t frames) {
    if (batch.frames_size() == 0 && batch.scalars_size() == 0 && !sender_->HasUnreportedCounts()) {
      return;
    }
    v1::PushRequest request;
    request.set_run_id(run_.run_id());
    request.set_sequence(++sequence_);
    request.set_zstd_batch(codec::CompressBatch(batch));
    sender_->Submit(std::move(request), frames);
  }

  uint32_t run_rank() const { return options_.run.rank; }

  const ReporterOptions options_;
  const v1::RunSpec run_;
  AlertInbox alerts_;  // Filled by the sender's thread, which ends before this goes.
  std::unique_ptr<Sender> sender_;
  uint64_t sequence_ = 0;  // Batcher thread (then Finish, after the batcher ended).

  absl::Mutex mu_;
  std::deque<QueuedItem> queue_ ABSL_GUARDED_BY(mu_);
  size_t queue_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time finish_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::optional<FinishReport> report_ ABSL_GUARDED_BY(mu_);
  absl::CondVar wake_;  // The batcher waits on it with mu_ held; see BatchLoop.
  std::thread batcher_;

  absl::Mutex plans_mu_;
  // The plan of the first layout recorded for each layer, per kind (Kind - 1). Built once per
  // series, so that Record builds none; a hash lookup by the layer's view allocates nothing.
  std::array<absl::flat_hash_map<std::string, std::unique_ptr<const HistogramPlan>>, 3> plans_
      ABSL_GUARDED_BY(plans_mu_);
};

absl::StatusOr<std::unique_ptr<Reporter>> Reporter::Start(ReporterOptions options) {
  DisableMutexDeadlockDetection();  // Record locks on the training thread.
  if (options.offline && options.spool_dir.empty()) {
    return absl::InvalidArgumentError("offline reporter needs a spool_dir");
  }
  if (options.memory_bound_bytes < (size_t{1} << 16)) {
    return absl::InvalidArgumentError(
        absl::StrCat("memory_bound_bytes below 64 KiB: ", options.memory_bound_bytes));
  }
  if (options.flush_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("flush_interval must be positive");
  }
  absl::StatusOr<v1::RunSpec> run = MakeRunSpec(options.run, absl::Now());
  if (!run.ok()) return run.status();
  std::unique_ptr<CollectorSession> session;
  if (!options.offline) {
    absl::StatusOr<std::unique_ptr<CollectorSession>> opened = OpenCollectorSession(options);
    if (!opened.ok()) return opened.status();
    session = *std::move(opened);
  }
  std::shared_ptr<Spool> spool;
  if (!options.spool_dir.empty()) {
    absl::StatusOr<std::unique_ptr<Spool>> opened =
        Spool::Open(options.spool_dir, options.spool_bound_bytes, options.spool_fsync);
    if (!opened.ok()) return opened.status();
    spool = *std::move(opened);
  }
  return std::unique_ptr<Reporter>(new Reporter(std::make_unique<Impl>(
      std::move(options), *std::move(run), std::move(session), std::move(spool))));
}

Reporter::Reporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Reporter::~Reporter() = default;

const std::string& Reporter::run_id() const { return impl_->run_id(); }

HeldRecord::HeldRecord(int64_t step, Kind kind, std::string_view layer, at::Tensor values,
                       const BinLayout& layout)
    : step(step), kind(kind), layer(layer), values(std::move(values)), layout(layout) {
  try {
    if (this->values.defined() && !this->values.is_inference()) version = this->values._version();
  } catch (const c10::Error&) {  // A tensor without a version counter: nothing to compare.
  }
}

void Reporter::Record(int64_t step, Kind kind, std::string_view layer, const at::Tensor& values,
                      const BinLayout& layout) {
  try {
    const HistogramPlan* plan = impl_->Admit(step, kind, layer, layout);
    if (plan == nullptr) return;
    impl_->Start(step, kind, layer, values, layout, *plan);
  } catch (const std::exception& e) {
    impl_->Drop(absl::StrCat(View(layer), ": ", e.what()));
  }
}

void Reporter::RecordHeld(const std::vector<HeldRecord>& held) {
  // The contiguous CPU tensors, histogrammed together once the others are on their way.
  std::vector<const HeldRecord*> batch;
  std::vector<at::Tensor> batch_values;
  std::vector<const HistogramPlan*> batch_plans;
  for (const HeldRecord& record : held) {
    try {
      const HistogramPlan* plan =
          impl_->Admit(record.step, record.kind, record.layer, record.layout);
      if (plan == nullptr) continue;
      const at::Tensor& values = record.values;
      if (record.version.has_value() && values._version() != *record.version) {
        impl_->Drop(absl::StrCat(View(record.layer), ": the tensor of step ", record.step,
                                 " changed in place after it was held, so its histogram would show "
                                 "other values; record a tensor before anything modifies it"));
        continue;
      }
      if (IsContiguousCpuInput(values)) {
        batch.push_back(&record);
        batch_values.push_back(values);
        batch_plans.push_back(plan);
      } else {
        impl_->Start(record.step, record.kind, record.layer, values, record.layout, *plan);
      }
    } catch (const std::exception& e) {
      impl_->Drop(absl::StrCat(View(record.layer), ": ", e.what()));
    }
  }
  if (batch.empty()) return;
  std::vector<HistogramResult> results;
  try {
    results = ComputeContiguousCpuHistograms(batch_values, batch_plans);
  } catch (const std::exception& e) {
    for (const HeldRecord* record : batch) {
      impl_->Drop(absl::StrCat(View(record->layer), ": ", e.what()));
    }
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const HeldRecord& record = *batch[i];
    try {
      impl_->Enqueue(HistogramItem(record.step, record.kind, record.layer, record.layout,
                                   std::make_unique<ReadyResult>(std::move(results[i]))));
    } catch (const std::exception& e) {
      impl_->Drop(absl::StrCat(View(record.layer), ": ", e.what()));
    }
  }
}

void Reporter::RecordHistogram(int64_t step, Kind kind, std::string_view layer,
                               const HistogramResult& result, const BinLayout& layout) {
  try {
    if (!impl_->ValidName(step, layer)) return;
    if (absl::Status s = ValidateLayout(layout); !s.ok()) {
      impl_->Drop(absl::StrCat(View(layer), ": ", s.ToString()));
      return;
    }
    if (result.counts.size() != layout.bins) {
      impl_->Drop(absl::StrCat(View(layer), ": ", result.counts.size(), " counts for ", layout.bins,
                               " bins"));
      return;
    }
    if (impl_->SeriesPlan(kind, layer, layout) == nullptr) return;
    impl_->Enqueue(HistogramItem(step, kind, layer, layout, std::make_unique<ReadyResult>(result)));
  } catch (const std::exception& e) {
    impl_->Drop(absl::StrCat(View(layer), ": ", e.what()));
  }
}

void Reporter::RecordScalar(int64_t step, std::string_view name, double value) {
  try {
    if (!impl_->ValidName(step, name, 0)) return;
    QueuedItem item;
    item.scalar = true;
    item.step = step;
    item.name = std::string(name);
    item.value = value;
    impl_->Enqueue(std::move(item));
  } catch (const std::exception& e) {
    impl_->Drop(absl::StrCat(View(name), ": ", e.what()), 0);
  }
}

FinishReport Reporter::Finish(bool succeeded, absl::Duration timeout) {
  return impl_->Finish(succeeded, timeout);
}

std::vector<AlertNotice> Reporter::TakeAlerts() { return impl_->TakeAlerts(); }

}  // namespace actiscope::client
