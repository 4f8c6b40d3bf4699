#include "server/auth/token_registry.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

constexpr char kFile[] =
    "# actiscope tokens\n"
    "\n"
    "ingest-token-0123456789abcdef ingest trainer-1\n"
    "  read-token-0123456789abcdef\tread   alice@lab  \n"
    "admin-token-0123456789abcdef admin ops\n";

TEST(TokenRegistryTest, FindsEachTokensRoleAndNameAndNothingElse) {
  absl::StatusOr<TokenRegistry> registry = TokenRegistry::Parse(kFile, "tokens");
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 3u);
  std::optional<Caller> reader = registry->Find("read-token-0123456789abcdef");
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ(reader->role, Role::kRead);
  EXPECT_EQ(reader->name, "alice@lab");
  EXPECT_EQ(registry->Find("ingest-token-0123456789abcdef")->role, Role::kIngest);
  EXPECT_EQ(registry->Find("admin-token-0123456789abcdef")->name, "ops");
  EXPECT_FALSE(registry->Find("read-token-0123456789abcdeX").has_value());
  EXPECT_FALSE(registry->Find("read-token-0123456789abcde").has_value());
  EXPECT_FALSE(registry->Find("read-token-0123456789abcdeff").has_value());
  EXPECT_FALSE(registry->Find("").has_value());
}

TEST(TokenRegistryTest, RejectsMalformedLinesNamingTheLine) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"ingest-token-0123456789abcdef ingest\n", "tokens:1: expected TOKEN ROLE NAME"},
      {"# c\nshort ingest trainer\n", "tokens:2: the token must be 16 to 512"},
      {"ingest-token-0123456789abcdef writer trainer\n", "unknown role \"writer\""},
      {"ingest-token-0123456789abcdef ingest bad/name\n", "the name must be"},
      {"ingest-token-0123456789abcdef ingest a\ningest-token-0123456789abcdef read b\n",
       "tokens:2: this token is already"},
      {"# only comments\n\n", "no token in the file"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TokenRegistry> registry = TokenRegistry::Parse(c.text, "tokens");
    ASSERT_FALSE(registry.ok()) << c.text;
    EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(registry.status().message(), c.message))
        << registry.status() << " for " << c.text;
    EXPECT_FALSE(absl::StrContains(registry.status().message(), "0123456789abcdef"))
        << "an error must not repeat a token: " << registry.status();
  }
}

TEST(TokenRegistryTest, LoadsAFileAndNamesAMissingOne) {
  actiscope::testing::TempDir dir("token_registry_test");
  const std::string path = dir.File("tokens");
  std::ofstream(path) << kFile;
  absl::StatusOr<TokenRegistry> registry = TokenRegistry::Load(path);
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 3u);
  absl::StatusOr<TokenRegistry> missing = TokenRegistry::Load(dir.File("absent"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), dir.File("absent")));
}

TEST(TokenRegistryTest, AdminMayDoEverythingOtherRolesOnlyTheirOwn) {
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Role::kIngest));
  EXPECT_TRUE(RoleAllows(Role::kAdmin, Role::kRead));
  EXPECT_TRUE(RoleAllows(Role::kIngest, Role::kIngest));
  EXPECT_FALSE(RoleAllows(Role::kIngest, Role::kRead));
  EXPECT_FALSE(RoleAllows(Role::kRead, Role::kIngest));
  EXPECT_FALSE(RoleAllows(Role::kRead, Role::kAdmin));
  EXPECT_STREQ(RoleName(Role::kIngest), "ingest");
}

TEST(TokenRegistryTest, BearerTokenTakesOnlyTheBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer abc"), absl::string_view("abc"));
  EXPECT_EQ(BearerToken("bearer  abc "), absl::string_view("abc"));
  EXPECT_FALSE(BearerToken("Basic abc").has_value());
  EXPECT_FALSE(BearerToken("Bearer").has_value());
  EXPECT_FALSE(BearerToken("Bearer ").has_value());
  EXPECT_FALSE(BearerToken("Bearer a b").has_value());
  EXPECT_FALSE(BearerToken("abc").has_value());
}

}  // namespace
}  // namespace actiscope::server
