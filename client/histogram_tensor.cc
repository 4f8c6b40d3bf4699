// ComputeHistogram for tensors: CPU tensors go through the one-pass kernel (contiguous tensors
// read in place, strided ones converted to float in small blocks, tensors from
// 2 × kMinElementsPerThread elements split over threads, see histogram_tensor.h; several
// contiguous tensors together in one parallel pass for Reporter::RecordHeld); other devices use
// the op path of device_histogram.h.
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

#include "absl/container/inlined_vector.h"
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

// A contiguous CPU tensor's elements, read in place by element range (float16/bfloat16 bit
// patterns converted as the kernel loads them).
struct ContiguousValues {
  explicit ContiguousValues(const at::Tensor& values)
      : dtype(values.scalar_type()), data(values.data_ptr()), n(values.numel()) {}

  // Adds elements [start, start + length) to `acc`.
  void Add(int64_t start, int64_t length, HistogramAccumulator* acc) const {
    const auto count = static_cast<size_t>(length);
    if (dtype == at::kFloat) {
      acc->Add(static_cast<const float*>(data) + start, count);
    } else if (dtype == at::kHalf) {
      AccumulateHalf(BestKernelPath(), static_cast<const uint16_t*>(data) + start, count, acc);
    } else {
      AccumulateBFloat16(BestKernelPath(), static_cast<const uint16_t*>(data) + start, count, acc);
    }
  }

  at::ScalarType dtype;
  const void* data;
  int64_t n;
};

// Piece `p` of `parts` equal pieces of `n` elements (the last one shorter, possibly empty).
struct PieceRange {
  PieceRange(int64_t n, int64_t parts, int64_t p) {
    const int64_t per_part = (n + parts - 1) / parts;
    start = p * per_part;
    length = std::min(per_part, n - start);
  }
  int64_t start;
  int64_t length;
};

}  // namespace

bool IsHistogramDtype(at::ScalarType dtype) {
  return dtype == at::kFloat || dtype == at::kHalf || dtype == at::kBFloat16;
}

bool IsContiguousCpuInput(const at::Tensor& values) {
  return values.defined() && values.device().is_cpu() && values.layout() == at::kStrided &&
         values.is_contiguous() && IsHistogramDtype(values.scalar_type());
}

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
    const ContiguousValues source(values);
    if (parts <= 1 || source.n < parts) {
      HistogramAccumulator acc(plan);
      source.Add(0, source.n, &acc);
      return acc.Result();
    }
    return SplitOverThreads(plan, parts, threads_used, [&](int64_t p, HistogramAccumulator* acc) {
      const PieceRange piece(source.n, parts, p);
      if (piece.length > 0) source.Add(piece.start, piece.length, acc);
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
  return SplitOverThreads(plan, parts, threads_used, [&](int64_t p, HistogramAccumulator* acc) {
    const PieceRange piece(dim0, parts, p);
    if (piece.length > 0) AddAny(t.narrow(0, piece.start, piece.length), acc);
  });
}

std::vector<HistogramResult> ComputeContiguousCpuHistograms(
    absl::Span<const at::Tensor> values, absl::Span<const HistogramPlan* const> plans,
    int max_threads) {
  const int threads = max_threads > 0 ? max_threads : at::get_num_threads();
  // Each tensor's pieces, as ComputeCpuHistogram would split it. Inline storage: a step's
  // probes make a dozen pieces, and each allocation on this path costs cache misses.
  struct Piece {
    const ContiguousValues* source;
    int64_t start;
    int64_t length;
    int worker;
  };
  absl::InlinedVector<ContiguousValues, 8> sources;
  absl::InlinedVector<Piece, 16> pieces;
  absl::InlinedVector<size_t, 9> first_piece;  // Of each tensor, then the end.
  sources.reserve(values.size());
  for (const at::Tensor& tensor : values) {
    const ContiguousValues& source = sources.emplace_back(tensor);
    first_piece.push_back(pieces.size());
    const int64_t parts = SplitParts(source.n, threads);  // At most n / kMinElementsPerThread.
    for (int64_t p = 0; p < parts; ++p) {
      const PieceRange range(source.n, parts, p);
      pieces.push_back({&source, range.start, range.length, 0});
    }
  }
  first_piece.push_back(pieces.size());
  // The pieces, largest first, each to the thread with the fewest elements so far.
  const int workers = static_cast<int>(
      std::clamp<size_t>(static_cast<size_t>(threads), 1, std::max<size_t>(pieces.size(), 1)));
  absl::InlinedVector<size_t, 16> order(pieces.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return pieces[a].length != pieces[b].length ? pieces[a].length > pieces[b].length : a < b;
  });
  absl::InlinedVector<int64_t, 8> load(workers, 0);
  for (size_t piece : order) {
    const auto w = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    pieces[piece].worker = w;
    load[w] += pieces[piece].length;
  }
  std::vector<HistogramAccumulator> partial;
  partial.reserve(pieces.size());
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t p = first_piece[i]; p < first_piece[i + 1]; ++p) partial.emplace_back(*plans[i]);
  }
  at::parallel_for(0, workers, 1, [&](int64_t begin, int64_t end) {
    for (size_t piece : order) {
      const Piece& p = pieces[piece];
      if (p.worker >= begin && p.worker < end && p.length > 0) {
        p.source->Add(p.start, p.length, &partial[piece]);
      }
    }
  });
  // Merged in piece order, as ComputeCpuHistogram merges: the same sums to the last bit.
  std::vector<HistogramResult> results;
  results.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t p = first_piece[i] + 1; p < first_piece[i + 1]; ++p) {
      partial[first_piece[i]].Merge(partial[p]);
    }
    results.push_back(partial[first_piece[i]].Result());
  }
  return results;
}

absl::StatusOr<HistogramResult> ComputeHistogramWithPlan(const at::Tensor& values,
                                                         const HistogramPlan& plan,
                                                         int max_threads) {
  try {
    if (!values.defined()) return absl::InvalidArgumentError("histogram: undefined tensor");
    const at::ScalarType dtype = values.scalar_type();
    if (!IsHistogramDtype(dtype)) {
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
