#include "server/run_notifier.h"

#include <thread>

#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

TEST(RunNotifierTest, WaiterWakesOnNotifyOfItsRun) {
  RunNotifier notifier;
  uint64_t seen = notifier.Version("a");
  uint64_t version = 0;
  std::thread writer([&] {
    notifier.Notify("b");
    notifier.Notify("a");
  });
  EXPECT_TRUE(notifier.WaitForChange("a", seen, absl::Now() + absl::Seconds(30), &version));
  EXPECT_EQ(version, 1u);
  writer.join();
}

TEST(RunNotifierTest, WaitTimesOutWithoutChange) {
  RunNotifier notifier;
  notifier.Notify("a");
  uint64_t version = 0;
  EXPECT_FALSE(notifier.WaitForChange("a", 1, absl::Now() + absl::Milliseconds(10), &version));
}

TEST(RunNotifierTest, ShutdownReleasesWaiters) {
  RunNotifier notifier;
  std::thread stopper([&] { notifier.Shutdown(); });
  uint64_t version = 0;
  EXPECT_FALSE(notifier.WaitForChange("a", 0, absl::InfiniteFuture(), &version));
  stopper.join();
  EXPECT_TRUE(notifier.is_shut_down());
}

}  // namespace
}  // namespace actiscope::server
