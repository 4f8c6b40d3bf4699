// actiscope-loadgen: pushes realistic synthetic runs into an actiscope-server and reports the
// ingest rate and ack latency. See load_driver.h for what each client does.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "tests/loadgen/load_driver.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "actiscope-server gRPC address: HOST:PORT, grpc://HOST:PORT or grpcs://HOST:PORT (TLS)");
ABSL_FLAG(std::string, token_file, "",
          "File whose first line is the bearer token (role ingest); empty reads $ACTISCOPE_TOKEN");
ABSL_FLAG(std::string, tls_ca, "", "PEM file of the CA that signed the server's certificate");
ABSL_FLAG(int, clients, 1, "Concurrent client streams, each its own run");
ABSL_FLAG(int, layers, 5, "Layers per run (conv1, conv2_x, ... when <= 5, else layer_N)");
ABSL_FLAG(int64_t, steps, 2000, "Steps per run");
ABSL_FLAG(uint32_t, bins, 40, "Bins per histogram (1-1024)");
ABSL_FLAG(std::string, kinds, "activation", "Comma-separated: activation, gradient, weight");
ABSL_FLAG(int, steps_per_push, 64, "Steps per Push batch");
ABSL_FLAG(std::string, run_prefix, "load", "Run ids are PREFIX-<client>");
ABSL_FLAG(std::string, run_name, "",
          "Display name of the runs (suffixed -<client> when several); empty: the run id");
ABSL_FLAG(std::vector<std::string>, layer_names, {},
          "Comma-separated layer names, one per layer; empty: conv1, conv2_x, ... or layer_N");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the synthetic data");
ABSL_FLAG(std::string, pattern, "drift",
          "drift: every third layer narrows and the last turns NaN/Inf in the last tenth; "
          "healthy: neither (the server flags no alert)");
ABSL_FLAG(int64_t, collapse_at, -1,
          "From this step on the second layer's activations collapse into the bin holding 0 "
          "(a collapse alert); negative: never");
ABSL_FLAG(int64_t, nonfinite_at, -1,
          "At this step only the last layer reports a few NaN/Inf values (a nonfinite alert); "
          "negative: never");
ABSL_FLAG(double, noise, 0.02, "Step-to-step jitter of each distribution, fraction of its spread");
ABSL_FLAG(double, live_rate, 0, "Steps per second per client; 0 sends as fast as possible");
ABSL_FLAG(int, max_in_flight, 8, "Unacknowledged batches per stream");
ABSL_FLAG(bool, prebuild, false, "Build all batches before the clock starts");
ABSL_FLAG(bool, json, false, "Print the report as JSON");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "actiscope-loadgen --server=HOST:PORT --clients=K --layers=L --steps=S --bins=B");
  absl::ParseCommandLine(argc, argv);
  actiscope::loadgen::LoadOptions options;
  options.connection.address = absl::GetFlag(FLAGS_server);
  options.connection.tls_ca_file = absl::GetFlag(FLAGS_tls_ca);
  absl::StatusOr<std::string> token = actiscope::ResolveToken(absl::GetFlag(FLAGS_token_file));
  if (!token.ok()) {
    std::cerr << "actiscope-loadgen: " << token.status().message() << "\n";
    return 2;
  }
  options.connection.token = *std::move(token);
  options.clients = absl::GetFlag(FLAGS_clients);
  options.run.layers = absl::GetFlag(FLAGS_layers);
  options.run.layer_names = absl::GetFlag(FLAGS_layer_names);
  if (!options.run.layer_names.empty() &&
      static_cast<int>(options.run.layer_names.size()) != options.run.layers) {
    std::cerr << "actiscope-loadgen: --layer_names has " << options.run.layer_names.size()
              << " names but --layers is " << options.run.layers << "\n";
    return 2;
  }
  options.run.steps = absl::GetFlag(FLAGS_steps);
  options.run.bins = absl::GetFlag(FLAGS_bins);
  options.run.seed = absl::GetFlag(FLAGS_seed);
  const std::string pattern = absl::GetFlag(FLAGS_pattern);
  if (pattern == "drift") {
    options.run.pattern = actiscope::loadgen::SyntheticPattern::kDrift;
  } else if (pattern == "healthy") {
    options.run.pattern = actiscope::loadgen::SyntheticPattern::kHealthy;
  } else {
    std::cerr << "actiscope-loadgen: unknown --pattern \"" << pattern
              << "\" (want drift, healthy)\n";
    return 2;
  }
  options.run.collapse_step = absl::GetFlag(FLAGS_collapse_at);
  options.run.nonfinite_step = absl::GetFlag(FLAGS_nonfinite_at);
  options.run.noise = absl::GetFlag(FLAGS_noise);
  options.run.kinds.clear();
  for (absl::string_view kind : absl::StrSplit(absl::GetFlag(FLAGS_kinds), ',')) {
    if (kind == "activation") {
      options.run.kinds.push_back(actiscope::v1::KIND_ACTIVATION);
    } else if (kind == "gradient") {
      options.run.kinds.push_back(actiscope::v1::KIND_GRADIENT);
    } else if (kind == "weight") {
      options.run.kinds.push_back(actiscope::v1::KIND_WEIGHT);
    } else {
      std::cerr << "actiscope-loadgen: unknown kind \"" << kind
                << "\" in --kinds (want activation, gradient, weight)\n";
      return 2;
    }
  }
  options.steps_per_push = absl::GetFlag(FLAGS_steps_per_push);
  options.run_prefix = absl::GetFlag(FLAGS_run_prefix);
  options.run_name = absl::GetFlag(FLAGS_run_name);
  options.live_rate_steps_per_s = absl::GetFlag(FLAGS_live_rate);
  options.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  options.prebuild = absl::GetFlag(FLAGS_prebuild);

  absl::StatusOr<actiscope::loadgen::LoadReport> report = actiscope::loadgen::RunLoad(options);
  if (!report.ok()) {
    std::cerr << "actiscope-loadgen: " << report.status().ToString() << "\n";
    return 1;
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << actiscope::loadgen::ReportJson(*report) << "\n";
  } else {
    std::cout << actiscope::loadgen::ReportText(*report);
  }
  return 0;
}
