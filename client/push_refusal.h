// Which of the collector's errors mean "this request will never be accepted" (give it up and go
// on) and which mean "try again later" (back off and resend): the sender's error classes.
//
// A Push stream that ends with an error after acknowledging requests [0, k) was ended by
// request k: the collector handles requests in order and ends the stream with the error of
// the first one it refuses. Request k is given up (rejected) when the error is permanent:
//   INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE: always;
//   RESOURCE_EXHAUSTED: when IsOverLimit(message), see below;
//   UNAUTHENTICATED, PERMISSION_DENIED: only when the same stream acknowledged a request
//     before (the token was accepted; the collector refused this request). A stream refused
//     before any acknowledgement (a wrong, expired or revoked token: the collector checks the
//     token when the stream opens) is retried, so a wrong token never discards data: it stays
//     queued and spooled until the collector accepts the token.
// Every other error is transient (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNKNOWN,
// CANCELLED, NOT_FOUND, DATA_LOSS, RESOURCE_EXHAUSTED otherwise, ...).
//
// RESOURCE_EXHAUSTED means "over a limit" (permanent for that request) or "busy" (transient):
// IsOverLimit is true when the message names a limit that one request exceeded: gRPC's own
// message-size refusal ("... larger than max ..."), "send smaller", or an actiscope-server
// flag `--max_<name>` whose name does not contain "stream" (stream caps clear when streams
// close); and it says nothing of "retry later", "try again" or "is full" (a full disk or
// database, --max_database_bytes, frees up again). So "over the limit of 8192 per
// request (--max_frames_per_request)" is permanent; "database or disk is full", "the server
// holds 256 Push streams (--max_push_streams=256); retry later", "ingest memory stayed in use
// ...; retry later" are transient.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_CLIENT_PUSH_REFUSAL_H_
#define ACTISCOPE_CLIENT_PUSH_REFUSAL_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace actiscope::client {

// See the file comment.
bool IsOverLimit(absl::string_view message);

// True when `status`, ending a Push stream right after its acknowledged requests, rejects the
// first unacknowledged request for good. `acked_on_stream`: the stream acknowledged a request.
bool RejectsRequest(const absl::Status& status, bool acked_on_stream);

// True for UNAUTHENTICATED and PERMISSION_DENIED.
bool IsCredentialRefusal(const absl::Status& status);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_PUSH_REFUSAL_H_
