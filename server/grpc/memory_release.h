// ReleaseFreeMemory: gives the heap memory this process has freed back to the system, so that
// the server's resident size returns near its idle size after a burst of large requests
// instead of staying at its peak. IngestBudget (server/grpc/ingest_budget.h) calls it when
// ingest goes quiet after such a burst. It is glibc's malloc_trim(0), which returns the free
// pages of every arena (glibc otherwise keeps them for reuse).
//
// Thread-safety: may be called from any thread; it takes malloc's own locks for a while (a few
// milliseconds for hundreds of MiB), so call it rarely and off any latency-critical path.
#ifndef ACTISCOPE_SERVER_GRPC_MEMORY_RELEASE_H_
#define ACTISCOPE_SERVER_GRPC_MEMORY_RELEASE_H_

namespace actiscope::server {

void ReleaseFreeMemory();

// Makes malloc serve every block of at least 1 MiB (a request's message, its decompressed
// batch) straight from the system and give it back when freed, instead of glibc's default of
// raising that threshold after each large free until such blocks stay in its heap. Call once at
// start, before the server's threads exist.
void ReturnLargeBlocksToTheSystem();

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_MEMORY_RELEASE_H_
