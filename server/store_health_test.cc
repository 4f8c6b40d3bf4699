#include "server/store_health.h"

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A batch of `layer`'s steps [first, first + steps) with 1024 random counts each, so that
// segments do not compress and the database grows by pages.
WriteBatch RandomBatch(const std::string& run_id, int64_t first, int steps, std::mt19937_64* rng) {
  WriteBatch batch;
  batch.run_id = run_id;
  for (int64_t step = first; step < first + steps; ++step) {
    Histogram& h = batch.histograms.emplace_back();
    h.layer = "conv1";
    h.step = step;
    h.layout.bins = 1024;
    h.layout.lo = 0;
    h.layout.hi = 10;
    for (uint32_t b = 0; b < h.layout.bins; ++b) {
      h.values.counts.push_back((*rng)() % 1000000);
      h.values.elements += h.values.counts.back();
    }
  }
  return batch;
}

// Health changes reported by a StoreHealth, in order.
class Changes {
 public:
  void Add(bool serving) {
    absl::MutexLock lock(&mu_);
    changes_.push_back(serving);
  }
  // Waits up to 30 s for `n` changes; returns them.
  std::vector<bool> WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return changes_.size() >= n; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(30));
    return changes_;
  }

 private:
  absl::Mutex mu_;
  std::vector<bool> changes_ ABSL_GUARDED_BY(mu_);
};

TEST(StoreHealthTest, NotServingWhileTheDatabaseIsFullAndServingOnceThereIsRoomAgain) {
  actiscope::testing::TempDir dir("store_health");
  StoreOptions options;
  options.path = dir.File("full.db");
  options.page_size = 4096;
  options.max_database_bytes = 256 << 10;
  // One step per segment: no segment is rewritten, so no page is freed while filling.
  options.max_segment_steps = 1;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  RunInfo run;
  run.run_id = "r";
  ASSERT_TRUE((*store)->CreateRun(run, std::nullopt).ok());

  std::mt19937_64 rng(7);
  absl::Status full;
  int64_t step = 0;
  for (int i = 0; i < 1000 && full.ok(); ++i, step += 8) {
    full = (*store)->Write(RandomBatch("r", step, 8, &rng)).status();
  }
  ASSERT_TRUE(absl::IsResourceExhausted(full)) << full;
  // Fill what is left with single steps until not even one fits, so that the probe (which
  // writes more than a page) cannot fit either.
  absl::Status single;
  for (int i = 0; i < 1000 && single.ok(); ++i) {
    single = (*store)->Write(RandomBatch("r", step++, 1, &rng)).status();
  }
  ASSERT_TRUE(absl::IsResourceExhausted(single)) << single;
  ASSERT_THAT(full.message(), HasSubstr("--max_database_bytes"));

  Changes changes;
  StoreHealth health(store->get(), absl::Milliseconds(10),
                     [&](bool serving) { changes.Add(serving); });
  health.Start();

  EXPECT_FALSE(health.Serving());
  EXPECT_THAT(health.Reason(), HasSubstr("full"));
  EXPECT_THAT(changes.WaitFor(1), ElementsAre(false));
  const StoreStats stats = (*store)->Stats();
  EXPECT_FALSE(stats.commit_ok);
  EXPECT_GE(stats.store_errors, 1u);
  EXPECT_GT(stats.frames_stored, 0u);

  // Room again: a resume deletes everything but step 0, freeing pages.
  ASSERT_TRUE((*store)->CreateRun(run, ResumeRequest{"free-room", 1, 0, true}).ok());
  EXPECT_THAT(changes.WaitFor(2), ElementsAre(false, true));
  EXPECT_TRUE(health.Serving());
  EXPECT_TRUE((*store)->Write(RandomBatch("r", 1, 4, &rng)).ok());
  health.Stop();
}

TEST(StoreHealthTest, AHealthyStoreReportsNoChange) {
  actiscope::testing::TempDir dir("store_health");
  StoreOptions options;
  options.path = dir.File("ok.db");
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  Changes changes;
  StoreHealth health(store->get(), absl::Milliseconds(1),
                     [&](bool serving) { changes.Add(serving); });
  health.Start();
  RunInfo run;
  run.run_id = "r";
  ASSERT_TRUE((*store)->CreateRun(run, std::nullopt).ok());
  std::mt19937_64 rng(1);
  ASSERT_TRUE((*store)->Write(RandomBatch("r", 0, 4, &rng)).ok());
  health.Stop();
  EXPECT_TRUE(health.Serving());
  EXPECT_TRUE(changes.WaitFor(0).empty());
  EXPECT_EQ((*store)->Stats().commits, 1u);
  EXPECT_EQ((*store)->Stats().frames_stored, 4u);
}

}  // namespace
}  // namespace actiscope::server
