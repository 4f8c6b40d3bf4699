// EventStreams: the Server-Sent Events behind GET /api/runs/{id}/events. Each open stream
// sends the run (the fields of /api/runs/{id} without layers) as an "event: run" message at
// once and again whenever the write path reports a change through RunNotifier, a comment line
// (": heartbeat") when nothing changed for `heartbeat`, and ends after sending a finished or
// failed run, or when the server stops. Changes closer together than `min_interval` are
// coalesced into one message, so a fast trainer cannot flood a browser.
//
// Wire format (text/event-stream):
//   retry: 2000\n
//   event: run\n
//   data: {"version":N,"id":"...","status":"live","last_step":41,...}\n
//   \n
//
// Thread-safety: Open and Stop may be called concurrently; one EventStream belongs to one
// thread at a time. EventStreams must outlive every stream it opened.
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_EVENTS_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_EVENTS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

struct EventStreamOptions {
  int max_streams = 64;  // Open streams at once, over all runs; more get RESOURCE_EXHAUSTED.
  // Open streams at once from one client (its IP address); more get RESOURCE_EXHAUSTED, so
  // one address cannot take every stream slot (and the serving thread each one holds).
  int max_streams_per_client = 8;
  // The settings that set the two limits, named with their values in the refusals
  // ("--max_event_streams", "--max_event_streams_per_client").
  std::string max_streams_flag;
  std::string max_streams_per_client_flag;
  absl::Duration heartbeat = absl::Seconds(15);
  absl::Duration min_interval = absl::Milliseconds(100);
};

class EventStreams;

class EventStream {
 public:
  ~EventStream();  // Frees the stream's slot.
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Blocks until there is something to send and returns it (one or more complete SSE
  // messages); nullopt once the stream has ended.
  std::optional<std::string> Next();

 private:
  friend class EventStreams;
  EventStream(EventStreams* owner, std::string run_id, std::string client, uint64_t version);
  // The run as an SSE message, and whether the run has ended.
  std::string RunMessage(bool* ended);

  EventStreams* owner_;
  std::string run_id_;
  std::string client_;
  uint64_t seen_version_;
  bool sent_first_ = false;
  bool ended_ = false;
  absl::Time last_sent_ = absl::InfinitePast();
};

class EventStreams {
 public:
  EventStreams(SqliteStore* store, RunNotifier* notifier, EventStreamOptions options = {});

  // A stream for the run, opened by `client` (its IP address; tests may leave it empty).
  // NOT_FOUND for an unknown run, RESOURCE_EXHAUSTED when max_streams are open or
  // max_streams_per_client are open for `client`, UNAVAILABLE after Stop.
  absl::StatusOr<std::unique_ptr<EventStream>> Open(const std::string& run_id,
                                                    const std::string& client = "");
  // Ends every open stream (their Next returns nullopt promptly) and refuses new ones.
  void Stop();
  int open_streams() const;
  int open_streams_from(const std::string& client) const;

 private:
  friend class EventStream;
  void Release(const std::string& run_id, const std::string& client);

  SqliteStore* store_;
  RunNotifier* notifier_;
  EventStreamOptions options_;
  absl::Notification stopping_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> open_by_run_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> open_by_client_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HTTP_EVENTS_H_
