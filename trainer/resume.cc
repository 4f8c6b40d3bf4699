#include "trainer/resume.h"

#include <ATen/CPUGeneratorImpl.h>

#include <exception>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace actiscope::trainer {
namespace {

absl::Status SetCpuGeneratorState(const torch::Tensor& state, const std::string& path) {
  try {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
  } catch (const c10::Error& e) {
    return absl::DataLossError(
        absl::StrCat("checkpoint ", path, ": generator_state: ", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

// Checks that `checkpoint` continues the run these options describe.
absl::Status CheckSameRun(const TrainOptions& options, int64_t schedule_steps,
                          const LoadedCheckpoint& checkpoint) {
  const CheckpointState& state = checkpoint.state();
  if (!options.run_id.empty() && options.run_id != state.run_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--run_id=", options.run_id, ": the newest checkpoint in ", options.checkpoint_dir,
        " belongs to run ", state.run_id, " (drop --run_id or give that id)"));
  }
  if (!options.run_name.empty() && options.run_name != state.run_name) {
    return absl::InvalidArgumentError(
        absl::StrCat("--run_name=", options.run_name, ": the newest checkpoint in ",
                     options.checkpoint_dir, " belongs to run ", state.run_id, " named \"",
                     state.run_name, "\" (drop --run_name or give that name)"));
  }
  ACTISCOPE_RETURN_IF_ERROR(CheckResumableConfig(state.config, ConfigMap(options)));
  if (state.schedule_steps != schedule_steps || state.step > schedule_steps) {
    return absl::FailedPreconditionError(
        absl::StrCat("--resume: checkpoint ", checkpoint.path(), " is at step ", state.step, " of ",
                     state.schedule_steps, ", these flags train for ", schedule_steps, " steps"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<CheckpointState>> StartFromCheckpoint(
    const TrainOptions& options, int64_t schedule_steps, torch::Device device,
    torch::nn::Module* model, torch::optim::Optimizer* optimizer, std::FILE* log) {
  const std::string& dir = options.checkpoint_dir;
  if (dir.empty()) return std::nullopt;
  if (options.distributed.rank == 0) ACTISCOPE_RETURN_IF_ERROR(PrepareCheckpointDir(dir));
  if (!options.resume) {
    if (options.distributed.rank != 0) return std::nullopt;
    ACTISCOPE_ASSIGN_OR_RETURN(const std::vector<int64_t> steps, ListCheckpoints(dir));
    if (!steps.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--checkpoint_dir ", dir, " already holds checkpoints (the newest at step ", steps.back(),
          "): pass --resume to continue that run, or choose an empty directory"));
    }
    return std::nullopt;
  }
  std::vector<std::string> warnings;
  absl::StatusOr<std::optional<LoadedCheckpoint>> checkpoint =
      ReadNewestCheckpoint(dir, device, &warnings);
  for (const std::string& warning : warnings) {
    std::fprintf(log, "actiscope-train: warning: %s\n", warning.c_str());
  }
  if (!checkpoint.ok()) return checkpoint.status();
  if (!checkpoint->has_value()) {
    std::fprintf(log, "actiscope-train: --resume: no checkpoint in %s; starting a fresh run\n",
                 dir.c_str());
    return std::nullopt;
  }
  LoadedCheckpoint& loaded = **checkpoint;
  ACTISCOPE_RETURN_IF_ERROR(CheckSameRun(options, schedule_steps, loaded));
  ACTISCOPE_RETURN_IF_ERROR(loaded.Restore(model, optimizer));
  ACTISCOPE_RETURN_IF_ERROR(SetCpuGeneratorState(loaded.state().generator_state, loaded.path()));
  std::fprintf(log, "actiscope-train: resuming run %s (\"%s\") at step %lld from %s\n",
               loaded.state().run_id.c_str(), loaded.state().run_name.c_str(),
               static_cast<long long>(loaded.state().step), loaded.path().c_str());
  return loaded.state();
}

absl::Status CheckRanksAgree(ProcessGroup* process_group,
                             const std::optional<CheckpointState>& start,
                             const std::string& checkpoint_dir) {
  const std::string mine = start.has_value()
                               ? absl::StrCat("at step ", start->step, " of run ", start->run_id)
                               : "fresh";
  ACTISCOPE_ASSIGN_OR_RETURN(const std::string rank_zero,
                             process_group->ShareFromRankZero("actiscope/start", mine));
  // Every rank learns whether any disagrees, so none is left waiting in a collective.
  ACTISCOPE_ASSIGN_OR_RETURN(const int64_t disagreeing,
                             process_group->SumOverRanks(rank_zero == mine ? 0 : 1));
  if (disagreeing == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "--resume: ", disagreeing, " rank(s) start otherwise than rank 0, which starts ", rank_zero,
      " (rank ", process_group->rank(), " starts ", mine, "): every rank must read rank 0's ",
      "checkpoints (one machine or a shared filesystem; this rank's --checkpoint_dir is ",
      checkpoint_dir, ")"));
}

torch::Tensor CpuGeneratorState() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

}  // namespace actiscope::trainer
