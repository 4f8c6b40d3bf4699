#include "server/store/summary_levels.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/varint.h"

namespace actiscope::server {
namespace {

template <typename T>
void PutFixed(T v, std::string* out) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  out->append(bytes, sizeof(T));
}

template <typename T>
bool GetFixed(absl::string_view data, size_t* pos, T* v) {
  if (data.size() - *pos < sizeof(T)) return false;
  std::memcpy(v, data.data() + *pos, sizeof(T));
  *pos += sizeof(T);
  return true;
}

}  // namespace

std::string EncodeSummary(const HistogramSums& sums) {
  std::string out;
  out.reserve(sums.counts.size() * 3 + 48);
  PutVarint(sums.counts.size(), &out);
  for (uint64_t c : sums.counts) PutVarint(c, &out);
  for (uint64_t v : {sums.below, sums.above, sums.zeros, sums.nonfinite, sums.elements}) {
    PutVarint(v, &out);
  }
  PutFixed(sums.min, &out);
  PutFixed(sums.max, &out);
  PutFixed(sums.sum, &out);
  PutFixed(sums.sum_squares, &out);
  return out;
}

absl::Status DecodeSummary(absl::string_view data, uint32_t bins, HistogramSums* sums) {
  size_t pos = 0;
  uint64_t n;
  if (!GetVarint(data, &pos, &n) || n != bins) {
    return absl::DataLossError(absl::StrCat("summary: expected ", bins, " bins"));
  }
  sums->counts.resize(bins);
  for (uint64_t& c : sums->counts) {
    if (!GetVarint(data, &pos, &c)) return absl::DataLossError("summary: truncated");
  }
  for (uint64_t* v :
       {&sums->below, &sums->above, &sums->zeros, &sums->nonfinite, &sums->elements}) {
    if (!GetVarint(data, &pos, v)) return absl::DataLossError("summary: truncated");
  }
  if (!GetFixed(data, &pos, &sums->min) || !GetFixed(data, &pos, &sums->max) ||
      !GetFixed(data, &pos, &sums->sum) || !GetFixed(data, &pos, &sums->sum_squares) ||
      pos != data.size()) {
    return absl::DataLossError("summary: truncated or trailing bytes");
  }
  return absl::OkStatus();
}

}  // namespace actiscope::server
