#include "trainer/distributed.h"

#include <chrono>
#include <exception>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "absl/strings/str_cat.h"

namespace actiscope::trainer {
namespace {

absl::Status FromException(const std::string& what, const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  return absl::InternalError(
      absl::StrCat(what, ": ", torch_error ? torch_error->what_without_backtrace() : e.what()));
}

}  // namespace

class ProcessGroup::Impl {
 public:
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl, uint32_t rank, uint32_t world_size)
    : impl_(std::move(impl)), rank_(rank), world_size_(world_size) {}

ProcessGroup::~ProcessGroup() = default;

absl::StatusOr<std::unique_ptr<ProcessGroup>> ProcessGroup::Connect(
    const DistributedOptions& options, absl::Duration timeout) {
  if (options.world_size < 1 || options.rank >= options.world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rank ", options.rank, " must be below --world_size ", options.world_size));
  }
  const std::string where = absl::StrCat(options.master_addr, ":", options.master_port);
  const auto timeout_ms = std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout));
  auto impl = std::make_unique<Impl>();
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = options.master_port;
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = options.world_size;
    store_options.waitWorkers = true;
    store_options.timeout = timeout_ms;
    impl->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout_ms);
    gloo_options->devices.push_back(
        c10d::ProcessGroupGloo::createDeviceForHostname(options.master_addr));
    gloo_options->threads = 2;
    impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
        impl->store, static_cast<int>(options.rank), static_cast<int>(options.world_size),
        gloo_options);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rendezvous of ", options.world_size, " ranks at ",
                                               where, " failed: ", e.what()));
  }
  return std::unique_ptr<ProcessGroup>(
      new ProcessGroup(std::move(impl), options.rank, options.world_size));
}

absl::StatusOr<std::string> ProcessGroup::ShareFromRankZero(const std::string& key,
                                                            const std::string& value) {
  try {
    if (rank_ == 0) {
      impl_->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
      return value;
    }
    const std::vector<uint8_t> bytes = impl_->store->get(key);
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::exception& e) {
    return FromException(absl::StrCat("sharing \"", key, "\" from rank 0"), e);
  }
}

absl::StatusOr<int64_t> ProcessGroup::SumOverRanks(int64_t value) {
  try {
    std::vector<torch::Tensor> one = {torch::tensor({value}, torch::kLong)};
    impl_->group->allreduce(one)->wait();
    return one[0].item<int64_t>();
  } catch (const std::exception& e) {
    return FromException("summing over ranks", e);
  }
}

absl::Status ProcessGroup::BroadcastFromRankZero(const std::vector<torch::Tensor>& tensors) {
  try {
    for (const torch::Tensor& tensor : tensors) {
      std::vector<torch::Tensor> one = {tensor.detach()};
      impl_->group->broadcast(one)->wait();
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return FromException("broadcasting parameters from rank 0", e);
  }
}

absl::Status ProcessGroup::AverageGradients(const std::vector<torch::Tensor>& parameters) {
  try {
    std::vector<torch::Tensor> grads;
    grads.reserve(parameters.size());
    for (const torch::Tensor& p : parameters) {
      grads.push_back(p.grad().defined() ? p.grad().reshape(-1) : torch::zeros_like(p).reshape(-1));
    }
    std::vector<torch::Tensor> flat = {torch::cat(grads)};
    impl_->group->allreduce(flat)->wait();
    flat[0].div_(static_cast<double>(world_size_));
    int64_t offset = 0;
    for (const torch::Tensor& p : parameters) {
      const int64_t n = p.numel();
      torch::Tensor averaged = flat[0].slice(0, offset, offset + n).view_as(p);
      if (p.grad().defined()) {
        p.mutable_grad().copy_(averaged);
      } else {
        p.mutable_grad() = averaged.clone();
      }
      offset += n;
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return FromException("averaging gradients", e);
  }
}

}  // namespace actiscope::trainer
