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
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "actiscope-server gRPC address, HOST:PORT");
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

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "actiscope [--server=HOST:PORT] [--json] runs | show RUN | heatmap RUN LAYER | "
      "scalars RUN | watch RUN | sync DIR");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::vector<std::string> positional(args.begin() + 1, args.end());

  actiscope::cli::CommandOptions options;
  options.server = absl::GetFlag(FLAGS_server);
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
  channel_args.SetMaxReceiveMessageSize(256 << 20);
  auto channel =
      grpc::CreateCustomChannel(options.server, grpc::InsecureChannelCredentials(), channel_args);
  auto query = actiscope::v1::Query::NewStub(channel);
  actiscope::cli::Commands commands(query.get(), options, &std::cout);
  const absl::Status status = actiscope::cli::RunCommand(positional, flags, &commands);
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
