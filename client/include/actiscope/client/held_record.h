// A tensor a caller holds from the moment a module produces it until it hands a set of them to
// Reporter::RecordHeld (reporter.h) in one call, with what Reporter::Record would take and the
// version counter the tensor had when it was held, by which RecordHeld tells a tensor modified in
// place since (LibTorch bumps the counter at every in-place op; see RecordHeld for what it
// misses).
#ifndef ACTISCOPE_CLIENT_HELD_RECORD_H_
#define ACTISCOPE_CLIENT_HELD_RECORD_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actiscope/client/reporter.h"

namespace actiscope::client {

struct HeldRecord {
  // Throws nothing but std::bad_alloc (copying `layer`).
  HeldRecord(int64_t step, Kind kind, std::string_view layer, at::Tensor values,
             const BinLayout& layout);
  int64_t step;
  Kind kind;
  std::string layer;
  at::Tensor values;
  BinLayout layout;
  std::optional<uint32_t> version;  // Empty for a tensor without one (an inference tensor).
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_HELD_RECORD_H_
