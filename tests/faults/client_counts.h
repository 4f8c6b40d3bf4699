// The one JSON line actiscope-fault-client prints about its frames, and its parser for the
// fault tests. Every frame a client produced is in exactly one of acked, rejected, dropped and
// unacked (in its outbox or spool when it stopped): produced == acked + rejected + dropped +
// unacked, the client core's accounting (client/sender.h, SenderCounts).
//
// Grammar (one line, keys in this order, values non-negative integers):
//   {"phase":"produced"|"done","run_id":"ID","rank":R,"first_step":S,"steps":N,
//    "produced":P,"acked":A,"rejected":J,"dropped":D,"unacked":U}
// "steps" is how many steps were produced from first_step on (fewer than asked when the client
// was told to stop early). A client prints a "produced" line once it has produced every frame
// (before draining) and a "done" line last.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_TESTS_FAULTS_CLIENT_COUNTS_H_
#define ACTISCOPE_TESTS_FAULTS_CLIENT_COUNTS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace actiscope::faults {

struct ClientCounts {
  std::string phase;  // "produced" or "done".
  std::string run_id;
  uint32_t rank = 0;
  int64_t first_step = 0;
  int64_t steps = 0;
  uint64_t produced = 0;
  uint64_t acked = 0;
  uint64_t rejected = 0;
  uint64_t dropped = 0;
  uint64_t unacked = 0;

  // produced == acked + rejected + dropped + unacked.
  bool Balanced() const { return produced == acked + rejected + dropped + unacked; }
};

// The line, without a newline.
std::string CountsJson(const ClientCounts& counts);

// Parses the last line of `output` that starts with {"phase":"<phase>". NOT_FOUND when there
// is none; INVALID_ARGUMENT naming the key when one is missing or not a number.
absl::StatusOr<ClientCounts> ParseCountsLine(absl::string_view output, absl::string_view phase);

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_CLIENT_COUNTS_H_
