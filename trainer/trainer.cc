#include "trainer/trainer.h"

#include <torch/torch.h>

#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "actiscope/client/reporter.h"
#include "common/status_macros.h"
#include "trainer/checkpoint.h"
#include "trainer/distributed.h"
#include "trainer/idx_dataset.h"
#include "trainer/optim_schedule.h"
#include "trainer/probes.h"
#include "trainer/progress.h"
#include "trainer/resnet.h"
#include "trainer/resume.h"
#include "trainer/small_cnn.h"

namespace actiscope::trainer {
namespace {

constexpr absl::Duration kRendezvousTimeout = absl::Minutes(2);
constexpr absl::Duration kFinishTimeout = absl::Seconds(30);
constexpr int64_t kEvalBatch = 1000;
// fastai's Adam defaults (with decoupled weight decay, as fit_one_cycle uses them).
constexpr double kAdamBeta2 = 0.99;
constexpr double kAdamEps = 1e-5;
constexpr double kAdamWeightDecay = 0.01;

absl::StatusOr<torch::Device> ResolveDevice(DeviceChoice choice) {
  const bool cuda = torch::cuda::is_available();
  if (choice == DeviceChoice::kCuda && !cuda) {
    return absl::InvalidArgumentError("--device=cuda: this LibTorch sees no CUDA device");
  }
  if (choice == DeviceChoice::kCpu || !cuda) return torch::Device(torch::kCPU);
  return torch::Device(torch::kCUDA, 0);
}

std::shared_ptr<StagedModel> MakeModel(ModelKind kind, int64_t width) {
  if (kind == ModelKind::kSmallCnn) return std::make_shared<SmallCnn>(width);
  return std::make_shared<ResNet18>(width);
}

// One parameter group per stage, each with its peak rate.
absl::StatusOr<std::vector<torch::optim::OptimizerParamGroup>> ParamGroups(
    const TrainOptions& options, const StagedModel& model, std::vector<double>* peaks) {
  const std::vector<std::string> stages = model.StageNames();
  std::map<std::string, double> rates = options.lr_groups;
  if (options.lr_min > 0 || options.lr_max > 0) {
    if (!rates.empty()) return absl::InvalidArgumentError("give --lr_groups or --lr_min/--lr_max");
    ACTISCOPE_ASSIGN_OR_RETURN(rates, GeometricLrGroups(stages, options.lr_min, options.lr_max));
  }
  for (const auto& [name, rate] : rates) {
    if (std::find(stages.begin(), stages.end(), name) == stages.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--lr_groups: the model has no stage \"", name, "\""));
    }
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (const std::string& stage : stages) {
    const auto it = rates.find(stage);
    peaks->push_back(it == rates.end() ? options.lr : it->second);
    groups.emplace_back(model.StageParameters(stage));
  }
  return groups;
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(
    const TrainOptions& options, std::vector<torch::optim::OptimizerParamGroup> groups) {
  if (options.optimizer == OptimizerKind::kSgd) {
    return std::make_unique<torch::optim::SGD>(
        std::move(groups), torch::optim::SGDOptions(options.lr).momentum(options.sgd_momentum));
  }
  return std::make_unique<torch::optim::AdamW>(std::move(groups),
                                               torch::optim::AdamWOptions(options.lr)
                                                   .betas({0.95, kAdamBeta2})
                                                   .eps(kAdamEps)
                                                   .weight_decay(kAdamWeightDecay));
}

void ApplySchedule(const ScheduleValue& value, const std::vector<double>& peaks,
                   torch::optim::Optimizer* optimizer) {
  auto& groups = optimizer->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].options().set_lr(peaks[i] * value.lr_scale);
    if (auto* adam = dynamic_cast<torch::optim::AdamWOptions*>(&groups[i].options())) {
      adam->betas({value.beta1, kAdamBeta2});
    }
  }
}

double TestErrorRate(StagedModel* model, const torch::Tensor& images, const torch::Tensor& labels,
                     torch::Device device) {
  torch::NoGradGuard no_grad;
  model->eval();
  int64_t wrong = 0;
  for (int64_t start = 0; start < images.size(0); start += kEvalBatch) {
    const int64_t end = std::min(images.size(0), start + kEvalBatch);
    torch::Tensor logits = model->Forward(images.slice(0, start, end).to(device), {});
    wrong += logits.argmax(1).ne(labels.slice(0, start, end).to(device)).sum().item<int64_t>();
  }
  model->train();
  return images.size(0) > 0 ? static_cast<double>(wrong) / static_cast<double>(images.size(0)) : 0;
}

double ParameterChecksum(const StagedModel& model) {
  double sum = 0;
  for (const torch::Tensor& p : model.parameters())
    sum += p.to(torch::kDouble).sum().item<double>();
  return sum;
}

// A seeded random subset of the training set, and the first test_limit test images.
void ApplyLimits(const TrainOptions& options, Dataset* data) {
  if (options.train_limit > 0 && options.train_limit < data->train_images.size(0)) {
    const torch::Tensor subset =
        torch::randperm(data->train_images.size(0)).slice(0, 0, options.train_limit);
    data->train_images = data->train_images.index_select(0, subset);
    data->train_labels = data->train_labels.index_select(0, subset);
  }
  if (options.test_limit > 0 && options.test_limit < data->test_images.size(0)) {
    data->test_images = data->test_images.slice(0, 0, options.test_limit);
    data->test_labels = data->test_labels.slice(0, 0, options.test_limit);
  }
}

absl::string_view KindName(client::Kind kind) {
  switch (kind) {
    case client::Kind::kActivation:
      return "activation";
    case client::Kind::kGradient:
      return "gradient";
    case client::Kind::kWeight:
      return "weight";
  }
  return "unknown";
}

// Prints each alert the collector announced since the last call, on a line of its own:
// "actiscope alert at step 57: collapse on conv5_x (activation): <message>" (", rank R" after
// the kind when the run has several ranks). The step is the one the condition began at.
void PrintAlerts(client::Reporter* reporter, uint32_t world_size, Progress* progress) {
  for (const client::AlertNotice& alert : reporter->TakeAlerts()) {
    progress->Note(absl::StrCat("actiscope alert at step ", alert.first_step, ": ", alert.type,
                                " on ", alert.layer, " (", KindName(alert.kind),
                                world_size > 1 ? absl::StrCat(", rank ", alert.rank) : "",
                                "): ", alert.message));
  }
}

// The reporter for this rank. With several ranks, rank 0's reporter picks the run id and the
// others wait for it through the process group's store, so every rank reports into one run.
// A resumed run reports into its checkpoint's run from the checkpoint's step on.
absl::StatusOr<std::unique_ptr<client::Reporter>> StartReporter(
    const TrainOptions& options, torch::Device device, ProcessGroup* process_group,
    const std::optional<CheckpointState>& start) {
  constexpr char kRunIdKey[] = "actiscope/run_id";
  client::ReporterOptions reporter_options;
  reporter_options.server_address = options.server;
  reporter_options.token_file = options.token_file;
  reporter_options.tls_ca_file = options.tls_ca_file;
  reporter_options.tls_cert_file = options.tls_cert_file;
  reporter_options.tls_key_file = options.tls_key_file;
  reporter_options.spool_dir = options.spool_dir;
  reporter_options.offline = options.offline;
  reporter_options.run.run_id = options.run_id;
  reporter_options.run.name = options.run_name;
  reporter_options.run.config = ConfigMap(options);
  reporter_options.run.device = device.str();
  reporter_options.run.world_size = options.distributed.world_size;
  reporter_options.run.rank = options.distributed.rank;
  if (start.has_value()) {
    reporter_options.run.run_id = start->run_id;
    reporter_options.run.name = start->run_name;
    reporter_options.run.resume_from_step = start->step;
  }
  const bool leader = process_group == nullptr || process_group->rank() == 0;
  if (!leader) {
    ACTISCOPE_ASSIGN_OR_RETURN(reporter_options.run.run_id,
                               process_group->ShareFromRankZero(kRunIdKey, ""));
  }
  ACTISCOPE_ASSIGN_OR_RETURN(std::unique_ptr<client::Reporter> reporter,
                             client::Reporter::Start(std::move(reporter_options)));
  if (leader && process_group != nullptr) {
    ACTISCOPE_RETURN_IF_ERROR(
        process_group->ShareFromRankZero(kRunIdKey, reporter->run_id()).status());
  }
  return reporter;
}

absl::StatusOr<TrainResult> TrainOrThrow(const TrainOptions& options) {
  at::set_num_threads(IntraOpThreads(options.threads, AvailableCpus(), options.distributed));
  ACTISCOPE_ASSIGN_OR_RETURN(torch::Device device, ResolveDevice(options.device));
  ACTISCOPE_ASSIGN_OR_RETURN(Dataset data, LoadDataset(options.data_dir));
  torch::manual_seed(options.seed);
  ApplyLimits(options, &data);
  const uint32_t world = options.distributed.world_size;
  const uint32_t rank = options.distributed.rank;
  const int64_t steps_per_epoch = data.train_images.size(0) / world / options.batch_size;
  if (steps_per_epoch < 1 || options.epochs < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no training steps: ", data.train_images.size(0), " images over ", world,
        " ranks at batch size ", options.batch_size, " for ", options.epochs, " epochs"));
  }
  int64_t total_steps = steps_per_epoch * options.epochs;
  if (options.max_steps > 0) total_steps = std::min(total_steps, options.max_steps);

  std::shared_ptr<StagedModel> model = MakeModel(options.model, options.width);
  model->to(device);
  std::vector<double> peaks;
  ACTISCOPE_ASSIGN_OR_RETURN(auto groups, ParamGroups(options, *model, &peaks));
  std::unique_ptr<torch::optim::Optimizer> optimizer = MakeOptimizer(options, std::move(groups));
  const OneCycleSchedule schedule(total_steps);
  ACTISCOPE_ASSIGN_OR_RETURN(
      const std::optional<CheckpointState> start,
      StartFromCheckpoint(options, total_steps, device, model.get(), optimizer.get(), stderr));

  std::unique_ptr<ProcessGroup> process_group;
  if (world > 1) {
    ACTISCOPE_ASSIGN_OR_RETURN(process_group,
                               ProcessGroup::Connect(options.distributed, kRendezvousTimeout));
    ACTISCOPE_RETURN_IF_ERROR(CheckRanksAgree(process_group.get(), start, options.checkpoint_dir));
    ACTISCOPE_RETURN_IF_ERROR(process_group->BroadcastFromRankZero(model->parameters()));
    ACTISCOPE_RETURN_IF_ERROR(process_group->BroadcastFromRankZero(model->buffers()));
  }

  ACTISCOPE_ASSIGN_OR_RETURN(std::unique_ptr<client::Reporter> reporter,
                             StartReporter(options, device, process_group.get(), start));
  // Any early return or exception below reports the run as failed.
  struct FailUnlessFinished {
    client::Reporter* reporter;
    ~FailUnlessFinished() { reporter->Finish(/*succeeded=*/false, kFinishTimeout); }
  } fail_unless_finished{reporter.get()};
  ACTISCOPE_ASSIGN_OR_RETURN(Probes probes,
                             Probes::Create(options.probes, model.get(), reporter.get()));

  // Rank 0 saves; the other ranks hold the same model and optimizer state (resume.h).
  const bool save_checkpoints = !options.checkpoint_dir.empty() && rank == 0;
  CheckpointState checkpoint;
  checkpoint.schedule_steps = total_steps;
  checkpoint.run_id = reporter->run_id();
  checkpoint.run_name = start.has_value() ? start->run_name : options.run_name;
  checkpoint.config = ConfigMap(options);
  auto save = [&](int64_t step, int64_t epoch, int64_t position, double loss_sum,
                  const torch::Tensor& epoch_order) {
    checkpoint.step = step;
    checkpoint.epoch = epoch;
    checkpoint.epoch_position = position;
    checkpoint.epoch_loss_sum = loss_sum;
    checkpoint.epoch_order = epoch_order;
    checkpoint.generator_state = CpuGeneratorState();
    return SaveCheckpoint(options.checkpoint_dir, checkpoint, *model, *optimizer);
  };
  auto due = [&options](int64_t completed) {
    return options.checkpoint_every > 0 && completed % options.checkpoint_every == 0;
  };

  TrainResult result;
  result.run_id = reporter->run_id();
  Progress progress(stdout, options.progress_tty, options.progress_interval);
  const bool print = rank == 0;
  absl::Duration train_time;
  absl::Duration eval_time;  // Of --eval_every's evaluations inside epochs.
  const int64_t start_step = start.has_value() ? start->step : 0;
  int64_t step = start_step;
  // A checkpoint taken at an epoch's end continues with the next epoch; one taken inside an
  // epoch continues that epoch's order, position and loss sum.
  int64_t first_epoch = 0;
  if (start.has_value()) {
    first_epoch = start->epoch_position < steps_per_epoch ? start->epoch : start->epoch + 1;
  }
  const std::vector<torch::Tensor> parameters = model->parameters();
  for (int64_t epoch = first_epoch; epoch < options.epochs && step < total_steps; ++epoch) {
    const bool continued = start.has_value() && epoch == start->epoch;
    const int64_t first = continued ? start->epoch_position : 0;
    const int64_t epoch_end = std::min(steps_per_epoch, first + total_steps - step);
    if (print) progress.StartEpoch(epoch, options.epochs, epoch_end - first);
    const absl::Time epoch_start = absl::Now();
    const torch::Tensor epoch_order =
        continued ? start->epoch_order : torch::randperm(data.train_images.size(0));
    const torch::Tensor order = epoch_order.slice(0, rank, c10::nullopt, world);
    double loss_sum = continued ? start->epoch_loss_sum : 0;
    for (int64_t i = first; i < epoch_end; ++i, ++step) {
      const ScheduleValue value = options.optimizer == OptimizerKind::kAdamOneCycle
                                      ? schedule.At(step)
                                      : ScheduleValue{1, options.sgd_momentum};
      ApplySchedule(value, peaks, optimizer.get());
      const torch::Tensor batch =
          order.slice(0, i * options.batch_size, (i + 1) * options.batch_size);
      torch::Tensor images = data.train_images.index_select(0, batch).to(device);
      if (step == options.inject_nan_at) images[0].fill_(std::numeric_limits<float>::quiet_NaN());
      const torch::Tensor labels = data.train_labels.index_select(0, batch).to(device);
      const torch::Tensor logits = model->Forward(images, probes.ObserverFor(step));
      probes.RecordActivations();
      torch::Tensor loss = torch::cross_entropy_loss(logits, labels);
      optimizer->zero_grad();
      loss.backward();
      if (process_group != nullptr) {
        ACTISCOPE_RETURN_IF_ERROR(process_group->AverageGradients(parameters));
      }
      optimizer->step();
      probes.RecordWeights(step);
      const double loss_value = loss.item<double>();
      loss_sum += loss_value;
      if (options.scalar_every > 0 && step % options.scalar_every == 0) {
        reporter->RecordScalar(step, "loss", loss_value);
        reporter->RecordScalar(step, "lr", peaks.back() * value.lr_scale);
      }
      if (print) progress.Step(i + 1 - first, loss_value);
      PrintAlerts(reporter.get(), world, &progress);
      if (options.eval_every > 0 && (step + 1) % options.eval_every == 0 && i + 1 < epoch_end) {
        const absl::Time eval_start = absl::Now();
        reporter->RecordScalar(
            step, "test_error_rate",
            TestErrorRate(model.get(), data.test_images, data.test_labels, device));
        eval_time += absl::Now() - eval_start;
      }
      // A checkpoint due at the epoch's last step waits for the epoch's evaluation below.
      if (save_checkpoints && due(step + 1) && i + 1 < epoch_end) {
        ACTISCOPE_RETURN_IF_ERROR(save(step + 1, epoch, i + 1, loss_sum, epoch_order));
      }
    }
    train_time += absl::Now() - epoch_start - eval_time;
    eval_time = absl::ZeroDuration();
    result.last_train_loss = loss_sum / static_cast<double>(epoch_end);
    result.test_error_rate = TestErrorRate(model.get(), data.test_images, data.test_labels, device);
    reporter->RecordScalar(step - 1, "train_loss", result.last_train_loss);
    reporter->RecordScalar(step - 1, "test_error_rate", result.test_error_rate);
    reporter->RecordScalar(step - 1, "test_accuracy", 1 - result.test_error_rate);
    if (print) progress.EndEpoch(result.last_train_loss, result.test_error_rate);
    if (save_checkpoints && (due(step) || step == total_steps)) {
      ACTISCOPE_RETURN_IF_ERROR(save(step, epoch, epoch_end, loss_sum, epoch_order));
    }
  }
  if (step == start_step) {  // Resumed from the run's last checkpoint: nothing left to train.
    result.test_error_rate = TestErrorRate(model.get(), data.test_images, data.test_labels, device);
  }
  result.steps = step;
  const int64_t steps_run = step - start_step;
  result.steps_per_second =
      steps_run > 0 ? static_cast<double>(steps_run) / absl::ToDoubleSeconds(train_time) : 0;
  result.parameter_checksum = ParameterChecksum(*model);
  const client::FinishReport finish = reporter->Finish(/*succeeded=*/true, kFinishTimeout);
  PrintAlerts(reporter.get(), world, &progress);  // Those the last acknowledgements brought.
  if (finish.alerts_dropped > 0) {
    progress.Note(absl::StrCat("actiscope: ", finish.alerts_dropped,
                               " more alerts were not shown; actiscope alerts ", result.run_id,
                               " lists them all"));
  }
  result.frames_acked = finish.frames_acked;
  result.frames_in_spool = finish.frames_in_spool;
  result.wire_bytes = finish.wire_bytes;
  result.frames_dropped = finish.frames_dropped;
  return result;
}

}  // namespace

absl::StatusOr<TrainResult> Train(const TrainOptions& options) {
  try {
    return TrainOrThrow(options);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("training failed: ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("training failed: ", e.what()));
  }
}

}  // namespace actiscope::trainer
