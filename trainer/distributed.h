// Data-parallel training across processes with LibTorch's c10d: a TCPStore rendezvous at
// master_addr:master_port (rank 0 hosts it) and a Gloo process group over which gradients are
// averaged after every backward pass.
//
// Flow: the trainer connects once at start (when world_size > 1), checks that every rank resumes
// from the same checkpoint (resume.h), shares the run id chosen by rank 0, broadcasts rank 0's
// initial parameters, then calls AverageGradients every step.
// The c10d and Gloo headers stay in distributed.cc.
//
// Thread-safety: not thread-safe; all ranks must call the collective methods in the same order.
#ifndef ACTISCOPE_TRAINER_DISTRIBUTED_H_
#define ACTISCOPE_TRAINER_DISTRIBUTED_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "trainer/train_options.h"

namespace actiscope::trainer {

class ProcessGroup {
 public:
  // Rendezvous of `options.world_size` processes. INVALID_ARGUMENT when rank >= world_size;
  // UNAVAILABLE when the peers do not all arrive within `timeout` (the message names the
  // address); INTERNAL for other c10d/Gloo failures.
  static absl::StatusOr<std::unique_ptr<ProcessGroup>> Connect(const DistributedOptions& options,
                                                               absl::Duration timeout);
  ~ProcessGroup();

  uint32_t rank() const { return rank_; }
  uint32_t world_size() const { return world_size_; }

  // Rank 0 publishes `value` under `key`; every rank returns rank 0's value.
  absl::StatusOr<std::string> ShareFromRankZero(const std::string& key, const std::string& value);

  // The sum of `value` over all ranks (an allreduce), returned on every rank.
  absl::StatusOr<int64_t> SumOverRanks(int64_t value);

  // Overwrites every rank's tensors with rank 0's (in place).
  absl::Status BroadcastFromRankZero(const std::vector<torch::Tensor>& tensors);

  // Replaces each parameter's gradient with its mean over all ranks (one allreduce over a
  // flattened buffer). Parameters without a gradient take part as zeros.
  absl::Status AverageGradients(const std::vector<torch::Tensor>& parameters);

 private:
  class Impl;
  ProcessGroup(std::unique_ptr<Impl> impl, uint32_t rank, uint32_t world_size);

  std::unique_ptr<Impl> impl_;
  uint32_t rank_;
  uint32_t world_size_;
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_DISTRIBUTED_H_
