// The `actiscope` subcommands: each calls the Query service and writes text or JSON to an
// output stream. cli_main.cc parses flags and hands the positional arguments to RunCommand.
//
//   runs                      ListRuns
//   show RUN                  GetRun
//   heatmap RUN LAYER         GetHeatmap (terminal picture, or JSON)
//   scalars RUN               GetScalars
//   watch RUN                 WatchRun, one line per update until the run ends
//   sync DIR                  Collector.Push: resends a reporter's spool (client SyncSpool)
//
// Every RPC has a deadline (CommandOptions::timeout; `watch` uses watch_timeout for its stream).
// RPC failures come back as absl::Status with the gRPC code and a message a user can act on
// ("cannot reach server at HOST:PORT: ...; is actiscope-server running?").
//
// Thread-safety: a Commands object is used by one thread.
#ifndef ACTISCOPE_CLI_COMMANDS_H_
#define ACTISCOPE_CLI_COMMANDS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "actiscope/client/reporter.h"
#include "actiscope/v1/query.grpc.pb.h"
#include "common/client_connection.h"
#include "grpcpp/grpcpp.h"

namespace actiscope::cli {

struct CommandOptions {
  // How to reach the server (common/client_connection.h): `sync` connects with it, every call
  // carries its token (the Query stub passed to Commands is connected by the caller,
  // cli_main.cc, with the same options), and error messages name its address.
  ConnectionOptions connection;
  absl::Duration timeout = absl::Seconds(10);
  absl::Duration watch_timeout = absl::Hours(24);
  bool json = false;
  int terminal_width = 100;
  int heatmap_rows = 20;
};

struct HeatmapArgs {
  std::string run_id;
  std::string layer;
  std::string kind = "activation";
  int columns = 0;  // Zero: fit the terminal (text) or the server's default (JSON).
  int64_t from_step = 0;
  std::optional<int64_t> to_step;  // Unset: to the last stored step; 0 is step 0.
  int rank = -1;                   // Negative: all ranks merged.
};

// Converts a failed RPC's status, naming what failed; UNAVAILABLE says the server is not
// reachable at connection.address; authentication and TLS failures get ExplainConnectionError's
// hint.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what,
                      const ConnectionOptions& connection);

class Commands {
 public:
  // `query` and `out` must outlive this object.
  Commands(v1::Query::StubInterface* query, CommandOptions options, std::ostream* out);

  // The newest `limit` runs (zero: the server's default).
  absl::Status Runs(uint32_t limit = 0);
  absl::Status Show(const std::string& run_id);
  absl::Status Heatmap(const HeatmapArgs& args);
  // `names` empty means every scalar.
  absl::Status Scalars(const std::string& run_id, const std::vector<std::string>& names);
  absl::Status Watch(const std::string& run_id);
  // The run's alerts (Query.ListAlerts), one per line or, with json, an array.
  absl::Status Alerts(const std::string& run_id);
  // Delivers the spool in `dir` to the server within `timeout` and prints how many frames
  // were acknowledged. What was not delivered stays in the spool (rerun to resume).
  absl::Status Sync(const std::string& dir);

 private:
  // Sets the call's deadline and attaches the token.
  void PrepareCall(grpc::ClientContext* context, absl::Duration timeout) const;
  // The client library's options for SyncSpool of `dir` over options_.connection.
  client::ReporterOptions SyncOptions(const std::string& dir) const;

  v1::Query::StubInterface* query_;
  CommandOptions options_;
  std::ostream* out_;
};

// Flags of the subcommands that take more than positional arguments.
struct CommandFlags {
  HeatmapArgs heatmap;  // run_id and layer are taken from the positionals.
  std::vector<std::string> scalar_names;
  uint32_t runs_limit = 0;  // runs: how many; zero means the server's default.
};

// Runs the subcommand named by positional[0] (positional excludes the program name).
// INVALID_ARGUMENT with a usage line for an unknown command or wrong argument count.
absl::Status RunCommand(const std::vector<std::string>& positional, const CommandFlags& flags,
                        Commands* commands);

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_COMMANDS_H_
