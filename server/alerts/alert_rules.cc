// Names of alert types and severities, as the HTTP API and the CLI print them, and the parser
// of --alert_rules.
#include "server/alerts/alert_rules.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace actiscope::server {
namespace {

// One field of AlertRules as --alert_rules names it.
struct RuleField {
  const char* name;
  double AlertRules::*real;  // Null for a frame count.
  int64_t AlertRules::*frames;
  bool at_most_one;  // A share or a weight: in (0, 1].
};

const std::vector<RuleField>& RuleFields() {
  static const auto* fields = new std::vector<RuleField>{
      {"collapse_share", &AlertRules::collapse_share, nullptr, true},
      {"dead_share", &AlertRules::dead_share, nullptr, true},
      {"saturated_share", &AlertRules::saturated_share, nullptr, true},
      {"growth_ratio", &AlertRules::growth_ratio, nullptr, false},
      {"gradient_growth_ratio", &AlertRules::gradient_growth_ratio, nullptr, false},
      {"vanish_ratio", &AlertRules::vanish_ratio, nullptr, false},
      {"frozen_ratio", &AlertRules::frozen_ratio, nullptr, false},
      {"frozen_moved", &AlertRules::frozen_moved, nullptr, true},
      {"frozen_frames", nullptr, &AlertRules::frozen_frames, false},
      {"ema_weight", &AlertRules::ema_weight, nullptr, true},
      {"clear_margin", &AlertRules::clear_margin, nullptr, true},
      {"sustain_frames", nullptr, &AlertRules::sustain_frames, false},
      {"fast_frames", nullptr, &AlertRules::fast_frames, false},
      {"baseline_frames", nullptr, &AlertRules::baseline_frames, false},
  };
  return *fields;
}

constexpr int64_t kMaxRuleFrames = 1'000'000;

}  // namespace

absl::Status ParseAlertRules(absl::string_view text, AlertRules* rules) {
  AlertRules parsed = *rules;
  for (absl::string_view pair : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    pair = absl::StripAsciiWhitespace(pair);
    const std::vector<absl::string_view> parts = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    const RuleField* field = nullptr;
    for (const RuleField& f : RuleFields()) {
      if (parts[0] == f.name) field = &f;
    }
    if (field == nullptr || parts.size() != 2) {
      std::vector<std::string> names;
      for (const RuleField& f : RuleFields()) names.push_back(f.name);
      return absl::InvalidArgumentError(absl::StrCat("--alert_rules: \"", pair,
                                                     "\" is not NAME=VALUE with NAME one of ",
                                                     absl::StrJoin(names, ", ")));
    }
    if (field->frames != nullptr) {
      int64_t frames = 0;
      if (!absl::SimpleAtoi(parts[1], &frames) || frames < 1 || frames > kMaxRuleFrames) {
        return absl::InvalidArgumentError(absl::StrCat("--alert_rules: ", field->name,
                                                       " must be a whole number of frames from 1 "
                                                       "to ",
                                                       kMaxRuleFrames, ", got \"", parts[1], "\""));
      }
      parsed.*(field->frames) = frames;
      continue;
    }
    double value = 0;
    if (!absl::SimpleAtod(parts[1], &value) || !(value > 0) || (field->at_most_one && value > 1) ||
        !(value < 1e300)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--alert_rules: ", field->name, " must be a number ",
                       field->at_most_one ? "in (0, 1]" : "above 0", ", got \"", parts[1], "\""));
    }
    parsed.*(field->real) = value;
  }
  *rules = parsed;
  return absl::OkStatus();
}

absl::string_view AlertTypeName(AlertType type) {
  switch (type) {
    case AlertType::kCollapse:
      return "collapse";
    case AlertType::kDead:
      return "dead";
    case AlertType::kFrozen:
      return "frozen";
    case AlertType::kExploding:
      return "exploding";
    case AlertType::kSaturated:
      return "saturated";
    case AlertType::kNonfinite:
      return "nonfinite";
    case AlertType::kVanishingGradient:
      return "vanishing_gradient";
    case AlertType::kExplodingGradient:
      return "exploding_gradient";
  }
  return "unknown";
}

absl::string_view AlertSeverityName(AlertSeverity severity) {
  switch (severity) {
    case AlertSeverity::kInfo:
      return "info";
    case AlertSeverity::kWarning:
      return "warning";
    case AlertSeverity::kCritical:
      return "critical";
  }
  return "unknown";
}

}  // namespace actiscope::server
