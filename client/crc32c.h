// CRC-32C (Castagnoli), the checksum of the spool's records (spool.h).
// Thread-safety: pure function.
#ifndef ACTISCOPE_CLIENT_CRC32C_H_
#define ACTISCOPE_CLIENT_CRC32C_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace actiscope::client {

// The CRC-32C of `data` (reflected, initial and final xor 0xffffffff; "123456789" -> 0xe3069283).
uint32_t Crc32c(absl::string_view data);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_CRC32C_H_
