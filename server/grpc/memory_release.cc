#include "server/grpc/memory_release.h"

#include <malloc.h>

namespace actiscope::server {

void ReleaseFreeMemory() { malloc_trim(0); }

void ReturnLargeBlocksToTheSystem() { mallopt(M_MMAP_THRESHOLD, 1 << 20); }

}  // namespace actiscope::server
