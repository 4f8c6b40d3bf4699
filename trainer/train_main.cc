// actiscope-train: trains ResNet-18 (or a small CNN) on Fashion-MNIST / MNIST IDX files and
// streams activation, gradient and weight histograms to an actiscope server. Flags only; the
// run itself is Train() in trainer.h.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "trainer/train_options.h"
#include "trainer/trainer.h"

ABSL_FLAG(std::string, data_dir, "/usr/share/datasets/fashion-mnist",
          "Directory with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]");
ABSL_FLAG(std::string, model, "resnet18", "resnet18 | small_cnn");
ABSL_FLAG(int64_t, width, 64, "Base channel count (ResNet-18: 64)");
ABSL_FLAG(int64_t, epochs, 3, "Passes over the (limited) training set");
ABSL_FLAG(int64_t, max_steps, 0, "Stop after this many steps (0: no limit); evaluates at the stop");
ABSL_FLAG(int64_t, inject_nan_at, -1,
          "Put a NaN into the first image of this step's input batch (-1: never), to see how "
          "non-finite values show up and spread");
ABSL_FLAG(int64_t, batch_size, 64, "Images per step and rank");
ABSL_FLAG(int64_t, train_limit, 0, "Train on a seeded random subset of this size (0: all)");
ABSL_FLAG(int64_t, test_limit, 0, "Evaluate on the first N test images (0: all)");
ABSL_FLAG(uint64_t, seed, 1, "Seed for initialization and shuffling");
ABSL_FLAG(std::string, optimizer, "adam_one_cycle", "adam_one_cycle | sgd (constant rate)");
ABSL_FLAG(double, lr, 1e-2, "Peak learning rate (one-cycle) or SGD's rate");
ABSL_FLAG(double, momentum, 0.9, "SGD momentum");
ABSL_FLAG(std::string, lr_groups, "",
          "Per-stage peak rates, e.g. conv1=1e-6,conv2_x=1e-6,head=1e-2");
ABSL_FLAG(double, lr_min, 0, "With --lr_max: rates geometric from the first stage to the head");
ABSL_FLAG(double, lr_max, 0, "See --lr_min");
ABSL_FLAG(std::string, probes, "",
          "Probed modules (default: the model's stages without the head); none: no probes");
ABSL_FLAG(bool, probe_all, false, "Probe every module the model reports (blocks and head too)");
ABSL_FLAG(std::string, kinds, "activation", "Comma list of activation, gradient, weight");
ABSL_FLAG(uint32_t, bins, 40, "Bins per histogram");
ABSL_FLAG(std::string, range, "0,10", "Activation range LO,HI (linear bins)");
ABSL_FLAG(std::string, grad_range, "-1e-3,1e-3", "Gradient range LO,HI (linear bins)");
ABSL_FLAG(std::string, weight_range, "-0.5,0.5", "Weight range LO,HI (linear bins)");
ABSL_FLAG(std::string, bin_mode, "linear",
          "linear | log (every kind: |x| log-spaced over [--log_lo, --log_hi))");
ABSL_FLAG(double, log_lo, 1e-8, "Lowest magnitude of --bin_mode=log");
ABSL_FLAG(double, log_hi, 1e4, "Highest magnitude of --bin_mode=log");
ABSL_FLAG(int64_t, every, 1, "Record histograms every N steps");
ABSL_FLAG(int64_t, scalar_every, 1, "Report loss and lr every N steps (0: per-epoch scalars only)");
ABSL_FLAG(int64_t, eval_every, 0,
          "Also report test_error_rate after every N steps (0: at each epoch's end only)");
ABSL_FLAG(std::string, run_id, "",
          "Run id, 1-64 chars of [A-Za-z0-9._-] (empty: a unique one is generated)");
ABSL_FLAG(std::string, run_name, "", "Human-readable run name");
ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "Collector gRPC address: HOST:PORT, grpc://HOST:PORT (plaintext) or grpcs://HOST:PORT "
          "(TLS); HOST:PORT uses TLS when --tls_ca or --tls_cert is set");
ABSL_FLAG(std::string, token_file, "",
          "File whose first line is the collector's bearer token (role ingest); empty reads "
          "$ACTISCOPE_TOKEN");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CA that signed the collector's certificate; empty with grpcs:// uses "
          "the system's roots");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate, for a collector requiring mutual TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls_cert");
ABSL_FLAG(std::string, http, "",
          "The server's HTTP address for the printed link (default HOST:8080)");
ABSL_FLAG(bool, offline, false,
          "Only spool (needs --spool_dir); deliver later with actiscope sync");
ABSL_FLAG(std::string, spool_dir, "", "Disk spool directory for undelivered histograms");
ABSL_FLAG(std::string, device, "auto", "auto | cpu | cuda");
ABSL_FLAG(int, threads, 0,
          "LibTorch intra-op threads (0: the CPUs this process may use, shared among the ranks "
          "when --master_addr is loopback)");
ABSL_FLAG(std::string, checkpoint_dir, "",
          "Directory for checkpoints (model, optimizer, data order, step; the newest two are "
          "kept). Empty: none. Without --resume it must hold no checkpoints");
ABSL_FLAG(int64_t, checkpoint_every, 0,
          "Checkpoint every N steps and at the end of training (0: at the end only)");
ABSL_FLAG(absl::Duration, progress_interval, absl::Seconds(10),
          "Without a terminal: print a progress line at most this often (e.g. 500ms, 1m)");
ABSL_FLAG(bool, resume, false,
          "Continue the run of the newest checkpoint in --checkpoint_dir (its run id and name, "
          "from its step, with the same flags); none there: start a fresh run");
ABSL_FLAG(uint32_t, world_size, 1, "Number of data-parallel processes");
ABSL_FLAG(uint32_t, rank, 0, "This process's rank in [0, world_size)");
ABSL_FLAG(std::string, master_addr, "127.0.0.1", "Rank 0's address for the rendezvous");
ABSL_FLAG(uint32_t, master_port, 29500, "Rank 0's rendezvous port");

namespace actiscope::trainer {
namespace {

absl::Status SetRange(const std::string& text, BinLayout* bins) {
  auto range = ParseRange(text);
  if (!range.ok()) return range.status();
  bins->lo = range->first;
  bins->hi = range->second;
  return absl::OkStatus();
}

absl::StatusOr<TrainOptions> OptionsFromFlags() {
  TrainOptions o;
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  auto model = ParseModelKind(absl::GetFlag(FLAGS_model));
  auto optimizer = ParseOptimizerKind(absl::GetFlag(FLAGS_optimizer));
  auto device = ParseDeviceChoice(absl::GetFlag(FLAGS_device));
  auto lr_groups = ParseLrGroups(absl::GetFlag(FLAGS_lr_groups));
  for (const absl::Status& s :
       {model.status(), optimizer.status(), device.status(), lr_groups.status()}) {
    if (!s.ok()) return s;
  }
  o.model = *model;
  o.optimizer = *optimizer;
  o.device = *device;
  o.lr_groups = *lr_groups;
  o.width = absl::GetFlag(FLAGS_width);
  o.epochs = absl::GetFlag(FLAGS_epochs);
  o.max_steps = absl::GetFlag(FLAGS_max_steps);
  o.inject_nan_at = absl::GetFlag(FLAGS_inject_nan_at);
  o.batch_size = absl::GetFlag(FLAGS_batch_size);
  o.train_limit = absl::GetFlag(FLAGS_train_limit);
  o.test_limit = absl::GetFlag(FLAGS_test_limit);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.lr = absl::GetFlag(FLAGS_lr);
  o.sgd_momentum = absl::GetFlag(FLAGS_momentum);
  o.lr_min = absl::GetFlag(FLAGS_lr_min);
  o.lr_max = absl::GetFlag(FLAGS_lr_max);
  ParseProbeList(absl::GetFlag(FLAGS_probes), &o.probes);
  o.probes.all = absl::GetFlag(FLAGS_probe_all);
  if (absl::Status s = ParseKinds(absl::GetFlag(FLAGS_kinds), &o.probes); !s.ok()) return s;
  for (BinLayout* bins :
       {&o.probes.activation_bins, &o.probes.gradient_bins, &o.probes.weight_bins}) {
    bins->bins = absl::GetFlag(FLAGS_bins);
  }
  for (const auto& [flag, bins] :
       {std::make_pair(absl::GetFlag(FLAGS_range), &o.probes.activation_bins),
        std::make_pair(absl::GetFlag(FLAGS_grad_range), &o.probes.gradient_bins),
        std::make_pair(absl::GetFlag(FLAGS_weight_range), &o.probes.weight_bins)}) {
    if (absl::Status s = SetRange(flag, bins); !s.ok()) return s;
  }
  const std::string bin_mode = absl::GetFlag(FLAGS_bin_mode);
  if (bin_mode == "log") {
    for (BinLayout* bins :
         {&o.probes.activation_bins, &o.probes.gradient_bins, &o.probes.weight_bins}) {
      *bins = BinLayout{BinScale::kLogMagnitude, bins->bins, absl::GetFlag(FLAGS_log_lo),
                        absl::GetFlag(FLAGS_log_hi)};
    }
  } else if (bin_mode != "linear") {
    return absl::InvalidArgumentError(
        absl::StrCat("--bin_mode: expected linear or log, got \"", bin_mode, "\""));
  }
  o.probes.every = absl::GetFlag(FLAGS_every);
  o.scalar_every = absl::GetFlag(FLAGS_scalar_every);
  if (o.scalar_every < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--scalar_every must be >= 0, got ", o.scalar_every));
  }
  o.eval_every = absl::GetFlag(FLAGS_eval_every);
  if (o.eval_every < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--eval_every must be >= 0, got ", o.eval_every));
  }
  o.run_id = absl::GetFlag(FLAGS_run_id);
  o.run_name = absl::GetFlag(FLAGS_run_name);
  o.server = absl::GetFlag(FLAGS_server);
  o.token_file = absl::GetFlag(FLAGS_token_file);
  o.tls_ca_file = absl::GetFlag(FLAGS_tls_ca);
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  const size_t scheme_end = o.server.find("://");
  o.http_address = absl::GetFlag(FLAGS_http);
  if (o.http_address.empty()) {
    const std::string host_port =
        scheme_end == std::string::npos ? o.server : o.server.substr(scheme_end + 3);
    o.http_address = absl::StrCat(host_port.substr(0, host_port.rfind(':')), ":8080");
  }
  o.http_address = absl::StrCat("http://", o.http_address);
  o.offline = absl::GetFlag(FLAGS_offline);
  o.spool_dir = absl::GetFlag(FLAGS_spool_dir);
  o.distributed.world_size = absl::GetFlag(FLAGS_world_size);
  o.distributed.rank = absl::GetFlag(FLAGS_rank);
  o.distributed.master_addr = absl::GetFlag(FLAGS_master_addr);
  o.distributed.master_port = static_cast<uint16_t>(absl::GetFlag(FLAGS_master_port));
  o.threads = absl::GetFlag(FLAGS_threads);
  if (o.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--threads must be >= 0, got ", o.threads));
  }
  o.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  o.checkpoint_every = absl::GetFlag(FLAGS_checkpoint_every);
  o.resume = absl::GetFlag(FLAGS_resume);
  if (o.checkpoint_every < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--checkpoint_every must be >= 0, got ", o.checkpoint_every));
  }
  if (o.checkpoint_dir.empty() && (o.checkpoint_every > 0 || o.resume)) {
    return absl::InvalidArgumentError("--checkpoint_every and --resume need --checkpoint_dir");
  }
  o.progress_tty = isatty(STDOUT_FILENO) == 1;
  o.progress_interval = absl::GetFlag(FLAGS_progress_interval);
  if (o.progress_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--progress_interval must be positive, got ",
                                                   absl::FormatDuration(o.progress_interval)));
  }
  return o;
}

int Main() {
  absl::StatusOr<TrainOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "actiscope-train: %s\n", options.status().ToString().c_str());
    return 2;
  }
  absl::StatusOr<TrainResult> result = Train(*options);
  if (!result.ok()) {
    std::fprintf(stderr, "actiscope-train: %s\n", result.status().ToString().c_str());
    return 1;
  }
  std::printf("steps %lld  steps/s %.2f  test_error_rate %.4f  parameter_checksum %.17g\n",
              static_cast<long long>(result->steps), result->steps_per_second,
              result->test_error_rate, result->parameter_checksum);
  std::printf("frames acked %llu, in spool %llu, dropped %llu",
              static_cast<unsigned long long>(result->frames_acked),
              static_cast<unsigned long long>(result->frames_in_spool),
              static_cast<unsigned long long>(result->frames_dropped));
  if (result->frames_acked > 0) {
    std::printf(", %.1f wire bytes per histogram",
                static_cast<double>(result->wire_bytes) / result->frames_acked);
  }
  std::printf("\n");
  std::printf("run_id %s\n  %s/runs/%s\n  actiscope --server=%s show %s\n", result->run_id.c_str(),
              options->http_address.c_str(), result->run_id.c_str(), options->server.c_str(),
              result->run_id.c_str());
  return 0;
}

}  // namespace
}  // namespace actiscope::trainer

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Train ResNet-18 on Fashion-MNIST, streaming histograms to actiscope");
  absl::ParseCommandLine(argc, argv);
  return actiscope::trainer::Main();
}
