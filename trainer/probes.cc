#include "trainer/probes.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace actiscope::trainer {
absl::StatusOr<Probes> Probes::Create(const ProbeOptions& options, StagedModel* model,
                                      client::Reporter* reporter) {
  if (options.every < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--every must be >= 1, got ", options.every));
  }
  for (const BinLayout* bins :
       {&options.activation_bins, &options.gradient_bins, &options.weight_bins}) {
    ACTISCOPE_RETURN_IF_ERROR(ValidateLayout(*bins));
  }
  std::vector<std::string> modules;
  if (options.enabled) {
    if (reporter == nullptr) return absl::InvalidArgumentError("probes need a reporter");
    const std::vector<std::string> known = model->ModuleNames();
    if (options.all) {
      modules = known;
    } else if (options.modules.empty()) {
      modules = model->StageNames();
      modules.pop_back();  // The head's logits are not an activation in the seed's sense.
    } else {
      for (const std::string& name : known) {
        if (std::count(options.modules.begin(), options.modules.end(), name)) {
          modules.push_back(name);
        }
      }
      for (const std::string& name : options.modules) {
        if (!std::count(known.begin(), known.end(), name)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "--probes: no module \"", name, "\"; the model has ", absl::StrJoin(known, ",")));
        }
      }
    }
  }
  std::vector<std::pair<std::string, torch::Tensor>> weights;
  if (options.weights) {
    for (const auto& param : model->named_parameters()) {
      if (param.value().dim() < 2) continue;
      for (const std::string& name : modules) {
        if (absl::StartsWith(param.key(), name + ".")) {
          weights.emplace_back(param.key(), param.value());
          break;
        }
      }
    }
  }
  return Probes(options, std::move(modules), std::move(weights), reporter);
}

Probes::Probes(const ProbeOptions& options, std::vector<std::string> modules,
               std::vector<std::pair<std::string, torch::Tensor>> weights,
               client::Reporter* reporter)
    : options_(options),
      modules_(std::move(modules)),
      module_set_(modules_.begin(), modules_.end()),
      weights_(std::move(weights)),
      reporter_(reporter) {}

Probes::~Probes() { RecordActivations(); }

bool Probes::Due(int64_t step) const { return !modules_.empty() && step % options_.every == 0; }

OutputObserver Probes::ObserverFor(int64_t step) {
  RecordActivations();  // What an earlier step held and nobody recorded (checked for changes).
  if (!Due(step) || (!options_.activations && !options_.gradients)) return {};
  return [this, step](const std::string& name, const torch::Tensor& output) {
    if (module_set_.count(name) == 0) return;
    if (options_.activations) {
      held_.emplace_back(step, client::Kind::kActivation, name, output, options_.activation_bins);
    }
    if (options_.gradients && output.requires_grad()) {
      client::Reporter* reporter = reporter_;
      const BinLayout bins = options_.gradient_bins;
      output.register_hook([reporter, step, name, bins](const torch::Tensor& grad) {
        reporter->Record(step, client::Kind::kGradient, name, grad, bins);
      });
    }
  };
}

void Probes::RecordActivations() {
  if (held_.empty()) return;
  reporter_->RecordHeld(held_);
  held_.clear();
}

void Probes::RecordWeights(int64_t step) {
  if (!Due(step) || !options_.weights) return;
  torch::NoGradGuard no_grad;
  for (const auto& [name, param] : weights_) {
    reporter_->Record(step, client::Kind::kWeight, name, param, options_.weight_bins);
  }
}

}  // namespace actiscope::trainer
