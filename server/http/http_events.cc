#include "server/http/http_events.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_writer.h"
#include "server/http/http_api.h"

namespace actiscope::server {

EventStream::EventStream(EventStreams* owner, std::string run_id, std::string client,
                         uint64_t version)
    : owner_(owner),
      run_id_(std::move(run_id)),
      client_(std::move(client)),
      seen_version_(version) {}

EventStream::~EventStream() { owner_->Release(run_id_, client_); }

std::string EventStream::RunMessage(bool* ended) {
  absl::StatusOr<RunInfo> run = owner_->store_->GetRun(run_id_);
  if (!run.ok()) {
    *ended = true;
    JsonWriter json;
    json.BeginObject();
    json.Key("error");
    json.String(run.status().message());
    json.EndObject();
    return absl::StrCat("event: error\ndata: ", json.text(), "\n\n");
  }
  *ended = run->status == RunStatus::kFinished || run->status == RunStatus::kFailed;
  JsonWriter json;
  json.BeginObject();
  json.Key("version");
  json.Uint(seen_version_);
  WriteRunFields(*run, &json);
  json.EndObject();
  last_sent_ = absl::Now();
  return absl::StrCat("event: run\ndata: ", json.text(), "\n\n");
}

std::optional<std::string> EventStream::Next() {
  if (ended_ || owner_->stopping_.HasBeenNotified()) return std::nullopt;
  if (!sent_first_) {
    sent_first_ = true;
    return absl::StrCat("retry: 2000\n", RunMessage(&ended_));
  }
  const EventStreamOptions& options = owner_->options_;
  uint64_t version = 0;
  bool changed = owner_->notifier_->WaitForChange(run_id_, seen_version_,
                                                  absl::Now() + options.heartbeat, &version);
  if (owner_->stopping_.HasBeenNotified()) return std::nullopt;
  if (!changed) {
    if (owner_->notifier_->is_shut_down()) return std::nullopt;
    return std::string(": heartbeat\n\n");
  }
  // Coalesce bursts: let further changes pile up until min_interval has passed.
  absl::Duration since_last = absl::Now() - last_sent_;
  if (since_last < options.min_interval &&
      owner_->stopping_.WaitForNotificationWithTimeout(options.min_interval - since_last)) {
    return std::nullopt;
  }
  seen_version_ = owner_->notifier_->Version(run_id_);
  if (seen_version_ < version) seen_version_ = version;
  return RunMessage(&ended_);
}

EventStreams::EventStreams(SqliteStore* store, RunNotifier* notifier, EventStreamOptions options)
    : store_(store), notifier_(notifier), options_(options) {}

absl::StatusOr<std::unique_ptr<EventStream>> EventStreams::Open(const std::string& run_id,
                                                                const std::string& client) {
  if (stopping_.HasBeenNotified()) return absl::UnavailableError("events: server is stopping");
  absl::StatusOr<RunInfo> run = store_->GetRun(run_id);
  if (!run.ok()) return run.status();
  {
    absl::MutexLock lock(&mu_);
    if (open_ >= options_.max_streams) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "events: ", open_, " event streams are open, the limit (", options_.max_streams_flag, "=",
          options_.max_streams, "); close one and retry"));
    }
    auto from_client = open_by_client_.find(client);
    if (from_client != open_by_client_.end() &&
        from_client->second >= options_.max_streams_per_client) {
      return absl::ResourceExhaustedError(
          absl::StrCat("events: ", from_client->second, " event streams are open from ",
                       client.empty() ? "this client" : client, ", the limit per client (",
                       options_.max_streams_per_client_flag, "=", options_.max_streams_per_client,
                       "); close one (another tab) and retry"));
    }
    ++open_;
    ++open_by_run_[run_id];
    ++open_by_client_[client];
  }
  uint64_t version = notifier_->Version(run_id);
  return std::unique_ptr<EventStream>(new EventStream(this, run_id, client, version));
}

void EventStreams::Release(const std::string& run_id, const std::string& client) {
  absl::MutexLock lock(&mu_);
  --open_;
  auto it = open_by_run_.find(run_id);
  if (it != open_by_run_.end() && --it->second <= 0) open_by_run_.erase(it);
  auto from_client = open_by_client_.find(client);
  if (from_client != open_by_client_.end() && --from_client->second <= 0) {
    open_by_client_.erase(from_client);
  }
}

void EventStreams::Stop() {
  std::vector<std::string> runs;
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_.HasBeenNotified()) stopping_.Notify();
    for (const auto& [run_id, count] : open_by_run_) runs.push_back(run_id);
  }
  // Waiters sleep in RunNotifier; a notification wakes them to see `stopping_`.
  for (const std::string& run_id : runs) notifier_->Notify(run_id);
}

int EventStreams::open_streams() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int EventStreams::open_streams_from(const std::string& client) const {
  absl::MutexLock lock(&mu_);
  auto it = open_by_client_.find(client);
  return it == open_by_client_.end() ? 0 : it->second;
}

}  // namespace actiscope::server
