// SqliteStore figures: write throughput (histograms/s) into a fresh file for trainer-shaped
// batches, database bytes per stored 40-bin histogram, and ReadHeatmap latency for a
// 1,000,000-step layer at 1,000 columns (from summaries, and from raw segments side by side).
//
// Data: 40 linear bins over [-4, 4), ~100k elements per histogram from a normal distribution
// whose mean and width drift slowly; counts carry Poisson-like sampling noise (seeded), so
// deltas between steps are as noisy as real ones.
//
// Printed per write run: histograms/s (wall time inside Write), CPU microseconds per histogram
// of the writing thread inside Write (robust on a shared machine), database bytes per stored
// histogram (file + WAL after close, every overhead included) and bytes written to disk per
// histogram (WAL frames and checkpoints). "16 writers" runs 16 threads, one run each, as
// concurrent trainer streams do through the gRPC service (group commit).
//
// Usage: store_bench [--quick] [--dir=/tmp] [--keep (stop after the first write, keep the file)]
//                    [--page_size=32768] [--elements=100000 (per histogram)]
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {
namespace {

constexpr uint32_t kBins = 40;
constexpr double kLo = -4;
constexpr double kHi = 4;
uint64_t elements_per_histogram = 100000;

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  Histogram Make(const std::string& layer, int layer_index, int64_t step) {
    const double t = static_cast<double>(step);
    const double mean = 0.3 * std::sin(t / 20000.0 + layer_index);
    const double sd = 1.0 + 0.25 * std::sin(t / 35000.0 + 2 * layer_index);
    Histogram h;
    h.layer = layer;
    h.kind = Kind::kActivation;
    h.step = step;
    h.layout = BinLayout{BinScale::kLinear, kBins, kLo, kHi};
    HistogramSums& v = h.values;
    v.counts.resize(kBins);
    auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - mean) / (sd * std::sqrt(2.0))); };
    auto noisy = [&](double expected) {
      const double x = expected + std::sqrt(expected) * normal_(rng_);
      return static_cast<uint64_t>(std::max(0.0, std::round(x)));
    };
    v.below = noisy(elements_per_histogram * cdf(kLo));
    v.above = noisy(elements_per_histogram * (1 - cdf(kHi)));
    v.elements = v.below + v.above;
    for (uint32_t b = 0; b < kBins; ++b) {
      const double a = kLo + (kHi - kLo) * b / kBins;
      const double z = kLo + (kHi - kLo) * (b + 1) / kBins;
      v.counts[b] = noisy(elements_per_histogram * (cdf(z) - cdf(a)));
      v.elements += v.counts[b];
    }
    const double n = static_cast<double>(v.elements);
    v.min = static_cast<float>(mean - sd * (4.3 + 0.2 * normal_(rng_)));
    v.max = static_cast<float>(mean + sd * (4.3 + 0.2 * normal_(rng_)));
    v.sum = n * mean + std::sqrt(n) * sd * normal_(rng_);
    v.sum_squares = n * (sd * sd + mean * mean) * (1 + normal_(rng_) / std::sqrt(n));
    return h;
  }

 private:
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_;
};

int page_size = 32768;

std::unique_ptr<SqliteStore> OpenFresh(const std::string& path, bool durable) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  StoreOptions options;
  options.page_size = page_size;
  options.path = path;
  options.durable_against_power_loss = durable;
  auto store = SqliteStore::Open(options);
  if (!store.ok()) {
    absl::FPrintF(stderr, "open %s: %s\n", path, store.status().ToString());
    std::exit(1);
  }
  RunInfo run;
  run.run_id = "bench";
  run.name = "bench";
  if (!(*store)->CreateRun(run, std::nullopt).ok()) std::exit(1);
  return std::move(*store);
}

int64_t FileBytes(const std::string& path) {
  int64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    struct stat st;
    if (stat((path + suffix).c_str(), &st) == 0) total += st.st_size;
  }
  return total;
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

// Bytes this process has passed to write(2) and friends so far.
int64_t WrittenBytes() {
  FILE* f = std::fopen("/proc/self/io", "r");
  if (f == nullptr) return 0;
  char key[64];
  long long value = 0;
  int64_t wchar = 0;
  while (std::fscanf(f, "%63s %lld", key, &value) == 2) {
    if (std::string(key) == "wchar:") wchar = value;
  }
  std::fclose(f);
  return wchar;
}

struct WriteFigures {
  double histograms_per_s = 0;
  double cpu_us_per_histogram = 0;   // CPU time of the writing thread inside Write.
  double written_per_histogram = 0;  // Bytes written to the WAL and the file, per histogram.
  double bytes_per_histogram = 0;
  int64_t histograms = 0;
};

// Writes layers x steps histograms in Writes of layers x steps_per_write; times Write only.
WriteFigures RunWrites(const std::string& path, bool durable, int layers, int64_t steps,
                       int64_t steps_per_write) {
  std::unique_ptr<SqliteStore> store = OpenFresh(path, durable);
  Generator gen(42);
  std::vector<std::string> names;
  for (int l = 0; l < layers; ++l) names.push_back(absl::StrFormat("model.layer%02d.mlp", l));
  absl::Duration writing;
  double cpu = 0;
  const int64_t written_before = WrittenBytes();
  WriteFigures figures;
  WriteBatch batch;
  batch.run_id = "bench";
  for (int64_t s0 = 0; s0 < steps; s0 += steps_per_write) {
    batch.histograms.clear();
    for (int64_t s = s0; s < std::min(steps, s0 + steps_per_write); ++s) {
      for (int l = 0; l < layers; ++l) batch.histograms.push_back(gen.Make(names[l], l, s));
    }
    const absl::Time start = absl::Now();
    const double cpu_start = ThreadCpuSeconds();
    absl::StatusOr<WriteResult> result = store->Write(batch);
    cpu += ThreadCpuSeconds() - cpu_start;
    writing += absl::Now() - start;
    if (!result.ok()) {
      absl::FPrintF(stderr, "write: %s\n", result.status().ToString());
      std::exit(1);
    }
    figures.histograms += result->histograms_stored;
  }
  store.reset();  // Checkpoints the WAL into the file.
  figures.written_per_histogram =
      static_cast<double>(WrittenBytes() - written_before) / figures.histograms;
  figures.histograms_per_s = figures.histograms / absl::ToDoubleSeconds(writing);
  figures.cpu_us_per_histogram = cpu * 1e6 / figures.histograms;
  figures.bytes_per_histogram = static_cast<double>(FileBytes(path)) / figures.histograms;
  return figures;
}

// `writers` threads, each writing its own run (like concurrent trainer streams) in Writes of
// 16 layers x steps_per_write, from pre-generated histograms re-used at increasing steps.
double RunConcurrentWrites(const std::string& path, bool durable, int writers,
                           int64_t steps_per_writer, int64_t steps_per_write) {
  std::unique_ptr<SqliteStore> store = OpenFresh(path, durable);
  constexpr int kLayers = 16;
  std::vector<std::vector<Histogram>> templates(writers);
  for (int w = 0; w < writers; ++w) {
    RunInfo run;
    run.run_id = absl::StrFormat("bench-%d", w);
    if (!store->CreateRun(run, std::nullopt).ok()) std::exit(1);
    Generator gen(100 + w);
    for (int64_t s = 0; s < 4 * steps_per_write; ++s) {
      for (int l = 0; l < kLayers; ++l) {
        templates[w].push_back(gen.Make(absl::StrFormat("model.layer%02d.mlp", l), l, s));
      }
    }
  }
  std::atomic<int64_t> stored{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const size_t per_write = static_cast<size_t>(kLayers * steps_per_write);
      WriteBatch batch;
      batch.run_id = absl::StrFormat("bench-%d", w);
      for (int64_t s0 = 0; s0 < steps_per_writer; s0 += steps_per_write) {
        const size_t offset = static_cast<size_t>(s0 / steps_per_write % 4) * per_write;
        batch.histograms.assign(templates[w].begin() + offset,
                                templates[w].begin() + offset + per_write);
        for (size_t i = 0; i < per_write; ++i) {
          batch.histograms[i].step = s0 + static_cast<int64_t>(i) / kLayers;
        }
        absl::StatusOr<WriteResult> result = store->Write(batch);
        if (!result.ok()) std::exit(1);
        stored += result->histograms_stored;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return static_cast<double>(stored.load()) / absl::ToDoubleSeconds(absl::Now() - start);
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
};

Latency TimeHeatmap(SqliteStore* store, int64_t steps, int reps) {
  std::vector<double> ms;
  HeatmapQuery q;
  q.run_id = "bench";
  q.layer = "model.layer00.mlp";
  q.from_step = 0;
  q.to_step = steps - 1;
  q.max_columns = 1000;
  for (int i = 0; i < reps; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<Heatmap> heatmap = store->ReadHeatmap(q);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!heatmap.ok() || heatmap->columns.empty()) {
      absl::FPrintF(stderr, "heatmap: %s\n", heatmap.status().ToString());
      std::exit(1);
    }
  }
  std::sort(ms.begin(), ms.end());
  return Latency{ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

}  // namespace
}  // namespace actiscope::server

int main(int argc, char** argv) {
  using namespace actiscope::server;
  bool quick = false;
  bool keep = false;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") quick = true;
    if (arg == "--keep") keep = true;
    if (absl::StartsWith(arg, "--dir=")) dir = arg.substr(6);
    if (absl::StartsWith(arg, "--page_size=")) page_size = std::stoi(arg.substr(12));
    if (absl::StartsWith(arg, "--elements=")) elements_per_histogram = std::stoull(arg.substr(11));
  }
  const std::string path = dir + "/actiscope_store_bench.db";
  const int64_t steps = quick ? 10000 : 100000;
  const int64_t heatmap_steps = quick ? 100000 : 1000000;

  absl::PrintF("store_bench: 16 layers, 40 bins, ~%d elements per histogram, %d B pages\n",
               elements_per_histogram, page_size);
  for (bool durable : {true, false}) {
    for (int64_t per_write : {64, 8}) {
      const int64_t n = per_write == 64 ? steps : steps / 5;
      const WriteFigures f = RunWrites(path, durable, 16, n, per_write);
      absl::PrintF(
          "write 16x%-3d synchronous=%-6s %9d histograms: %10.0f histograms/s (%.2f us CPU "
          "each), %6.1f bytes/histogram, %.0f bytes written per histogram\n",
          per_write, durable ? "FULL" : "NORMAL", f.histograms, f.histograms_per_s,
          f.cpu_us_per_histogram, f.bytes_per_histogram, f.written_per_histogram);
      if (keep) {
        absl::PrintF("kept %s\n", path);
        return 0;
      }
    }
  }

  for (bool durable : {true, false}) {
    const double rate = RunConcurrentWrites(path, durable, 16, quick ? 640 : 6400, 64);
    absl::PrintF(
        "write 16 writers x (16x64) synchronous=%-6s: %10.0f histograms/s (group commit)\n",
        durable ? "FULL" : "NORMAL", rate);
  }

  // A 1,000,000-step layer (two layers written, so rows interleave as in a real run).
  const WriteFigures big = RunWrites(path, false, 2, heatmap_steps, 4096);
  absl::PrintF("heatmap db: 2 layers x %d steps written at %.0f histograms/s, %.1f B/hist\n",
               heatmap_steps, big.histograms_per_s, big.bytes_per_histogram);
  StoreOptions options;
  options.path = path;
  auto summarized = SqliteStore::Open(options);
  options.heatmap_from_segments_only = true;
  auto raw = SqliteStore::Open(options);
  if (!summarized.ok() || !raw.ok()) return 1;
  const Latency s = TimeHeatmap(summarized->get(), heatmap_steps, quick ? 20 : 100);
  const Latency r = TimeHeatmap(raw->get(), heatmap_steps, 3);
  absl::PrintF(
      "heatmap %d steps -> 1000 columns: summaries p50 %.2f ms p99 %.2f ms; "
      "raw segments p50 %.1f ms (%.0fx slower)\n",
      heatmap_steps, s.p50_ms, s.p99_ms, r.p50_ms, r.p50_ms / s.p50_ms);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return 0;
}
