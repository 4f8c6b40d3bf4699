// Where splitting a CPU tensor's histogram over LibTorch's intra-op threads starts to pay
// (kMinElementsPerThread in client/histogram_tensor.h): for activation-shaped float32 tensors
// ([64, n / 64], N(0,1), 40 linear bins) from 4k to 4M elements, ComputeCpuHistogram on the
// calling thread alone against split in two with at::parallel_for, alternating in one run.
// Prints microseconds per histogram for each, the speedup, and what ComputeHistogram chooses.
//   build/tests/bench/client_split_bench [rounds]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "client/histogram_kernel.h"
#include "client/histogram_tensor.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace client = actiscope::client;

// Microseconds per histogram with `parts` pieces, averaged over `calls` calls.
double MicrosPerHistogram(const at::Tensor& t, const client::HistogramPlan& plan, int64_t parts,
                          int calls, double* sink) {
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < calls; ++i) *sink += client::ComputeCpuHistogram(t, plan, parts).sum;
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / calls;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(std::atoi(argv[1]), 1) : 9;
  at::set_num_threads(2);
  at::manual_seed(1);
  const client::HistogramPlan plan(actiscope::BinLayout{actiscope::BinScale::kLinear, 40, -4, 4});
  std::printf(
      "float32 [64, n/64], 40 linear bins, kernel path %s, %d intra-op threads, median of "
      "%d alternating rounds\n",
      client::KernelPathName(client::BestKernelPath()), at::get_num_threads(), rounds);
  std::printf("%10s %12s %12s %9s %s\n", "elements", "1 thread us", "2 threads us", "speedup",
              "ComputeHistogram uses");
  double sink = 0;
  for (int64_t n = 4096; n <= (int64_t{1} << 22); n *= 2) {
    const at::Tensor t = at::randn({64, n / 64});
    // About 10 ms per timed batch on one thread at ~1,500 M elements/s.
    const int calls = static_cast<int>(std::max<int64_t>(int64_t{15'000'000} / n, 3));
    std::vector<double> one, two;
    MicrosPerHistogram(t, plan, 2, calls, &sink);  // Warms the thread pool and the caches.
    for (int r = 0; r < rounds; ++r) {
      one.push_back(MicrosPerHistogram(t, plan, 1, calls, &sink));
      two.push_back(MicrosPerHistogram(t, plan, 2, calls, &sink));
    }
    std::sort(one.begin(), one.end());
    std::sort(two.begin(), two.end());
    const double a = one[rounds / 2], b = two[rounds / 2];
    std::printf("%10lld %12.1f %12.1f %9.2f %lld thread(s)\n", static_cast<long long>(n), a, b,
                a / b, static_cast<long long>(client::SplitParts(n, at::get_num_threads())));
  }
  return sink == 12345.678 ? 1 : 0;
}
