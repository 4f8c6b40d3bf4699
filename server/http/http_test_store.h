// Test helper for the HTTP tests: a SqliteStore in a fresh temporary folder (with the default
// query limits, or those given), with runs,
// histograms and scalars written through the same API the gRPC service uses.
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_TEST_STORE_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_TEST_STORE_H_

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

class HttpTestStore {
 public:
  explicit HttpTestStore(const QueryLimits& query_limits = QueryLimits()) {
    StoreOptions options;
    options.path = (dir_ / "test.db").string();
    options.durable_against_power_loss = false;
    options.query_limits = query_limits;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    if (store.ok()) store_ = std::move(*store);
  }
  ~HttpTestStore() { store_.reset(); }

  SqliteStore* store() { return store_.get(); }
  const std::filesystem::path& dir() const { return dir_; }

  void CreateRun(const std::string& id, const std::string& name) {
    RunInfo run;
    run.run_id = id;
    run.name = name;
    run.config = {{"lr", "0.01"}, {"model", "resnet18"}};
    run.host = "testhost";
    run.start_time = absl::FromUnixSeconds(1700000000);
    ASSERT_TRUE(store_->CreateRun(run, std::nullopt).ok());
  }

  // Counts of bin b at `step`: a deterministic, non-uniform pattern.
  static uint64_t Count(int64_t step, uint32_t bin) {
    return static_cast<uint64_t>((step * 7 + bin * 13) % 50);
  }

  // Writes 4-bin activation histograms over [0, 4) for steps [from, to] of `layer`, and a
  // "loss" scalar of 1/(step+1) for each step.
  void WriteSteps(const std::string& run, const std::string& layer, int64_t from, int64_t to) {
    WriteBatch batch;
    batch.run_id = run;
    for (int64_t step = from; step <= to; ++step) {
      Histogram h;
      h.layer = layer;
      h.step = step;
      h.layout = BinLayout{BinScale::kLinear, 4, 0.0, 4.0};
      h.values.counts.resize(4);
      for (uint32_t b = 0; b < 4; ++b) {
        h.values.counts[b] = Count(step, b);
        h.values.elements += h.values.counts[b];
        h.values.sum += (b + 0.5) * static_cast<double>(h.values.counts[b]);
        h.values.sum_squares += (b + 0.5) * (b + 0.5) * static_cast<double>(h.values.counts[b]);
      }
      h.values.min = 0;
      h.values.max = 4;
      batch.histograms.push_back(h);
      batch.scalars.push_back(ScalarPoint{"loss", step, 0, 1.0 / static_cast<double>(step + 1)});
    }
    absl::StatusOr<WriteResult> result = store_->Write(batch);
    ASSERT_TRUE(result.ok()) << result.status();
  }

  // Writes one activation histogram of `bins` bins (each counting 1) at each of `steps`.
  void WriteSparseSteps(const std::string& run, const std::string& layer, uint32_t bins,
                        const std::vector<int64_t>& steps) {
    WriteBatch batch;
    batch.run_id = run;
    for (int64_t step : steps) {
      Histogram h;
      h.layer = layer;
      h.step = step;
      h.layout = BinLayout{BinScale::kLinear, bins, 0.0, 1.0};
      h.values.counts.assign(bins, 1);
      h.values.elements = bins;
      h.values.max = 1;
      batch.histograms.push_back(h);
    }
    absl::StatusOr<WriteResult> result = store_->Write(batch);
    ASSERT_TRUE(result.ok()) << result.status();
  }

 private:
  ::actiscope::testing::TempDir temp_dir_{"http_test"};
  const std::filesystem::path dir_{temp_dir_.path()};
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HTTP_TEST_STORE_H_
