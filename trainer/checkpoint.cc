#include "trainer/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "trainer/checksummed_file.h"

namespace actiscope::trainer {
namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "checkpoint-";
constexpr char kSuffix[] = ".pt";
constexpr char kTempSuffix[] = ".tmp";

std::string TorchText(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  return torch_error != nullptr ? torch_error->what_without_backtrace() : e.what();
}

void WriteState(const CheckpointState& state, torch::serialize::OutputArchive* archive) {
  archive->write("format", c10::IValue(kCheckpointFormat));
  archive->write("step", c10::IValue(state.step));
  archive->write("epoch", c10::IValue(state.epoch));
  archive->write("epoch_position", c10::IValue(state.epoch_position));
  archive->write("schedule_steps", c10::IValue(state.schedule_steps));
  archive->write("epoch_loss_sum", c10::IValue(state.epoch_loss_sum));
  archive->write("run_id", c10::IValue(state.run_id));
  archive->write("run_name", c10::IValue(state.run_name));
  c10::List<std::string> keys;
  c10::List<std::string> values;
  for (const auto& [key, value] : state.config) {
    keys.push_back(key);
    values.push_back(value);
  }
  archive->write("config_keys", c10::IValue(keys));
  archive->write("config_values", c10::IValue(values));
  archive->write("epoch_order", state.epoch_order.to(torch::kCPU), /*is_buffer=*/true);
  archive->write("generator_state", state.generator_state.to(torch::kCPU), /*is_buffer=*/true);
}

// Throws c10::Error for a missing entry or one of another type.
CheckpointState ReadState(torch::serialize::InputArchive& archive) {
  auto read = [&archive](const char* key) {
    c10::IValue value;
    archive.read(key, value);
    return value;
  };
  const int64_t format = read("format").toInt();
  TORCH_CHECK(format == kCheckpointFormat, "format ", format, ", expected ", kCheckpointFormat);
  CheckpointState state;
  state.step = read("step").toInt();
  state.epoch = read("epoch").toInt();
  state.epoch_position = read("epoch_position").toInt();
  state.schedule_steps = read("schedule_steps").toInt();
  state.epoch_loss_sum = read("epoch_loss_sum").toDouble();
  state.run_id = read("run_id").toStringRef();
  state.run_name = read("run_name").toStringRef();
  const c10::IValue keys = read("config_keys");
  const c10::IValue values = read("config_values");
  const auto key_list = keys.toListRef();
  const auto value_list = values.toListRef();
  TORCH_CHECK(key_list.size() == value_list.size(), "config has ", key_list.size(), " keys and ",
              value_list.size(), " values");
  for (size_t i = 0; i < key_list.size(); ++i) {
    state.config[key_list[i].toStringRef()] = value_list[i].toStringRef();
  }
  archive.read("epoch_order", state.epoch_order, /*is_buffer=*/true);
  archive.read("generator_state", state.generator_state, /*is_buffer=*/true);
  state.epoch_order = state.epoch_order.to(torch::kCPU);
  state.generator_state = state.generator_state.to(torch::kCPU);
  return state;
}

// Keeps checkpoint `kept` and the newest one older than it; removes the other checkpoints and
// any temp file. Best effort: what cannot be removed stays.
void Prune(const std::string& dir, int64_t kept) {
  absl::StatusOr<std::vector<int64_t>> steps = ListCheckpoints(dir);
  if (steps.ok()) {
    int64_t previous = -1;
    for (int64_t step : *steps) {
      if (step < kept) previous = step;
    }
    std::error_code ignored;
    for (int64_t step : *steps) {
      if (step != kept && step != previous) fs::remove(CheckpointPath(dir, step), ignored);
    }
  }
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (absl::StartsWith(name, absl::StrCat(".", kPrefix)) && absl::EndsWith(name, kTempSuffix)) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

// The name and shape of every parameter and buffer, to check a Restore against.
std::vector<std::pair<std::string, std::vector<int64_t>>> Shapes(const torch::nn::Module& model) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (const auto& p : model.named_parameters()) shapes.emplace_back(p.key(), p->sizes().vec());
  for (const auto& b : model.named_buffers()) shapes.emplace_back(b.key(), b->sizes().vec());
  return shapes;
}

}  // namespace

std::string CheckpointPath(const std::string& dir, int64_t step) {
  return absl::StrFormat("%s/%s%012d%s", dir, kPrefix, step, kSuffix);
}

absl::StatusOr<std::vector<int64_t>> ListCheckpoints(const std::string& dir) {
  std::vector<int64_t> steps;
  std::error_code error;
  const bool exists = fs::exists(dir, error);
  if (!exists && !error) return steps;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    absl::string_view digits = name;
    int64_t step = 0;
    if (absl::ConsumePrefix(&digits, kPrefix) && absl::ConsumeSuffix(&digits, kSuffix) &&
        !digits.empty() && std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) &&
        absl::SimpleAtoi(digits, &step)) {
      steps.push_back(step);
    }
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("listing checkpoint directory ", dir, ": ", error.message()));
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

absl::Status PrepareCheckpointDir(const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("--checkpoint_dir ", dir, ": cannot create it: ", error.message()));
  }
  const std::string probe = absl::StrCat(dir, "/.", kPrefix, "probe", kTempSuffix);
  std::FILE* file = std::fopen(probe.c_str(), "w");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("--checkpoint_dir ", dir, ": cannot write in it: ", std::strerror(errno)));
  }
  std::fclose(file);
  unlink(probe.c_str());
  return absl::OkStatus();
}

absl::Status SaveCheckpoint(const std::string& dir, const CheckpointState& state,
                            const torch::nn::Module& model,
                            const torch::optim::Optimizer& optimizer) {
  const std::string path = CheckpointPath(dir, state.step);
  const std::string temp_path =
      absl::StrCat(dir, "/.", fs::path(path).filename().string(), kTempSuffix);
  torch::serialize::OutputArchive archive;
  try {
    WriteState(state, &archive);
    torch::serialize::OutputArchive model_archive;
    model.save(model_archive);
    archive.write("model", model_archive);
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("serializing checkpoint ", path, ": ", TorchText(e)));
  }
  ACTISCOPE_RETURN_IF_ERROR(
      WriteFileAtomically(path, temp_path, [&archive, &path](const BodySink& sink) {
        try {
          archive.save_to(sink);
        } catch (const std::exception& e) {
          return absl::InternalError(absl::StrCat("writing ", path, ": ", TorchText(e)));
        }
        return absl::OkStatus();
      }));
  Prune(dir, state.step);
  return absl::OkStatus();
}

absl::StatusOr<LoadedCheckpoint> LoadedCheckpoint::Read(const std::string& path,
                                                        torch::Device device) {
  absl::StatusOr<VerifiedFile> file = VerifiedFile::Open(path);
  if (!file.ok()) {
    return absl::Status(file.status().code(), absl::StrCat("checkpoint ", file.status().message()));
  }
  LoadedCheckpoint checkpoint;
  checkpoint.path_ = path;
  try {
    torch::serialize::InputArchive archive;
    const VerifiedFile& body = *file;
    archive.load_from(
        [&body](uint64_t offset, void* out, size_t n) { return body.ReadAt(offset, out, n); },
        [&body]() { return static_cast<size_t>(body.body_length()); }, device);
    checkpoint.state_ = ReadState(archive);
    archive.read("model", checkpoint.model_archive_);
    archive.read("optimizer", checkpoint.optimizer_archive_);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path, ": ", TorchText(e)));
  }
  return checkpoint;
}

absl::Status LoadedCheckpoint::Restore(torch::nn::Module* model,
                                       torch::optim::Optimizer* optimizer) {
  const auto shapes = Shapes(*model);
  try {
    model->load(model_archive_);
    optimizer->load(optimizer_archive_);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint ", path_, " does not fit this model: ", TorchText(e)));
  }
  const auto restored = Shapes(*model);
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (restored[i] != shapes[i]) {
      return absl::FailedPreconditionError(
          absl::StrCat("checkpoint ", path_, " does not fit this model: ", shapes[i].first,
                       " has shape [", absl::StrJoin(shapes[i].second, ","), "], the checkpoint [",
                       absl::StrJoin(restored[i].second, ","), "]"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<LoadedCheckpoint>> ReadNewestCheckpoint(
    const std::string& dir, torch::Device device, std::vector<std::string>* warnings) {
  ACTISCOPE_ASSIGN_OR_RETURN(const std::vector<int64_t> steps, ListCheckpoints(dir));
  absl::Status newest_error;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    absl::StatusOr<LoadedCheckpoint> checkpoint =
        LoadedCheckpoint::Read(CheckpointPath(dir, *it), device);
    if (checkpoint.ok()) return std::optional<LoadedCheckpoint>(*std::move(checkpoint));
    if (newest_error.ok()) newest_error = checkpoint.status();
    warnings->push_back(absl::StrCat("skipping unreadable ", checkpoint.status().message()));
  }
  if (steps.empty()) return std::optional<LoadedCheckpoint>();
  return absl::DataLossError(
      absl::StrCat("--checkpoint_dir ", dir, ": none of its ", steps.size(),
                   " checkpoints reads back; the newest: ", newest_error.message()));
}

}  // namespace actiscope::trainer
