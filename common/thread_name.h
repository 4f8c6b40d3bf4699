// Names the calling thread (what `top -H`, `ps -L`, perf and /proc/PID/task/TID/comm show), so
// that the CPU a trainer's telemetry threads use can be told apart from training's own threads.
#ifndef ACTISCOPE_COMMON_THREAD_NAME_H_
#define ACTISCOPE_COMMON_THREAD_NAME_H_

namespace actiscope {

// Sets the calling thread's name to the first 15 characters of `name` (the kernel's limit);
// does nothing where the platform cannot.
void NameCurrentThread(const char* name);

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_THREAD_NAME_H_
