#include "cli/commands.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "actiscope/client/reporter.h"
#include "cli/alerts_output.h"
#include "cli/json_output.h"
#include "cli/terminal_heatmap.h"
#include "cli/text_output.h"
#include "cli/wire_names.h"
#include "common/grpc_status.h"
#include "common/json_writer.h"
#include "common/status_macros.h"

namespace actiscope::cli {

namespace {

constexpr char kUsage[] =
    "usage: actiscope [--server=HOST:PORT] [--json] COMMAND\n"
    "  runs\n"
    "  show RUN\n"
    "  heatmap RUN LAYER [--kind=activation|gradient|weight] [--columns=N] [--from=S] [--to=S] "
    "[--rank=R]\n"
    "  scalars RUN [--names=a,b]\n"
    "  watch RUN\n"
    "  alerts RUN\n"
    "  sync DIR";

bool Ended(v1::RunStatus status) {
  return status == v1::RUN_STATUS_FINISHED || status == v1::RUN_STATUS_FAILED;
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what,
                      const ConnectionOptions& connection) {
  const std::string& server = connection.address;
  absl::Status converted = ExplainConnectionError(FromGrpcStatus(status, what), connection);
  if (absl::IsUnavailable(converted)) {
    return absl::UnavailableError(absl::StrCat("cannot reach server at ", server, ": ",
                                               converted.message(),
                                               "; is actiscope-server running?"));
  }
  if (absl::IsDeadlineExceeded(converted)) {
    return absl::DeadlineExceededError(absl::StrCat(
        what, ": server at ", server, " did not answer in time: ", status.error_message()));
  }
  return converted;
}

Commands::Commands(v1::Query::StubInterface* query, CommandOptions options, std::ostream* out)
    : query_(query), options_(std::move(options)), out_(out) {}

void Commands::PrepareCall(grpc::ClientContext* context, absl::Duration timeout) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  AttachToken(options_.connection.token, context);
}

absl::Status Commands::Runs(uint32_t limit) {
  grpc::ClientContext context;
  PrepareCall(&context, options_.timeout);
  v1::ListRunsRequest request;
  request.set_limit(limit);
  v1::ListRunsResponse response;
  ACTISCOPE_RETURN_IF_ERROR(
      FromGrpc(query_->ListRuns(&context, request, &response), "runs", options_.connection));
  *out_ << (options_.json ? RunsJson(response) + "\n" : RunsText(response));
  return absl::OkStatus();
}

absl::Status Commands::Show(const std::string& run_id) {
  grpc::ClientContext context;
  PrepareCall(&context, options_.timeout);
  v1::GetRunRequest request;
  request.set_run_id(run_id);
  v1::RunDetail detail;
  ACTISCOPE_RETURN_IF_ERROR(FromGrpc(query_->GetRun(&context, request, &detail),
                                     absl::StrCat("show ", run_id), options_.connection));
  *out_ << (options_.json ? RunDetailJson(detail) + "\n" : RunDetailText(detail));
  return absl::OkStatus();
}

absl::Status Commands::Heatmap(const HeatmapArgs& args) {
  ACTISCOPE_ASSIGN_OR_RETURN(const v1::Kind kind, ParseKind(args.kind));
  if (args.columns < 0 || args.from_step < 0 || args.to_step.value_or(0) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--columns, --from and --to must not be negative (got ", args.columns, ", ", args.from_step,
        ", ", args.to_step.value_or(0), "); leave --to out for the last step"));
  }
  v1::GetHeatmapRequest request;
  request.set_run_id(args.run_id);
  request.set_layer(args.layer);
  request.set_kind(kind);
  request.set_from_step(args.from_step);
  if (args.to_step.has_value()) request.set_to_step(*args.to_step);
  int columns = args.columns;
  if (!options_.json) {
    // The picture has one character per column: never ask for more than fit.
    const int fit = PlotColumns(options_.terminal_width);
    columns = columns == 0 ? fit : std::min(columns, fit);
  }
  request.set_max_columns(static_cast<uint32_t>(columns));
  if (args.rank >= 0) {
    request.set_has_rank(true);
    request.set_rank(static_cast<uint32_t>(args.rank));
  }
  grpc::ClientContext context;
  PrepareCall(&context, options_.timeout);
  v1::Heatmap heatmap;
  ACTISCOPE_RETURN_IF_ERROR(
      FromGrpc(query_->GetHeatmap(&context, request, &heatmap),
               absl::StrCat("heatmap ", args.run_id, " ", args.layer, " (", args.kind, ")"),
               options_.connection));
  if (options_.json) {
    *out_ << HeatmapJson(heatmap) << "\n";
  } else {
    TerminalHeatmapOptions render;
    render.width = options_.terminal_width;
    render.max_rows = options_.heatmap_rows;
    *out_ << RenderTerminalHeatmap(heatmap, render);
  }
  return absl::OkStatus();
}

absl::Status Commands::Scalars(const std::string& run_id, const std::vector<std::string>& names) {
  v1::GetScalarsRequest request;
  request.set_run_id(run_id);
  for (const std::string& name : names) request.add_names(name);
  grpc::ClientContext context;
  PrepareCall(&context, options_.timeout);
  v1::GetScalarsResponse response;
  ACTISCOPE_RETURN_IF_ERROR(FromGrpc(query_->GetScalars(&context, request, &response),
                                     absl::StrCat("scalars ", run_id), options_.connection));
  *out_ << (options_.json ? ScalarsJson(run_id, response) + "\n" : ScalarsText(response));
  return absl::OkStatus();
}

absl::Status Commands::Alerts(const std::string& run_id) {
  v1::ListAlertsRequest request;
  request.set_run_id(run_id);
  grpc::ClientContext context;
  PrepareCall(&context, options_.timeout);
  v1::ListAlertsResponse response;
  ACTISCOPE_RETURN_IF_ERROR(FromGrpc(query_->ListAlerts(&context, request, &response),
                                     absl::StrCat("alerts ", run_id), options_.connection));
  *out_ << (options_.json ? AlertsJson(response) : AlertsText(response));
  return absl::OkStatus();
}

absl::Status Commands::Watch(const std::string& run_id) {
  grpc::ClientContext context;
  PrepareCall(&context, options_.watch_timeout);
  v1::WatchRunRequest request;
  request.set_run_id(run_id);
  std::unique_ptr<grpc::ClientReaderInterface<v1::RunUpdate>> reader =
      query_->WatchRun(&context, request);
  v1::RunUpdate update;
  bool ended = false;
  while (!ended && reader->Read(&update)) {
    *out_ << (options_.json ? RunUpdateJson(update) + "\n" : RunUpdateText(update));
    out_->flush();
    ended = Ended(update.run().status());
  }
  if (ended) context.TryCancel();
  const grpc::Status status = reader->Finish();
  if (ended) return absl::OkStatus();
  return FromGrpc(status, absl::StrCat("watch ", run_id), options_.connection);
}

client::ReporterOptions Commands::SyncOptions(const std::string& dir) const {
  client::ReporterOptions options;
  options.spool_dir = dir;
  options.server_address = options_.connection.address;
  options.token = options_.connection.token;
  options.tls_ca_file = options_.connection.tls_ca_file;
  options.tls_cert_file = options_.connection.tls_cert_file;
  options.tls_key_file = options_.connection.tls_key_file;
  return options;
}

absl::Status Commands::Sync(const std::string& dir) {
  ACTISCOPE_ASSIGN_OR_RETURN(const client::SyncReport report,
                             client::SyncSpoolWithReport(SyncOptions(dir), options_.timeout));
  if (options_.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("dir");
    json.String(dir);
    json.Key("server");
    json.String(options_.connection.address);
    json.Key("frames_delivered");
    json.Uint(report.frames_acked);
    json.Key("frames_rejected");
    json.Uint(report.frames_rejected);
    json.Key("frames_dropped");
    json.Uint(report.frames_dropped);
    json.Key("frames_left_to_live_writers");
    json.Uint(report.frames_of_live_writers);
    json.EndObject();
    *out_ << json.text() << "\n";
  } else {
    *out_ << "delivered " << report.frames_acked << " frames from " << dir << " to "
          << options_.connection.address << "\n";
    if (report.frames_rejected > 0) {
      *out_ << "rejected " << report.frames_rejected
            << " frames the collector refused for good (the reasons are logged above)\n";
    }
    if (report.frames_dropped > 0) {
      *out_ << "lost " << report.frames_dropped << " frames in damaged spool records\n";
    }
    if (report.frames_of_live_writers > 0) {
      *out_ << "left " << report.frames_of_live_writers
            << " frames of processes still running; they deliver them themselves\n";
    }
  }
  return absl::OkStatus();
}

absl::Status RunCommand(const std::vector<std::string>& positional, const CommandFlags& flags,
                        Commands* commands) {
  auto want = [&](size_t args) -> absl::Status {
    if (positional.size() == args + 1) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        positional[0], " takes ", args, " argument(s), got ", positional.size() - 1, "\n", kUsage));
  };
  if (positional.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no command given\n", kUsage));
  }
  const std::string& command = positional[0];
  if (command == "runs") {
    ACTISCOPE_RETURN_IF_ERROR(want(0));
    return commands->Runs(flags.runs_limit);
  }
  if (command == "show") {
    ACTISCOPE_RETURN_IF_ERROR(want(1));
    return commands->Show(positional[1]);
  }
  if (command == "heatmap") {
    ACTISCOPE_RETURN_IF_ERROR(want(2));
    HeatmapArgs args = flags.heatmap;
    args.run_id = positional[1];
    args.layer = positional[2];
    return commands->Heatmap(args);
  }
  if (command == "scalars") {
    ACTISCOPE_RETURN_IF_ERROR(want(1));
    return commands->Scalars(positional[1], flags.scalar_names);
  }
  if (command == "watch") {
    ACTISCOPE_RETURN_IF_ERROR(want(1));
    return commands->Watch(positional[1]);
  }
  if (command == "alerts") {
    ACTISCOPE_RETURN_IF_ERROR(want(1));
    return commands->Alerts(positional[1]);
  }
  if (command == "sync") {
    ACTISCOPE_RETURN_IF_ERROR(want(1));
    return commands->Sync(positional[1]);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown command \"", command, "\"\n", kUsage));
}

}  // namespace actiscope::cli
