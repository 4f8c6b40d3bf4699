// ReaderPool: the store's query connections, at most `max_connections` open at once. A query
// leases one (Acquire) and gives it back when the lease is destroyed; while all are leased, a
// caller waits up to `max_wait` for one, then gets RESOURCE_EXHAUSTED. Connections are opened
// on demand and kept open once opened, so the pool holds at most `max_connections` SQLite
// connections (each with its page cache, PRAGMA cache_size in sqlite_handle.cc) at any time.
// SqliteStore owns one; the HTTP and gRPC query handlers are its callers.
//
// Thread-safety: all methods are safe to call concurrently; a Lease is used by one thread.
#ifndef ACTISCOPE_SERVER_STORE_READER_POOL_H_
#define ACTISCOPE_SERVER_STORE_READER_POOL_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/sqlite_handle.h"

namespace actiscope::server {

class ReaderPool {
 public:
  using Opener = std::function<absl::StatusOr<std::unique_ptr<Connection>>()>;

  // A leased connection; returned to its pool when destroyed. Move-only.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->Release(std::move(conn_));
    }
    Connection* get() const { return conn_.get(); }
    Connection* operator->() const { return conn_.get(); }

   private:
    friend class ReaderPool;
    Lease(ReaderPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ReaderPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // `open` makes a new query connection. `max_connections` >= 1; `max_wait` may be zero (no
  // waiting). The pool must outlive its leases.
  ReaderPool(Opener open, int max_connections, absl::Duration max_wait);

  // An idle connection, or a new one while fewer than max_connections are open; otherwise
  // waits up to max_wait for one to be returned. RESOURCE_EXHAUSTED naming the limit (and its
  // actiscope-server flag, --read_connections) when none came back in time; the opener's error
  // when opening fails.
  absl::StatusOr<Lease> Acquire();

  // Connections open now, leased or idle (at most max_connections).
  int open_connections() const;

 private:
  void Release(std::unique_ptr<Connection> conn);

  const Opener opener_;
  const int max_connections_;
  const absl::Duration max_wait_;

  mutable absl::Mutex mu_;
  // Open connections, leased or idle, counting those being opened.
  int open_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_READER_POOL_H_
