// Reporter overhead on a training step: ResNet-18 (as in the seed post, on 1x28x28 images,
// batch 64) with 5 activation probes of 40 bins recorded every step, against the same step
// without probes, in alternating blocks in one run. The reporter runs offline into a temporary
// spool, so its background thread does all of its usual work except the network.
//   build-client/tests/bench/client_overhead_bench [blocks] [steps_per_block]
#include <stdlib.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "actiscope/client/reporter.h"

namespace {

namespace nn = torch::nn;
namespace client = actiscope::client;

nn::Conv2d Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

struct BlockImpl : nn::Module {
  BlockImpl(int64_t in, int64_t out, int64_t stride)
      : conv1(register_module("conv1", Conv(in, out, 3, stride))),
        bn1(register_module("bn1", nn::BatchNorm2d(out))),
        conv2(register_module("conv2", Conv(out, out, 3, 1))),
        bn2(register_module("bn2", nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      shortcut = register_module("shortcut",
                                 nn::Sequential(Conv(in, out, 1, stride), nn::BatchNorm2d(out)));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = bn2(conv2(torch::relu(bn1(conv1(x)))));
    return torch::relu(y + (shortcut.is_empty() ? x : shortcut->forward(x)));
  }
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Sequential shortcut{nullptr};
};
TORCH_MODULE(Block);

struct ResNet18Impl : nn::Module {
  ResNet18Impl() {
    stem =
        register_module("stem", nn::Sequential(Conv(1, 64, 7, 2), nn::BatchNorm2d(64), nn::ReLU()));
    const int64_t widths[] = {64, 128, 256, 512};
    int64_t in = 64;
    for (int s = 0; s < 4; ++s) {
      stages.push_back(register_module(
          "stage" + std::to_string(s),
          nn::Sequential(Block(in, widths[s], s == 0 ? 1 : 2), Block(widths[s], widths[s], 1))));
      in = widths[s];
    }
    head = register_module("head", nn::Linear(512, 10));
  }
  // The logits; `outputs` receives the stem's and each stage's output (the 5 probes).
  torch::Tensor forward(const torch::Tensor& x, std::vector<torch::Tensor>* outputs) {
    torch::Tensor y = stem->forward(x);
    outputs->push_back(y);
    y = torch::max_pool2d(y, 3, 2, 1);
    for (auto& stage : stages) {
      y = stage->forward(y);
      outputs->push_back(y);
    }
    return head(torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1));
  }
  nn::Sequential stem{nullptr};
  std::vector<nn::Sequential> stages;
  nn::Linear head{nullptr};
};
TORCH_MODULE(ResNet18);

}  // namespace

int main(int argc, char** argv) {
  const int blocks = argc > 1 ? std::atoi(argv[1]) : 8;
  const int steps_per_block = argc > 2 ? std::atoi(argv[2]) : 5;
  torch::manual_seed(0);
  ResNet18 model;
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  const torch::Tensor images = torch::randn({64, 1, 28, 28});
  const torch::Tensor labels = torch::randint(10, {64});

  std::string spool = "/tmp/actiscope_overhead_bench_XXXXXX";
  client::ReporterOptions options;
  options.offline = true;
  options.spool_dir = ::mkdtemp(spool.data());
  options.spool_bound_bytes = size_t{256} << 20;
  auto reporter = client::Reporter::Start(options);
  if (!reporter.ok()) {
    std::fprintf(stderr, "%s\n", reporter.status().ToString().c_str());
    return 1;
  }
  const client::BinSpec bins{client::BinSpec::Scale::kLinear, 40, 0, 10};
  const char* names[] = {"conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x"};

  int64_t step = 0;
  double record_seconds = 0;  // Inside Record/RecordScalar: the training thread's direct cost.
  int64_t recorded_steps = 0;
  const auto train_step = [&](bool probes) {
    std::vector<torch::Tensor> outputs;
    const torch::Tensor loss =
        torch::nn::functional::cross_entropy(model->forward(images, &outputs), labels);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    if (probes) {
      const auto record_start = std::chrono::steady_clock::now();
      for (size_t i = 0; i < outputs.size(); ++i) {
        (*reporter)->Record(step, client::Kind::kActivation, names[i], outputs[i].detach(), bins);
      }
      (*reporter)->RecordScalar(step, "loss", loss.item<double>());
      record_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - record_start).count();
      ++recorded_steps;
    }
    ++step;
  };
  for (int i = 0; i < 3; ++i) train_step(true);  // Warm up both paths.

  std::vector<double> with, without;
  for (int block = 0; block < 2 * blocks; ++block) {
    const bool probes = block % 2 == 1;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps_per_block; ++i) train_step(probes);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    (probes ? with : without).push_back(seconds / steps_per_block);
  }
  const client::FinishReport report = (*reporter)->Finish(true, absl::Seconds(10));
  std::sort(with.begin(), with.end());
  std::sort(without.begin(), without.end());
  const double with_median = with[with.size() / 2], without_median = without[without.size() / 2];
  std::printf("ResNet-18, batch 64 of 1x28x28, %d threads, %d alternating blocks of %d steps\n",
              torch::get_num_threads(), 2 * blocks, steps_per_block);
  std::printf("step without probes  %8.2f ms (median of block means)\n", 1e3 * without_median);
  std::printf("step with 5 probes   %8.2f ms\n", 1e3 * with_median);
  std::printf("ratio                %8.4f   (goal <= 1.01)\n", with_median / without_median);
  const double record_ms = 1e3 * record_seconds / recorded_steps;
  std::printf("inside Record calls  %8.3f ms per step = %.4f of a step without probes\n", record_ms,
              record_ms / (1e3 * without_median));
  std::printf("frames spooled %llu, dropped %llu\n",
              static_cast<unsigned long long>(report.frames_in_spool),
              static_cast<unsigned long long>(report.frames_dropped));
  return 0;
}
