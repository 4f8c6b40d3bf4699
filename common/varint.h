// LEB128 varints and zig-zag signed mapping, for the compact formats that several stages write:
// the client's spool records, the wire codec's batch fields and the store's series blocks,
// summaries and run configs.
//
// A varint holds 7 bits a byte, least significant group first; the high bit of each byte says
// another follows. At most 10 bytes encode a uint64_t.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_COMMON_VARINT_H_
#define ACTISCOPE_COMMON_VARINT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace actiscope {

// Appends the varint encoding of `value` to `out`.
void PutVarint(uint64_t value, std::string* out);

// Reads one varint at *pos, advancing it. False when truncated or over 10 bytes (*pos is then
// unspecified).
bool GetVarint(absl::string_view data, size_t* pos, uint64_t* value);

// Maps signed to unsigned so that small magnitudes stay small: 0, -1, 1, -2 -> 0, 1, 2, 3.
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_VARINT_H_
