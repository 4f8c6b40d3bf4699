#include "server/http/http_auth.h"

#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

TEST(HttpAuthTest, CookieValueFindsTheNamedCookieOnly) {
  EXPECT_EQ(CookieValue("a=1; actiscope_session=abc; b=2", kSessionCookie), "abc");
  EXPECT_EQ(CookieValue("actiscope_session=abc", kSessionCookie), "abc");
  EXPECT_EQ(CookieValue("x_actiscope_session=abc", kSessionCookie), std::nullopt);
  EXPECT_EQ(CookieValue("actiscope_sessionx=abc", kSessionCookie), std::nullopt);
  EXPECT_EQ(CookieValue("", kSessionCookie), std::nullopt);
}

TEST(HttpAuthTest, TokenFromJsonTakesOnlyAPlainTokenObject) {
  EXPECT_EQ(TokenFromJson(R"({"token": "abc-123"})"), "abc-123");
  EXPECT_EQ(TokenFromJson(R"( { "token" : "abc" } )"), "abc");
  EXPECT_EQ(TokenFromJson(R"({"token": "a\"b"})"), std::nullopt);
  EXPECT_EQ(TokenFromJson(R"({"token": "abc", "x": 1})"), std::nullopt);
  EXPECT_EQ(TokenFromJson(R"({"other": "abc"})"), std::nullopt);
  EXPECT_EQ(TokenFromJson(R"(["abc"])"), std::nullopt);
  EXPECT_EQ(TokenFromJson(""), std::nullopt);
}

TEST(HttpAuthTest, SafeNextPathKeepsLocalPathsAndDropsEverythingElse) {
  EXPECT_EQ(SafeNextPath("/runs/r1?kind=weight"), "/runs/r1?kind=weight");
  EXPECT_EQ(SafeNextPath("/"), "/");
  for (const char* hostile : {"", "https://evil.example/", "//evil.example/", "/\\evil.example",
                              "runs/r1", "/a b", "/a\r\nSet-Cookie: x=1"}) {
    EXPECT_EQ(SafeNextPath(hostile), "/") << hostile;
  }
  EXPECT_EQ(SafeNextPath("/" + std::string(3000, 'a')), "/");
}

}  // namespace
}  // namespace actiscope::server
