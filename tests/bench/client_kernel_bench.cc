// Histogram kernel throughput on one core: every kernel path this processor supports (scalar,
// AVX2, AVX-512) x dtype (float32, float16, bfloat16) x layout (linear 40 bins, the default
// log-magnitude layout), then ComputeHistogram on tensors as a trainer calls it, side by side
// with torch::histc and torch::sum on the same tensor, alternating in one run; prints
// M elements/s and the ratios.
//   build/tests/bench/client_kernel_bench [elements] [rounds] [only cases containing this]
// torch::histc and torch::sum always run.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "actiscope/client/histogram.h"
#include "client/histogram_kernel.h"

namespace {

using actiscope::BinLayout;
using actiscope::BinScale;
using Clock = std::chrono::steady_clock;
namespace client = actiscope::client;

double Seconds(const std::function<void()>& fn) {
  const Clock::time_point start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Case {
  std::string name;
  std::function<double()> fn;  // Returns something of the result, so that it is not elided.
  std::vector<double> seconds = {};
};

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : int64_t{1} << 24;
  const int rounds = argc > 2 ? std::max(std::atoi(argv[2]), 1) : 15;
  const std::string filter = argc > 3 ? argv[3] : "";
  at::set_num_threads(1);
  at::manual_seed(1);
  const at::Tensor normal = at::randn({n});
  const at::Tensor half = normal.to(at::kHalf);
  const at::Tensor bfloat = normal.to(at::kBFloat16);
  const BinLayout linear{BinScale::kLinear, 40, -4, 4};
  const BinLayout log_magnitude = actiscope::LogMagnitudeBins();
  const client::HistogramPlan linear_plan(linear), log_plan(log_magnitude);
  const float* f32 = normal.data_ptr<float>();
  const auto* f16 = reinterpret_cast<const uint16_t*>(half.data_ptr<at::Half>());
  const auto* bf16 = reinterpret_cast<const uint16_t*>(bfloat.data_ptr<at::BFloat16>());

  std::vector<Case> cases;
  for (client::KernelPath path : client::kAllKernelPaths) {
    if (!client::CpuSupports(path)) continue;
    for (const client::HistogramPlan* plan : {&linear_plan, &log_plan}) {
      const std::string suffix =
          std::string(client::KernelPathName(path)) + (plan->log_scale ? " log-mag" : " linear");
      const auto run = [plan, n](auto accumulate) {
        client::HistogramAccumulator acc(*plan);
        accumulate(&acc);
        return acc.Result().sum;
      };
      cases.push_back({suffix + " float32", [=] {
                         return run([&](auto* acc) { client::Accumulate(path, f32, n, acc); });
                       }});
      cases.push_back({suffix + " float16", [=] {
                         return run([&](auto* acc) { client::AccumulateHalf(path, f16, n, acc); });
                       }});
      cases.push_back({suffix + " bfloat16", [=] {
                         return run(
                             [&](auto* acc) { client::AccumulateBFloat16(path, bf16, n, acc); });
                       }});
    }
  }
  for (const at::Tensor* t : {&normal, &half, &bfloat}) {
    cases.push_back(
        {std::string("ComputeHistogram(") + c10::toString(t->scalar_type()) + ") linear",
         [&, t] { return client::ComputeHistogram(*t, linear, 1)->sum; }});
  }
  cases.push_back({"torch::histc float32 linear", [&] {
                     return static_cast<double>(at::histc(normal, 40, -4, 4)[0].item<float>());
                   }});
  cases.push_back(
      {"torch::sum float32", [&] { return static_cast<double>(at::sum(normal).item<float>()); }});

  cases.erase(
      std::remove_if(cases.begin(), cases.end() - 2,
                     [&](const Case& c) { return c.name.find(filter) == std::string::npos; }),
      cases.end() - 2);
  double sink = 0;
  for (int round = 0; round < rounds; ++round) {
    for (Case& c : cases) c.seconds.push_back(Seconds([&] { sink += c.fn(); }));
  }
  // The fastest round is the figure: on a shared machine other tenants only ever slow a round
  // down, so the best of alternating rounds is the least noisy estimate of each case's speed.
  std::printf(
      "%lld elements (N(0,1)), 1 thread, best and median of %d alternating rounds; "
      "best path: %s\n",
      static_cast<long long>(n), rounds, client::KernelPathName(client::BestKernelPath()));
  std::vector<double> best, median;
  for (Case& c : cases) {
    std::sort(c.seconds.begin(), c.seconds.end());
    best.push_back(n / c.seconds.front() / 1e6);
    median.push_back(n / c.seconds[rounds / 2] / 1e6);
  }
  const double histc = best[best.size() - 2], sum = best.back();
  std::printf("%-36s %8s %9s %7s %8s\n", "case", "M elem/s", "x histc", "x sum", "median");
  for (size_t i = 0; i < cases.size(); ++i) {
    std::printf("%-36s %8.0f %9.2f %7.2f %8.0f\n", cases[i].name.c_str(), best[i], best[i] / histc,
                best[i] / sum, median[i]);
  }
  return sink == 12345.678 ? 1 : 0;
}
