#include "server/http/http_sessions.h"

#include <set>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

Caller Viewer(const std::string& name) { return Caller{Role::kRead, name}; }

TEST(HttpSessionsTest, AnIdIsRandomHexAndFindsItsCallerUntilEnded) {
  SessionStore sessions;
  absl::StatusOr<std::string> a = sessions.Create(Viewer("alice"));
  absl::StatusOr<std::string> b = sessions.Create(Viewer("bob"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
  ASSERT_TRUE(sessions.Find(*a).has_value());
  EXPECT_EQ(sessions.Find(*a)->name, "alice");
  EXPECT_EQ(sessions.Find(*b)->name, "bob");
  EXPECT_FALSE(sessions.Find("").has_value());
  EXPECT_FALSE(sessions.Find(std::string(64, '0')).has_value());
  sessions.End(*a);
  EXPECT_FALSE(sessions.Find(*a).has_value());
  EXPECT_TRUE(sessions.Find(*b).has_value());
  EXPECT_EQ(sessions.size(), 1);
}

TEST(HttpSessionsTest, SessionsExpireAfterTheirLifetime) {
  absl::Time now = absl::FromUnixSeconds(1000);
  SessionOptions options;
  options.lifetime = absl::Hours(1);
  SessionStore sessions(options, [&] { return now; });
  absl::StatusOr<std::string> id = sessions.Create(Viewer("alice"));
  ASSERT_TRUE(id.ok());
  now += absl::Minutes(59);
  EXPECT_TRUE(sessions.Find(*id).has_value());
  now += absl::Minutes(1);
  EXPECT_FALSE(sessions.Find(*id).has_value());
  EXPECT_EQ(sessions.size(), 0);
}

TEST(HttpSessionsTest, ALoginBeyondTheBoundEndsTheOldestSession) {
  absl::Time now = absl::FromUnixSeconds(1000);
  SessionOptions options;
  options.max_sessions = 3;
  SessionStore sessions(options, [&] { return now; });
  std::string ids[4];
  for (int i = 0; i < 4; ++i) {
    now += absl::Seconds(1);
    absl::StatusOr<std::string> id = sessions.Create(Viewer("user" + std::to_string(i)));
    ASSERT_TRUE(id.ok());
    ids[i] = *id;
  }
  EXPECT_EQ(sessions.size(), 3);
  EXPECT_FALSE(sessions.Find(ids[0]).has_value());
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(sessions.Find(ids[i]).has_value()) << i;
}

}  // namespace
}  // namespace actiscope::server
