// Test helper for reporter_server_test: a trainer that records `steps` steps of three layers
// into an offline reporter's spool and then waits to be killed, never calling Finish.
//   client_spool_child SPOOL_DIR RUN_ID STEPS
#include <ATen/ATen.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "actiscope/client/reporter.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s SPOOL_DIR RUN_ID STEPS\n", argv[0]);
    return 2;
  }
  namespace client = actiscope::client;
  client::ReporterOptions options;
  options.offline = true;
  options.spool_dir = argv[1];
  options.run.run_id = argv[2];
  options.flush_interval = absl::Milliseconds(10);
  auto reporter = client::Reporter::Start(options);
  if (!reporter.ok()) return 1;
  const int64_t steps = std::atoll(argv[3]);
  for (int64_t step = 0; step < steps; ++step) {
    for (int layer = 0; layer < 3; ++layer) {
      at::manual_seed(step * 10 + layer);
      (*reporter)->Record(step, client::Kind::kActivation, absl::StrCat("layer", layer),
                          at::randn({32, 17}),
                          actiscope::BinLayout{actiscope::BinScale::kLinear, 40, -3, 3});
    }
  }
  std::printf("recorded\n");
  std::fflush(stdout);
  while (true) ::pause();  // Killed by the test, spool and all.
}
