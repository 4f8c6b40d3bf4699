// ComputeHistogram for tensors: CPU tensors go through the one-pass kernel (contiguous tensors
// read in place, strided ones converted to float in small blocks, tensors from
// 2 × kMinElementsPerThread elements split over threads, see histogram_tensor.h); other devices
// use the op path of device_histogram.h.
#include "client/histogram_tensor.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/device_histogram.h"
#include "client/histogram_kernel.h"

namespace actiscope::client {
namespace {

// Elements per converted block: small enough to stay in L1 between conversion and kernel.
constexpr int64_t kBlock = 4096;

inline float ToFloat(float v) { return v; }
inline float ToFloat(c10::Half v) { return static_cast<float>(v); }
inline float ToFloat(c10::BFloat16 v) { return static_cast<float>(v); }

// Feeds the elements of a CPU tensor of any strides to `acc`, in blocks of floats. `t` has
// its dimensions ordered by decreasing stride, so its last dimension is the densest.
template <typename T>
void AddStrided(const at::Tensor& t, HistogramAccumulator* acc) {
  if (t.numel() == 0) return;
  const int64_t dims = t.dim();
  if (dims == 0) {
    const float v = ToFloat(*t.data_ptr<T>());
    acc->Add(&v, 1);
    return;
  }
  const T* base = t.data_ptr<T>();
  const auto sizes = t.sizes();
  const auto strides = t.strides();
  const int64_t row_len = sizes[dims - 1];
  const int64_t row_stride = strides[dims - 1];
  std::vector<int64_t> index(dims - 1, 0);
  float buffer[kBlock];
  int64_t filled = 0;
  const auto flush_if_full = [&] {
    if (filled == kBlock) {
      acc->Add(buffer, kBlock);
      filled = 0;
    }
  };
  const int64_t rows = t.numel() / row_len;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t offset = 0;
    for (int64_t d = 0; d + 1 < dims; ++d) offset += index[d] * strides[d];
    const T* row = base + offset;
    if (!std::is_same_v<T, float> && row_stride == 1) {  // Vector conversion of dense rows.
      for (int64_t j = 0; j < row_len;) {
        const int64_t take = std::min(row_len - j, kBlock - filled);
        const auto* bits = reinterpret_cast<const uint16_t*>(row + j);
        if constexpr (std::is_same_v<T, c10::Half>) {
          HalfToFloat(bits, static_cast<size_t>(take), buffer + filled);
        } else {
          BFloat16ToFloat(bits, static_cast<size_t>(take), buffer + filled);
        }
        filled += take;
        j += take;
        flush_if_full();
      }
    } else {
      for (int64_t j = 0; j < row_len; ++j) {
        buffer[filled++] = ToFloat(row[j * row_stride]);
        flush_if_full();
      }
    }
    for (int64_t d = dims - 2; d >= 0; --d) {  // Next row index, last dimension fastest.
      if (++index[d] < sizes[d]) break;
      index[d] = 0;
    }
  }
  acc->Add(buffer, static_cast<size_t>(filled));
}

void AddAny(const at::Tensor& t, HistogramAccumulator* acc) {
  if (t.scalar_type() == at::kFloat && t.is_contiguous()) {
    acc->Add(t.data_ptr<float>(), static_cast<size_t>(t.numel()));
  } else if (t.scalar_type() == at::kFloat) {
    AddStrided<float>(t, acc);
  } else if (t.scalar_type() == at::kHalf) {
    AddStrided<c10::Half>(t, acc);
  } else {
    AddStrided<c10::BFloat16>(t, acc);
  }
}

// `values` with its dimensions permuted by decreasing stride (a histogram ignores order), so
// transposed and channels-last tensors read as contiguous.
at::Tensor DenseOrder(const at::Tensor& values) {
  std::vector<int64_t> order(values.dim());
  std::iota(order.begin(), order.end(), 0);
  const auto strides = values.strides();
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return strides[a] > strides[b]; });
  return values.permute(order);
}

}  // namespace

int64_t SplitParts(int64_t elements, int threads) {
  return std::clamp<int64_t>(elements / kMinElementsPerThread, 1, std::max(threads, 1));
}

namespace {

// Runs add(piece, accumulator) for pieces 0 .. parts - 1 through at::parallel_for, one
// accumulator per piece, and merges them.
template <typename AddPiece>
HistogramResult SplitOverThreads(const HistogramPlan& plan, int64_t parts, int* threads_used,
                                 const AddPiece& add) {
  std::vector<HistogramAccumulator> partial(parts, HistogramAccumulator(plan));
  std::mutex mu;
  std::set<std::thread::id> threads;
  at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
    if (threads_used != nullptr) {
      std::lock_guard<std::mutex> lock(mu);
      threads.insert(std::this_thread::get_id());
    }
    for (int64_t p = begin; p < end; ++p) add(p, &partial[p]);
  });
  if (threads_used != nullptr) *threads_used = static_cast<int>(threads.size());
  for (int64_t p = 1; p < parts; ++p) partial[0].Merge(partial[p]);
  return partial[0].Result();
}

}  // namespace

HistogramResult ComputeCpuHistogram(const at::Tensor& values, const HistogramPlan& plan,
                                    int64_t parts, int* threads_used) {
  if (threads_used != nullptr) *threads_used = 1;
  // The common case, a contiguous activation: read in place (float16/bfloat16 converted as the
  // kernel loads them), split into element ranges, with no tensor made (each costs
  // microseconds of dispatch, about a kernel's time on a 10k-element tensor).
  if (values.is_contiguous()) {
    const at::ScalarType dtype = values.scalar_type();
    const void* data = values.data_ptr();
    const int64_t n = values.numel();
    const auto add_range = [dtype, data](int64_t start, int64_t length, HistogramAccumulator* acc) {
      const auto count = static_cast<size_t>(length);
      if (dtype == at::kFloat) {
        acc->Add(static_cast<const float*>(data) + start, count);
      } else if (dtype == at::kHalf) {
        AccumulateHalf(BestKernelPath(), static_cast<const uint16_t*>(data) + start, count, acc);
      } else {
        AccumulateBFloat16(BestKernelPath(), static_cast<const uint16_t*>(data) + start, count,
                           acc);
      }
    };
    if (parts <= 1 || n < parts) {
      HistogramAccumulator acc(plan);
      add_range(0, n, &acc);
      return acc.Result();
    }
    const int64_t per_part = (n + parts - 1) / parts;
    return SplitOverThreads(plan, parts, threads_used, [&](int64_t p, HistogramAccumulator* acc) {
      const int64_t start = p * per_part;
      const int64_t length = std::min(per_part, n - start);
      if (length > 0) add_range(start, length, acc);
    });
  }
  // A training activation requires grad: views of it (permute, reshape, narrow) would each
  // record an autograd node. A detached alias has none, on the worker threads too.
  const at::NoGradGuard no_grad;
  at::Tensor t = DenseOrder(values.detach());
  if (t.is_contiguous()) t = t.reshape({-1});
  if (t.dim() > 0) parts = std::min(parts, t.size(0));
  if (parts <= 1) {
    HistogramAccumulator acc(plan);
    AddAny(t, &acc);
    return acc.Result();
  }
  const int64_t dim0 = t.size(0);
  const int64_t per_part = (dim0 + parts - 1) / parts;
  return SplitOverThreads(plan, parts, threads_used, [&](int64_t p, HistogramAccumulator* acc) {
    const int64_t start = p * per_part;
    const int64_t length = std::min(per_part, dim0 - start);
    if (length > 0) AddAny(t.narrow(0, start, length), acc);
  });
}

absl::StatusOr<HistogramResult> ComputeHistogramWithPlan(const at::Tensor& values,
                                                         const HistogramPlan& plan,
                                                         int max_threads) {
  try {
    if (!values.defined()) return absl::InvalidArgumentError("histogram: undefined tensor");
    const at::ScalarType dtype = values.scalar_type();
    if (dtype != at::kFloat && dtype != at::kHalf && dtype != at::kBFloat16) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram: unsupported dtype ", c10::toString(dtype)));
    }
    if (!values.device().is_cpu() || values.is_sparse() || values.is_mkldnn()) {
      return ComputeHistogramWithOps(values, plan.layout);
    }
    const int threads = max_threads > 0 ? max_threads : at::get_num_threads();
    return ComputeCpuHistogram(values, plan, SplitParts(values.numel(), threads));
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("histogram: ", e.what_without_backtrace()));
  }
}

absl::StatusOr<HistogramResult> ComputeHistogram(const at::Tensor& values, const BinLayout& layout,
                                                 int max_threads) {
  if (absl::Status s = ValidateLayout(layout); !s.ok()) return s;
  return ComputeHistogramWithPlan(values, HistogramPlan(layout), max_threads);
}

}  // namespace actiscope::client
