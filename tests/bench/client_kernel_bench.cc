// Histogram kernel throughput on one core, side by side with torch::histc and torch::sum on the
// same tensor, alternating in one run; prints M elements/s and the ratios.
//   build-client/tests/bench/client_kernel_bench [elements]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "actiscope/client/histogram.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(const std::function<void()>& fn) {
  const Clock::time_point start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : int64_t{1} << 24;
  at::set_num_threads(1);
  at::manual_seed(1);
  const at::Tensor normal = at::randn({n});
  const at::Tensor relu = at::relu(normal);
  using actiscope::BinLayout;
  using actiscope::BinScale;
  const BinLayout linear{BinScale::kLinear, 40, -4, 4};
  const BinLayout log_magnitude = actiscope::LogMagnitudeBins();

  struct Case {
    const char* name;
    std::function<void()> fn;
    std::vector<double> seconds = {};
  };
  double sink = 0;
  std::vector<Case> cases = {
      {"actiscope linear, N(0,1)",
       [&] {
         sink += actiscope::client::ComputeHistogram(normal.data_ptr<float>(), n, linear).sum;
       }},
      {"actiscope linear, ReLU(N(0,1))",
       [&] { sink += actiscope::client::ComputeHistogram(relu.data_ptr<float>(), n, linear).sum; }},
      {"actiscope log-magnitude, N(0,1)",
       [&] {
         sink +=
             actiscope::client::ComputeHistogram(normal.data_ptr<float>(), n, log_magnitude).sum;
       }},
      {"actiscope via tensor (float16)", nullptr},
      {"torch::histc, N(0,1)", [&] { sink += at::histc(normal, 40, -4, 4)[0].item<float>(); }},
      {"torch::sum, N(0,1)", [&] { sink += at::sum(normal).item<float>(); }},
  };
  const at::Tensor half = normal.to(at::kHalf);
  cases[3].fn = [&] { sink += actiscope::client::ComputeHistogram(half, linear, 1)->sum; };

  constexpr int kRounds = 7;
  for (int round = 0; round < kRounds; ++round) {
    for (Case& c : cases) c.seconds.push_back(Seconds(c.fn));
  }
  std::printf("%lld float32 elements, 1 thread, median of %d alternating rounds\n",
              static_cast<long long>(n), kRounds);
  std::vector<double> rate;
  for (Case& c : cases) {
    std::sort(c.seconds.begin(), c.seconds.end());
    rate.push_back(n / c.seconds[kRounds / 2] / 1e6);
  }
  const double histc = rate[4], sum = rate[5];
  for (size_t i = 0; i < cases.size(); ++i) {
    std::printf("%-34s %8.0f M elements/s   x%6.2f histc   x%5.2f sum\n", cases[i].name, rate[i],
                rate[i] / histc, rate[i] / sum);
  }
  return sink == 12345.678 ? 1 : 0;
}
