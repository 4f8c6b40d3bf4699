// Client overhead on a real training step (issue 3's figure): a ResNet-18 step (forward,
// backward, AdamW) with 5 activation probes of 40 bins on every step, against the same step
// without probes. Blocks of steps alternate (baseline, instrumented, baseline, ...) in one
// process on one model, so drift in machine load hits both sides alike. The reporter writes to an
// offline spool in a temporary directory (or streams to --server); the time measured is the
// training thread's wall time per step, so the reporter thread's work counts only where it
// competes for the cores.
//
//   trainer_overhead_bench [--width=64] [--batch_size=64] [--blocks=10] [--steps_per_block=3]
//                          [--server=HOST:PORT]
#include <stdlib.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "actiscope/client/reporter.h"
#include "common/testing/temp_dir.h"
#include "trainer/probes.h"
#include "trainer/resnet.h"
#include "trainer/train_options.h"

ABSL_FLAG(int64_t, width, 64, "ResNet-18 base channel count");
ABSL_FLAG(int64_t, batch_size, 64, "Images per step");
ABSL_FLAG(int, blocks, 10, "Blocks per side");
ABSL_FLAG(int, steps_per_block, 3, "Steps per block");
ABSL_FLAG(std::string, server, "", "Stream to this collector instead of an offline spool");
ABSL_FLAG(int, threads, 0, "LibTorch intra-op threads (0: one per CPU, as actiscope-train)");

namespace actiscope::trainer {
namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Main() {
  at::set_num_threads(
      IntraOpThreads(absl::GetFlag(FLAGS_threads), AvailableCpus(), DistributedOptions{}));
  const int64_t width = absl::GetFlag(FLAGS_width);
  const int blocks = absl::GetFlag(FLAGS_blocks);
  const int steps_per_block = absl::GetFlag(FLAGS_steps_per_block);
  torch::manual_seed(1);
  ResNet18 model(width);
  torch::optim::AdamW optimizer(model.parameters(), torch::optim::AdamWOptions(1e-3));
  const torch::Tensor images = torch::randn({absl::GetFlag(FLAGS_batch_size), 1, 28, 28});
  const torch::Tensor labels = torch::randint(0, 10, {absl::GetFlag(FLAGS_batch_size)});

  const actiscope::testing::TempDir temp_dir("trainer_overhead_bench");
  const std::string& spool_dir = temp_dir.path();
  client::ReporterOptions reporter_options;
  reporter_options.run.name = "trainer_overhead_bench";
  reporter_options.spool_dir = spool_dir;
  reporter_options.offline = absl::GetFlag(FLAGS_server).empty();
  if (!reporter_options.offline) reporter_options.server_address = absl::GetFlag(FLAGS_server);
  auto reporter = client::Reporter::Start(std::move(reporter_options));
  if (!reporter.ok()) {
    std::fprintf(stderr, "reporter: %s\n", reporter.status().ToString().c_str());
    return 1;
  }
  ProbeOptions probe_options;  // conv1, conv2_x .. conv5_x; activations; 40 bins over [0, 10).
  auto probes = Probes::Create(probe_options, &model, reporter->get());
  if (!probes.ok()) {
    std::fprintf(stderr, "probes: %s\n", probes.status().ToString().c_str());
    return 1;
  }

  int64_t step = 0;
  // How a block records: not at all; as actiscope-train does (Probes holds each probed output and
  // records them together once Forward returns, Reporter::RecordHeld); or with a Reporter::Record
  // at each probed output as the forward pass produces it (how Probes recorded until 2026-12-07).
  enum class Mode { kNone, kHeld, kEachOutput };
  const std::set<std::string> probed(probes->modules().begin(), probes->modules().end());
  // Time spent inside the probes (histograms + enqueue) on the training thread, per
  // instrumented step: the overhead itself, measured without the step-to-step noise of a shared
  // machine. Its median is robust to the odd preemption of a shared machine landing inside a
  // probe, which the mean is not.
  std::map<Mode, std::vector<double>> probe_seconds;
  std::map<std::string, std::vector<double>> call_seconds;  // Each Record's time, by layer.
  std::vector<double> held_call_seconds;                    // Each RecordActivations's time.
  auto run_block = [&](Mode mode) {
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < steps_per_block; ++i, ++step) {
      OutputObserver observer;
      double step_probe_seconds = 0;
      // The probes' own work inside Forward: Probes' observer (holding outputs, registering
      // nothing else here), or a Record per probed output.
      auto timed = [&](const OutputObserver& inner, bool by_layer) {
        return [&, inner, by_layer](const std::string& name, const torch::Tensor& output) {
          const Clock::time_point t = Clock::now();
          inner(name, output);
          const double seconds = std::chrono::duration<double>(Clock::now() - t).count();
          step_probe_seconds += seconds;
          if (by_layer) call_seconds[name].push_back(seconds);
        };
      };
      if (mode == Mode::kHeld) observer = timed(probes->ObserverFor(step), false);
      if (mode == Mode::kEachOutput) {
        observer = timed(
            [&, step](const std::string& name, const torch::Tensor& output) {
              if (probed.count(name) == 0) return;
              (*reporter)->Record(step, client::Kind::kActivation, name, output,
                                  probe_options.activation_bins);
            },
            true);
      }
      const torch::Tensor logits = model.Forward(images, observer);
      if (mode == Mode::kHeld) {
        const Clock::time_point t = Clock::now();
        probes->RecordActivations();
        const double seconds = std::chrono::duration<double>(Clock::now() - t).count();
        step_probe_seconds += seconds;
        held_call_seconds.push_back(seconds);
      }
      torch::Tensor loss = torch::cross_entropy_loss(logits, labels);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      if (mode != Mode::kNone) probe_seconds[mode].push_back(step_probe_seconds);
    }
    return std::chrono::duration<double>(Clock::now() - start).count() / steps_per_block;
  };

  // Warm-up: allocator, thread pools, first spool segment.
  for (Mode mode : {Mode::kNone, Mode::kHeld, Mode::kEachOutput}) run_block(mode);
  probe_seconds.clear();
  call_seconds.clear();
  held_call_seconds.clear();
  std::vector<double> base, held, each, held_ratios;
  double base_sum = 0, held_sum = 0;
  for (int b = 0; b < blocks; ++b) {
    base.push_back(run_block(Mode::kNone));
    held.push_back(run_block(Mode::kHeld));
    each.push_back(run_block(Mode::kEachOutput));
    held_ratios.push_back(held.back() / base.back());
    base_sum += base.back();
    held_sum += held.back();
  }
  const client::FinishReport finish = (*reporter)->Finish(true, absl::Seconds(30));
  std::printf(
      "ResNet-18 width %lld batch %lld, %d intra-op threads, %d blocks x %d steps per variant, "
      "%s\n",
      static_cast<long long>(width), static_cast<long long>(absl::GetFlag(FLAGS_batch_size)),
      at::get_num_threads(), blocks, steps_per_block,
      absl::GetFlag(FLAGS_server).empty() ? "offline spool" : "streaming");
  std::printf("step without probes: median %.2f ms\n", 1e3 * Median(base));
  std::printf("step with 5 probes x 40 bins (held, as actiscope-train): median %.2f ms\n",
              1e3 * Median(held));
  std::printf("step with the same probes (a Record at each output): median %.2f ms\n",
              1e3 * Median(each));
  std::printf("overhead ratio (total): %.4f   (median of block ratios: %.4f)   goal <= 1.01\n",
              held_sum / base_sum, Median(held_ratios));
  for (const auto& [mode, label] : {std::pair{Mode::kHeld, "held, recorded once Forward returns"},
                                    std::pair{Mode::kEachOutput, "a Record at each output"}}) {
    const std::vector<double>& seconds = probe_seconds[mode];
    double sum = 0;
    for (double s : seconds) sum += s;
    const double probe_ms = 1e3 * Median(seconds);
    std::printf(
        "time inside the probes (%s): median %.3f ms per step (mean %.3f) -> ratio %.4f against "
        "the median step   goal <= 1.005 at width 16\n",
        label, probe_ms, 1e3 * sum / static_cast<double>(seconds.size()),
        1 + probe_ms / (1e3 * Median(base)));
  }
  std::printf("median RecordActivations: %.1f us; median Record at each output:",
              1e6 * Median(held_call_seconds));
  for (auto& [layer, seconds] : call_seconds) {
    std::printf(" %s %.1f us", layer.c_str(), 1e6 * Median(seconds));
  }
  std::printf("\n");
  std::printf("frames: acked %llu, spooled %llu, dropped %llu\n",
              static_cast<unsigned long long>(finish.frames_acked),
              static_cast<unsigned long long>(finish.frames_in_spool),
              static_cast<unsigned long long>(finish.frames_dropped));
  return 0;
}

}  // namespace
}  // namespace actiscope::trainer

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return actiscope::trainer::Main();
}
