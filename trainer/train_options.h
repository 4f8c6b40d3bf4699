// Everything one training run is configured with, and the parsers for the flag strings that
// train_main.cc turns into it. Plain data, no LibTorch, so the parsers test quickly.
//
// Flow: train_main.cc (flags) -> TrainOptions -> Train() in trainer.h.
// Thread-safety: plain values; the parsers are pure functions.
#ifndef ACTISCOPE_TRAINER_TRAIN_OPTIONS_H_
#define ACTISCOPE_TRAINER_TRAIN_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/bin_layout.h"

namespace actiscope::trainer {

enum class ModelKind { kResNet18, kSmallCnn };
enum class OptimizerKind { kAdamOneCycle, kSgd };
enum class DeviceChoice { kAuto, kCpu, kCuda };

struct ProbeOptions {
  // False: no probes at all (the uninstrumented baseline, --probes=none).
  bool enabled = true;
  // Probed module names (the model's stage names, or block names such as "conv2_x.0"). Empty
  // means the model's stages except the head: for ResNet-18 the seed's conv1, conv2_x .. conv5_x.
  std::vector<std::string> modules;
  bool all = false;  // Probe every module the model reports, blocks and head included.
  bool activations = true;
  bool gradients = false;  // Gradient of the loss with respect to each probed module's output.
  bool weights = false;    // Each probed module's weight tensors (biases and BatchNorm excluded).
  // The bin layout of each kind (common/bin_layout.h, the client's and the store's type too).
  // Defaults follow fastai's ActivationStats preset for activations (the stages end in ReLU) and
  // symmetric ranges for gradients and weights, sized for per-sample-mean losses and Kaiming init.
  BinLayout activation_bins;  // 40 linear bins over [0, 10).
  BinLayout gradient_bins{BinScale::kLinear, 40, -1e-3, 1e-3};
  BinLayout weight_bins{BinScale::kLinear, 40, -0.5, 0.5};
  int64_t every = 1;  // Record on steps where step % every == 0.
};

struct DistributedOptions {
  uint32_t world_size = 1;
  uint32_t rank = 0;
  std::string master_addr = "127.0.0.1";
  uint16_t master_port = 29500;
};

struct TrainOptions {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  ModelKind model = ModelKind::kResNet18;
  int64_t width = 64;  // Base channel count (ResNet-18's is 64).
  int64_t epochs = 3;
  int64_t max_steps = 0;  // Zero means no limit; otherwise stop after this many steps.
  // Testing the alert detectors: this step's input batch gets a NaN in its first image
  // (-1: never).
  int64_t inject_nan_at = -1;
  int64_t batch_size = 64;  // Per rank.
  int64_t train_limit = 0;  // Zero means the whole training set; otherwise its first N (shuffled).
  int64_t test_limit = 0;   // Zero means the whole test set.
  uint64_t seed = 1;

  OptimizerKind optimizer = OptimizerKind::kAdamOneCycle;
  double lr = 1e-2;  // Peak learning rate of the one-cycle schedule, or SGD's constant rate.
  double sgd_momentum = 0.9;
  // Per-stage learning rates (discriminative). Empty: every stage uses `lr`. A stage not named
  // here uses `lr` as well. Peaks of the one-cycle schedule when the optimizer is Adam.
  std::map<std::string, double> lr_groups;
  // Both > 0 (and lr_groups empty): per-stage rates geometric from lr_min (first stage) to
  // lr_max (head).
  double lr_min = 0;
  double lr_max = 0;

  ProbeOptions probes;
  // The per-step scalars (loss, lr) go out on steps where step % scalar_every == 0; zero sends
  // only the per-epoch ones (train_loss, test_error_rate, test_accuracy).
  int64_t scalar_every = 1;
  // Also evaluate on the test set (its first test_limit images) after every eval_every steps and
  // send "test_error_rate" at that step; zero: only at each epoch's end. Evaluation time is not
  // counted in steps_per_second.
  int64_t eval_every = 0;
  // The run's id (RunOptions::run_id's form); empty: the client library picks a unique one.
  // Ranks other than 0 report into rank 0's run whatever this says.
  std::string run_id;
  std::string run_name;
  std::string server = "127.0.0.1:50051";  // ReporterOptions::server_address's forms.
  // ReporterOptions' token_file and TLS files (empty token_file: $ACTISCOPE_TOKEN).
  std::string token_file;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // SCHEME://HOST:PORT of the page, for the printed link.
  std::string http_address;
  bool offline = false;   // Spool only; `actiscope sync` delivers later.
  std::string spool_dir;  // Empty: the client library's default.
  DeviceChoice device = DeviceChoice::kAuto;
  DistributedOptions distributed;
  // LibTorch intra-op threads; zero: IntraOpThreads' default.
  int threads = 0;
  // Directory of the run's checkpoints (trainer/checkpoint.h); empty: none are written or read.
  std::string checkpoint_dir;
  // Rank 0 saves a checkpoint after every checkpoint_every steps and at the end of training;
  // zero: at the end only. Needs checkpoint_dir.
  int64_t checkpoint_every = 0;
  // Continue from the newest checkpoint in checkpoint_dir (its run id, name and state); a fresh
  // start when it holds none. Needs checkpoint_dir.
  bool resume = false;
  bool progress_tty = false;  // Draw a progress bar instead of periodic lines.
  absl::Duration progress_interval = absl::Seconds(10);  // Between periodic lines.
};

// "resnet18" | "small_cnn".
absl::StatusOr<ModelKind> ParseModelKind(absl::string_view text);
// "adam_one_cycle" | "sgd".
absl::StatusOr<OptimizerKind> ParseOptimizerKind(absl::string_view text);
// "auto" | "cpu" | "cuda".
absl::StatusOr<DeviceChoice> ParseDeviceChoice(absl::string_view text);

// "conv1=1e-6,conv2_x=1e-6,head=1e-2" -> {conv1: 1e-6, ...}. Names must be unique and rates
// finite and > 0; INVALID_ARGUMENT naming the offending entry otherwise. Empty text: empty map.
absl::StatusOr<std::map<std::string, double>> ParseLrGroups(absl::string_view text);

// Rates spread geometrically from lr_min (first stage) to lr_max (last stage).
// INVALID_ARGUMENT unless 0 < lr_min <= lr_max and `stages` is not empty.
absl::StatusOr<std::map<std::string, double>> GeometricLrGroups(
    const std::vector<std::string>& stages, double lr_min, double lr_max);

// "LO,HI" with finite LO < HI.
absl::StatusOr<std::pair<double, double>> ParseRange(absl::string_view text);

// "conv1,conv2_x" -> those names; "" -> the model's default stages; "none" -> probes disabled.
void ParseProbeList(absl::string_view text, ProbeOptions* opts);

// Sets opts->activations/gradients/weights from "activation,gradient,weight" (at least one).
absl::Status ParseKinds(absl::string_view text, ProbeOptions* opts);

// The CPUs this process may run on: its affinity mask, which taskset and cgroups narrow.
int AvailableCpus();

// LibTorch intra-op threads for one rank: `requested` when positive; otherwise the `cpus` this
// process may run on (AvailableCpus), shared among the ranks of a run whose rendezvous is on
// this machine (a loopback master_addr, common/loopback.h), at least 1. LibTorch's own default is
// one thread per core its cpuinfo finds, which is 1 on some virtual machines: training there would
// leave every other core idle.
int IntraOpThreads(int requested, int cpus, const DistributedOptions& distributed);

// The run spec's config map: every hyperparameter as text.
std::map<std::string, std::string> ConfigMap(const TrainOptions& options);

// OK when a run with ConfigMap `config` may resume a checkpoint written with `saved`: they agree
// on every entry that shapes the training trajectory (model, width, dataset, epochs, max_steps,
// batch_size, train_limit, seed, optimizer and rates, world_size); telemetry settings, test_limit
// and threads may differ. FAILED_PRECONDITION naming the first entry that differs otherwise.
absl::Status CheckResumableConfig(const std::map<std::string, std::string>& saved,
                                  const std::map<std::string, std::string>& config);

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_TRAIN_OPTIONS_H_
