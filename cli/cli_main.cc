// actiscope: command-line access to an actiscope-server's runs (see commands.h and README.md).
// Wiring only: flags to options, a channel to the server, then the subcommand.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "common/client_connection.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "actiscope-server gRPC address: HOST:PORT, grpc://HOST:PORT (plaintext) or "
          "grpcs://HOST:PORT (TLS); HOST:PORT uses TLS when --tls_ca or --tls_cert is set");
ABSL_FLAG(std::string, token_file, "",
          "file whose first line is the bearer token (role read, or ingest for sync); empty "
          "reads $ACTISCOPE_TOKEN");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CA that signed the server's certificate; empty with grpcs:// uses the "
          "system's roots");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate, for a server requiring mutual TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls_cert");
ABSL_FLAG(bool, json, false, "Print machine-readable JSON (shapes in cli/README.md)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "Deadline of each RPC; for sync, of the whole delivery");
ABSL_FLAG(std::string, kind, "activation", "heatmap: activation, gradient or weight");
ABSL_FLAG(int, columns, 0, "heatmap: at most this many columns; 0 fits the terminal");
ABSL_FLAG(int64_t, from, 0, "heatmap: first step (inclusive)");
ABSL_FLAG(std::optional<int64_t>, to, std::nullopt,
          "heatmap: last step (inclusive); unset means the last stored step");
ABSL_FLAG(int, rank, -1, "heatmap: one rank only; negative merges all ranks");
ABSL_FLAG(int, rows, 20, "heatmap: text rows of the picture (two bins per row)");
ABSL_FLAG(std::vector<std::string>, names, {}, "scalars: comma-separated names; empty means all");
ABSL_FLAG(uint32_t, limit, 0,
          "runs: list at most this many, newest first; 0 means the server's default");

namespace {

// The terminal's width: the tty's, else $COLUMNS, else 100.
int TerminalWidth() {
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  int columns = 0;
  const char* env = std::getenv("COLUMNS");
  if (env != nullptr && absl::SimpleAtoi(env, &columns) && columns > 0) return columns;
  return 100;
}

// Reads the token into `connection` and makes the channel.
absl::Status Connect(const grpc::ChannelArguments& args, actiscope::ConnectionOptions* connection,
                     std::shared_ptr<grpc::Channel>* channel) {
  ACTISCOPE_ASSIGN_OR_RETURN(connection->token,
                             actiscope::ResolveToken(absl::GetFlag(FLAGS_token_file)));
  ACTISCOPE_ASSIGN_OR_RETURN(*channel, actiscope::MakeChannel(*connection, args));
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "actiscope [--server=ADDRESS] [--token_file=FILE] [--tls_ca=PEM] [--json] runs | show RUN | "
      "heatmap RUN LAYER | "
      "scalars RUN | watch RUN | alerts RUN | sync DIR");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::vector<std::string> positional(args.begin() + 1, args.end());

  actiscope::cli::CommandOptions options;
  options.connection.address = absl::GetFlag(FLAGS_server);
  options.connection.tls_ca_file = absl::GetFlag(FLAGS_tls_ca);
  options.connection.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.connection.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.timeout = absl::GetFlag(FLAGS_timeout);
  options.json = absl::GetFlag(FLAGS_json);
  options.terminal_width = TerminalWidth();
  options.heatmap_rows = absl::GetFlag(FLAGS_rows);

  actiscope::cli::CommandFlags flags;
  flags.heatmap.kind = absl::GetFlag(FLAGS_kind);
  flags.heatmap.columns = absl::GetFlag(FLAGS_columns);
  flags.heatmap.from_step = absl::GetFlag(FLAGS_from);
  flags.heatmap.to_step = absl::GetFlag(FLAGS_to);
  flags.heatmap.rank = absl::GetFlag(FLAGS_rank);
  flags.scalar_names = absl::GetFlag(FLAGS_names);
  flags.runs_limit = absl::GetFlag(FLAGS_limit);

  grpc::ChannelArguments channel_args;
  std::shared_ptr<grpc::Channel> channel;
  channel_args.SetMaxReceiveMessageSize(256 << 20);
  absl::Status status = Connect(channel_args, &options.connection, &channel);
  if (status.ok()) {
    auto query = actiscope::v1::Query::NewStub(channel);
    actiscope::cli::Commands commands(query.get(), options, &std::cout);
    status = actiscope::cli::RunCommand(positional, flags, &commands);
  }
  std::cout.flush();
  if (!status.ok()) {
    // The gRPC code goes on the first line; a usage text may follow.
    const absl::string_view message = status.message();
    const size_t end = std::min(message.find('\n'), message.size());
    std::cerr << "actiscope: " << message.substr(0, end) << " ("
              << absl::StatusCodeToString(status.code()) << ")" << message.substr(end) << "\n";
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
