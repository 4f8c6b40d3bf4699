// StreamAdmission: how many long-lived streams of one kind (Push, or WatchRun) the server
// holds, in all and per peer (CallAuthorizer::PeerKey: a token's name and an IP address). Each
// open stream holds a gRPC handler thread, so without these caps a few peers opening streams
// and sending nothing would take every thread from the trainers and readers. Push and WatchRun
// have separate admissions, so watchers cannot starve trainers and the reverse.
//
// A handler calls Admit first; over a cap it ends the call at once with RESOURCE_EXHAUSTED
// naming the limit and its actiscope-server flag. The Ticket it gets back counts the stream
// until destroyed. With an idle timeout, a ticket whose stream has not called Touch for that
// long has its call cancelled (ServerContext::TryCancel) by the admission's watchdog thread,
// which frees the thread and the slot; the client reconnects and resends what was not acked.
//
// Thread-safety: all methods may be called concurrently; a Ticket is used by its handler.
#ifndef ACTISCOPE_SERVER_GRPC_STREAM_ADMISSION_H_
#define ACTISCOPE_SERVER_GRPC_STREAM_ADMISSION_H_

#include <grpcpp/server_context.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace actiscope::server {

struct StreamLimits {
  std::string what;  // "Push", "WatchRun": names the streams in errors.
  int max_streams = 256;
  int max_streams_per_peer = 32;
  std::string max_streams_flag;  // "--max_push_streams", named in the error.
  std::string max_streams_per_peer_flag;
  // A stream without Touch for this long is cancelled; zero: never.
  absl::Duration idle_timeout = absl::ZeroDuration();
};

class StreamAdmission {
 public:
  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    // The stream did something (received a request): its idle clock restarts.
    void Touch();

   private:
    friend class StreamAdmission;
    Ticket(StreamAdmission* owner, std::string peer, grpc::ServerContext* context);
    StreamAdmission* const owner_;
    const std::string peer_;
    grpc::ServerContext* const context_;
  };

  explicit StreamAdmission(StreamLimits limits);
  ~StreamAdmission();  // Stops the watchdog; every Ticket must be gone.
  StreamAdmission(const StreamAdmission&) = delete;
  StreamAdmission& operator=(const StreamAdmission&) = delete;

  // A ticket for a new stream of `peer` on `context` (which must outlive the ticket; may be
  // null without an idle timeout), or RESOURCE_EXHAUSTED naming the limit reached and its flag.
  absl::StatusOr<std::unique_ptr<Ticket>> Admit(const std::string& peer,
                                                grpc::ServerContext* context);

  int open() const;
  int open_from(const std::string& peer) const;

 private:
  void Release(Ticket* ticket);
  void Touch(Ticket* ticket);
  void Watch();

  const StreamLimits limits_;
  mutable absl::Mutex mu_;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> by_peer_ ABSL_GUARDED_BY(mu_);
  // Open tickets and when each was last touched.
  absl::flat_hash_map<Ticket*, absl::Time> last_activity_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watchdog_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_STREAM_ADMISSION_H_
