// Whether the long fault cases run: ACTISCOPE_LONG_FAULTS=1 in the environment. The default
// ctest run keeps every case short; the long variants (more kill cycles, more steps) are for
// soak runs (tests/faults/README.md).
#ifndef ACTISCOPE_TESTS_FAULTS_LONG_FAULTS_H_
#define ACTISCOPE_TESTS_FAULTS_LONG_FAULTS_H_

#include <cstdlib>
#include <string>

namespace actiscope::faults {

inline bool LongFaults() {
  const char* value = std::getenv("ACTISCOPE_LONG_FAULTS");
  return value != nullptr && std::string(value) == "1";
}

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_LONG_FAULTS_H_
