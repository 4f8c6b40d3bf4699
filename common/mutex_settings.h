// Process-wide settings of Abseil's mutexes that actiscope's programs (and Reporter::Start, which
// runs inside a user's trainer) apply once at start.
#ifndef ACTISCOPE_COMMON_MUTEX_SETTINGS_H_
#define ACTISCOPE_COMMON_MUTEX_SETTINGS_H_

namespace actiscope {

// Turns off absl::Mutex deadlock detection for the process. Abseil builds without NDEBUG, as
// Debian's libabsl is, turn it on: every lock then records itself in one process-wide lock graph
// under a global lock, 22.6 against 6.7 ns per uncontended lock and unlock, and about a
// microsecond per lock on a training thread whose caches a step's convolutions have just
// emptied (trainer_overhead_bench: 0.11 -> 0.095 ms inside the probes per step). A program that
// wants the checks back calls absl::SetMutexDeadlockDetectionMode after this.
void DisableMutexDeadlockDetection();

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_MUTEX_SETTINGS_H_
