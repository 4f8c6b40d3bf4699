// A few training steps of a small MLP on random data, reporting the activations, the
// gradients, the weights and the loss of every step to actiscope.
//   mlp_example [collector host:port | --offline SPOOL_DIR]
#include <torch/torch.h>

#include <cstdio>
#include <cstring>

#include "actiscope/client/reporter.h"

namespace client = actiscope::client;

int main(int argc, char** argv) {
  client::ReporterOptions options;
  options.run.name = "mlp-example";
  options.run.config = {{"lr", "0.1"}, {"model", "mlp-64-32-10"}};
  if (argc == 3 && std::strcmp(argv[1], "--offline") == 0) {
    options.offline = true;
    options.spool_dir = argv[2];
  } else if (argc == 2) {
    options.server_address = argv[1];
  }
  auto reporter = client::Reporter::Start(options);
  if (!reporter.ok()) {
    std::fprintf(stderr, "actiscope: %s\n", reporter.status().ToString().c_str());
    return 1;
  }

  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(64, 32), torch::nn::ReLU(),
                              torch::nn::Linear(32, 10));
  torch::optim::SGD optimizer(model->parameters(), 0.1);
  const actiscope::BinLayout bins{actiscope::BinScale::kLinear, 40, -2, 2};
  for (int64_t step = 0; step < 10; ++step) {
    const torch::Tensor x = torch::randn({128, 64});
    const torch::Tensor y = torch::randint(10, {128});
    torch::Tensor hidden = model[0]->as<torch::nn::Linear>()->forward(x);
    hidden.retain_grad();
    const torch::Tensor logits = model->forward(x);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    (*reporter)->Record(step, client::Kind::kActivation, "fc1", hidden, bins);
    (*reporter)->Record(step, client::Kind::kActivation, "fc2", logits, bins);
    (*reporter)->Record(step, client::Kind::kWeight, "fc1",
                        model[0]->as<torch::nn::Linear>()->weight, actiscope::LogMagnitudeBins());
    (*reporter)->RecordScalar(step, "loss", loss.item<double>());
  }
  const client::FinishReport report = (*reporter)->Finish(true, absl::Seconds(10));
  std::printf("run %s: %llu frames delivered, %llu in the spool, %llu dropped\n",
              (*reporter)->run_id().c_str(), static_cast<unsigned long long>(report.frames_acked),
              static_cast<unsigned long long>(report.frames_in_spool),
              static_cast<unsigned long long>(report.frames_dropped));
  return report.frames_dropped == 0 ? 0 : 2;
}
