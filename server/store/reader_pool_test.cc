#include "server/store/reader_pool.h"

#include <memory>
#include <optional>
#include <thread>

#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The file must exist before a read-only connection can open it.
    absl::StatusOr<std::unique_ptr<Connection>> writer =
        Connection::Open(path_, /*read_only=*/false, "NORMAL");
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Exec("CREATE TABLE t(x INTEGER)").ok());
  }

  ReaderPool::Opener Opener() {
    return [this] { return Connection::Open(path_, /*read_only=*/true, "NORMAL"); };
  }

  ::actiscope::testing::TempDir dir_{"reader_pool_test"};
  const std::string path_ = dir_.File("test.db");
};

TEST_F(ReaderPoolTest, NoMoreThanTheMaximumAreOpenAndTheNextCallerIsRefused) {
  ReaderPool pool(Opener(), 2, absl::ZeroDuration());
  absl::StatusOr<ReaderPool::Lease> a = pool.Acquire();
  absl::StatusOr<ReaderPool::Lease> b = pool.Acquire();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->get(), b->get());
  absl::StatusOr<ReaderPool::Lease> c = pool.Acquire();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(c.status().message(), HasSubstr("all 2 query connections stayed busy"));
  EXPECT_THAT(c.status().message(), HasSubstr("--read_connections"));
  EXPECT_EQ(pool.open_connections(), 2);
}

TEST_F(ReaderPoolTest, AReturnedConnectionIsReused) {
  ReaderPool pool(Opener(), 1, absl::ZeroDuration());
  Connection* first = nullptr;
  {
    absl::StatusOr<ReaderPool::Lease> lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    first = lease->get();
  }
  absl::StatusOr<ReaderPool::Lease> again = pool.Acquire();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->get(), first);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(ReaderPoolTest, AWaitingCallerGetsTheConnectionWhenItIsReturned) {
  // The wait is far longer than the test: the caller can only finish by getting the lease.
  ReaderPool pool(Opener(), 1, absl::Minutes(5));
  std::optional<absl::StatusOr<ReaderPool::Lease>> held(pool.Acquire());
  ASSERT_TRUE(held->ok()) << held->status();
  absl::Status waited = absl::UnknownError("not run");
  std::thread waiter([&] {
    absl::StatusOr<ReaderPool::Lease> lease = pool.Acquire();
    waited = lease.status();
  });
  held.reset();
  waiter.join();
  EXPECT_TRUE(waited.ok()) << waited;
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(ReaderPoolTest, AFailedOpenDoesNotCountAsOpen) {
  ReaderPool pool(
      [] {
        return absl::StatusOr<std::unique_ptr<Connection>>(absl::UnavailableError("disk gone"));
      },
      1, absl::ZeroDuration());
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.Acquire().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.open_connections(), 0);
}

}  // namespace
}  // namespace actiscope::server
