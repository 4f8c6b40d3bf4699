#include "trainer/train_options.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/loopback.h"

namespace actiscope::trainer {
namespace {

absl::StatusOr<double> ParsePositiveRate(absl::string_view text, absl::string_view what) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected a finite rate > 0, got \"", text, "\""));
  }
  return value;
}

std::string BinsText(const BinLayout& bins) {
  return absl::StrCat(bins.scale == BinScale::kLogMagnitude ? "log" : "linear", ":", bins.bins,
                      ":[", bins.lo, ",", bins.hi, ")");
}

}  // namespace

absl::StatusOr<ModelKind> ParseModelKind(absl::string_view text) {
  if (text == "resnet18") return ModelKind::kResNet18;
  if (text == "small_cnn") return ModelKind::kSmallCnn;
  return absl::InvalidArgumentError(
      absl::StrCat("--model: expected resnet18 or small_cnn, got \"", text, "\""));
}

absl::StatusOr<OptimizerKind> ParseOptimizerKind(absl::string_view text) {
  if (text == "adam_one_cycle") return OptimizerKind::kAdamOneCycle;
  if (text == "sgd") return OptimizerKind::kSgd;
  return absl::InvalidArgumentError(
      absl::StrCat("--optimizer: expected adam_one_cycle or sgd, got \"", text, "\""));
}

absl::StatusOr<DeviceChoice> ParseDeviceChoice(absl::string_view text) {
  if (text == "auto") return DeviceChoice::kAuto;
  if (text == "cpu") return DeviceChoice::kCpu;
  if (text == "cuda") return DeviceChoice::kCuda;
  return absl::InvalidArgumentError(
      absl::StrCat("--device: expected auto, cpu or cuda, got \"", text, "\""));
}

absl::StatusOr<std::map<std::string, double>> ParseLrGroups(absl::string_view text) {
  std::map<std::string, double> groups;
  if (absl::StripAsciiWhitespace(text).empty()) return groups;
  for (absl::string_view entry : absl::StrSplit(text, ',')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    std::string name(absl::StripAsciiWhitespace(kv.first));
    if (name.empty() || kv.second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--lr_groups: expected NAME=RATE, got \"", entry, "\""));
    }
    auto rate = ParsePositiveRate(absl::StripAsciiWhitespace(kv.second),
                                  absl::StrCat("--lr_groups entry ", name));
    if (!rate.ok()) return rate.status();
    if (!groups.emplace(name, *rate).second) {
      return absl::InvalidArgumentError(absl::StrCat("--lr_groups: \"", name, "\" given twice"));
    }
  }
  return groups;
}

absl::StatusOr<std::map<std::string, double>> GeometricLrGroups(
    const std::vector<std::string>& stages, double lr_min, double lr_max) {
  if (stages.empty()) return absl::InvalidArgumentError("--lr_min/--lr_max: no stages");
  if (!(lr_min > 0) || !(lr_max >= lr_min) || !std::isfinite(lr_max)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--lr_min/--lr_max: expected 0 < lr_min <= lr_max, got ", lr_min, " and ", lr_max));
  }
  std::map<std::string, double> groups;
  const double n = static_cast<double>(stages.size() - 1);
  for (size_t i = 0; i < stages.size(); ++i) {
    const double t = n == 0 ? 1.0 : static_cast<double>(i) / n;
    groups[stages[i]] = lr_min * std::pow(lr_max / lr_min, t);
  }
  return groups;
}

absl::StatusOr<std::pair<double, double>> ParseRange(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  double lo = 0;
  double hi = 0;
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &lo) || !absl::SimpleAtod(parts[1], &hi) ||
      !std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
    return absl::InvalidArgumentError(
        absl::StrCat("range: expected LO,HI with finite LO < HI, got \"", text, "\""));
  }
  return std::make_pair(lo, hi);
}

void ParseProbeList(absl::string_view text, ProbeOptions* opts) {
  opts->enabled = text != "none";
  opts->modules.clear();
  if (opts->enabled) opts->modules = absl::StrSplit(text, ',', absl::SkipWhitespace());
}

absl::Status ParseKinds(absl::string_view text, ProbeOptions* opts) {
  opts->activations = opts->gradients = opts->weights = false;
  for (absl::string_view kind : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    if (kind == "activation") {
      opts->activations = true;
    } else if (kind == "gradient") {
      opts->gradients = true;
    } else if (kind == "weight") {
      opts->weights = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--kinds: expected activation, gradient or weight, got \"", kind, "\""));
    }
  }
  if (!opts->activations && !opts->gradients && !opts->weights) {
    return absl::InvalidArgumentError("--kinds: name at least one kind");
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> ConfigMap(const TrainOptions& o) {
  std::map<std::string, std::string> c;
  c["model"] = o.model == ModelKind::kResNet18 ? "resnet18" : "small_cnn";
  c["width"] = absl::StrCat(o.width);
  c["dataset"] = o.data_dir;
  c["epochs"] = absl::StrCat(o.epochs);
  c["max_steps"] = absl::StrCat(o.max_steps);
  if (o.inject_nan_at >= 0) c["inject_nan_at"] = absl::StrCat(o.inject_nan_at);
  c["batch_size"] = absl::StrCat(o.batch_size);
  c["train_limit"] = absl::StrCat(o.train_limit);
  c["test_limit"] = absl::StrCat(o.test_limit);
  c["seed"] = absl::StrCat(o.seed);
  c["optimizer"] = o.optimizer == OptimizerKind::kAdamOneCycle ? "adam_one_cycle" : "sgd";
  c["lr"] = absl::StrCat(o.lr);
  if (o.optimizer == OptimizerKind::kSgd) c["momentum"] = absl::StrCat(o.sgd_momentum);
  if (o.lr_min > 0 || o.lr_max > 0) {
    c["lr_min"] = absl::StrCat(o.lr_min);
    c["lr_max"] = absl::StrCat(o.lr_max);
  }
  if (!o.lr_groups.empty()) {
    c["lr_groups"] = absl::StrJoin(o.lr_groups, ",", absl::PairFormatter("="));
  }
  c["probes"] = !o.probes.enabled          ? "none"
                : o.probes.all             ? "all"
                : o.probes.modules.empty() ? "stages"
                                           : absl::StrJoin(o.probes.modules, ",");
  std::vector<std::string> kinds;
  if (o.probes.activations) kinds.push_back("activation");
  if (o.probes.gradients) kinds.push_back("gradient");
  if (o.probes.weights) kinds.push_back("weight");
  c["kinds"] = absl::StrJoin(kinds, ",");
  c["activation_bins"] = BinsText(o.probes.activation_bins);
  if (o.probes.gradients) c["gradient_bins"] = BinsText(o.probes.gradient_bins);
  if (o.probes.weights) c["weight_bins"] = BinsText(o.probes.weight_bins);
  c["every"] = absl::StrCat(o.probes.every);
  c["scalar_every"] = absl::StrCat(o.scalar_every);
  c["eval_every"] = absl::StrCat(o.eval_every);
  c["world_size"] = absl::StrCat(o.distributed.world_size);
  if (o.threads > 0) c["threads"] = absl::StrCat(o.threads);
  return c;
}

absl::Status CheckResumableConfig(const std::map<std::string, std::string>& saved,
                                  const std::map<std::string, std::string>& config) {
  static constexpr const char* kTrajectoryKeys[] = {
      "model",     "width", "dataset",  "epochs", "max_steps", "batch_size", "train_limit", "seed",
      "optimizer", "lr",    "momentum", "lr_min", "lr_max",    "lr_groups",  "world_size"};
  auto value = [](const std::map<std::string, std::string>& map, const std::string& key) {
    const auto it = map.find(key);
    return it == map.end() ? std::string("(unset)") : it->second;
  };
  for (const char* key : kTrajectoryKeys) {
    const std::string before = value(saved, key);
    const std::string now = value(config, key);
    if (before != now) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--resume: the checkpoint was written with ", key, "=", before, ", these flags give ",
          key, "=", now, " (a resumed run repeats the flags that shape training)"));
    }
  }
  return absl::OkStatus();
}

int AvailableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int IntraOpThreads(int requested, int cpus, const DistributedOptions& distributed) {
  if (requested > 0) return requested;
  const int ranks =
      IsLoopbackHost(distributed.master_addr) ? static_cast<int>(distributed.world_size) : 1;
  return std::max(1, cpus / std::max(1, ranks));
}

}  // namespace actiscope::trainer
