// HttpApi: the JSON API of actiscope-server's HTTP side, mirroring the Query RPCs. It turns a
// GET request target into SqliteStore calls and the result into JSON (common/json_writer.h).
// HttpServer (server/http/http_server.h) routes "/api/..." here; tests call Get directly.
//
// Routes (all GET; documented with their JSON shapes in web/README.md):
//   /api/limits                                     the store's QueryLimits and the defaults
//   /api/runs?name=&limit=                          runs, newest first, each with its
//                                                   alert count ("alerts")
//   /api/runs/{id}                                  one run + layers + scalar names
//   /api/runs/{id}/heatmap?layer=&kind=&from=&to=&columns=&rank=
//   /api/runs/{id}/scalars?names=a,b&from=&to=&points=
//   /api/runs/{id}/alerts                           the run's alerts (server/http/alerts_json.h)
// (/api/runs/{id}/events, the Server-Sent Events stream, lives in server/http/http_events.h.)
// Parameters are parsed and validated once (server/http/query_params.h) into the same queries,
// with the same meanings and limits, as the Query RPCs.
// Errors are {"error": "..."} with a 4xx/5xx status (HttpStatusFor); nothing throws.
//
// Thread-safety: Get may be called concurrently (SqliteStore is thread-safe).
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_API_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_API_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/json_writer.h"
#include "server/http/http_request.h"
#include "server/store/sqlite_store.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// The API's Content-Type. cpp-httplib 0.11 compresses "application/json" (exactly that
// string) with brotli at quality 11, which costs about a second per 300 KB heatmap; with the
// charset parameter it sends the JSON as it is, which is what a local tool wants.
inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";

struct HttpReply {
  int status = 200;
  std::string content_type = kJsonContentType;
  std::string body;
};

class HttpApi {
 public:
  // `store` must outlive the API.
  explicit HttpApi(SqliteStore* store);

  // Answers a GET for `target`, the raw request target ("/api/runs?name=x").
  HttpReply Get(absl::string_view target) const;

 private:
  HttpReply Limits() const;
  HttpReply ListRuns(const ParsedTarget& request) const;
  HttpReply ShowRun(const std::string& run_id) const;
  HttpReply Heatmap(const std::string& run_id, const ParsedTarget& request) const;
  HttpReply Scalars(const std::string& run_id, const ParsedTarget& request) const;
  HttpReply Alerts(const std::string& run_id) const;
  // Writes the run's most recent value of each scalar as {"name": {"step", "value"}}: the
  // last of the scalars within QueryLimits::max_scalar_points steps of the run's last step.
  void WriteLatestScalars(const RunInfo& run, JsonWriter* json) const;

  SqliteStore* store_;
};

// The one mapping from absl::Status to an HTTP status code.
int HttpStatusFor(const absl::Status& status);
// {"error": message} with HttpStatusFor(status).
HttpReply ErrorReply(const absl::Status& status);

// Run fields shared by the list, the detail and the event stream (without the braces).
void WriteRunFields(const RunInfo& run, JsonWriter* json);
const char* RunStatusName(RunStatus status);
const char* KindName(Kind kind);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HTTP_API_H_
