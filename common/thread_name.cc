#include "common/thread_name.h"

#include <pthread.h>

#include <cstring>

namespace actiscope {

void NameCurrentThread(const char* name) {
#if defined(__linux__)
  char truncated[16];
  std::strncpy(truncated, name, sizeof truncated - 1);
  truncated[sizeof truncated - 1] = '\0';
  pthread_setname_np(pthread_self(), truncated);
#else
  (void)name;
#endif
}

}  // namespace actiscope
