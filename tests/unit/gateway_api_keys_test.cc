// API keys: the keys-file format, generated keys, lookup by hash, reload and revocation, and the
// bearer header.
#include <fstream>

#include "absl/strings/match.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "services/gateway/access_control.h"
#include "services/gateway/api_keys.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

const std::string kHashA = Sha256Hex("key-a");
const std::string kHashB = Sha256Hex("key-b");

TEST(ApiKeysTest, ParsesNamesRolesHashesAndLimits) {
  auto records = ParseApiKeys(
      "# comment\n\nalice READER " + kHashA + "\nbob editor " + kHashB + " 5:10   # trailing\n",
      "test");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].name, "alice");
  EXPECT_EQ((*records)[0].role, v1::ROLE_READER);
  EXPECT_FALSE((*records)[0].rate_limit.has_value());
  EXPECT_EQ((*records)[1].role, v1::ROLE_EDITOR);
  ASSERT_TRUE((*records)[1].rate_limit.has_value());
  EXPECT_EQ((*records)[1].rate_limit->per_second, 5);
  EXPECT_EQ((*records)[1].rate_limit->burst, 10);
}

TEST(ApiKeysTest, SemicolonsSeparateLinesForTheEnvironment) {
  auto records = ParseApiKeys("a ADMIN " + kHashA + ";b READER " + kHashB, "env");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(records->size(), 2u);
}

TEST(ApiKeysTest, RejectsBadLinesNamingTheLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"alice READER", "line 1"},
           {"ok READER " + kHashA + "\nalice ROOT " + kHashB, "line 2: role"},
           {"alice READER lk_thekeyitself", "sha256"},
           {"alice READER " + kHashA + " 1:2 extra", "expected"},
           {"alice READER " + kHashA + " fast", "rate limit"},
           {"alice READER " + kHashA + "\nalice EDITOR " + kHashB, "repeats"},
           {"alice READER " + kHashA + "\nbob EDITOR " + kHashA, "twice"},
       }) {
    auto records = ParseApiKeys(c.text, "keys.txt");
    ASSERT_FALSE(records.ok()) << c.text;
    EXPECT_TRUE(absl::StrContains(records.status().message(), c.expected))
        << records.status() << " for " << c.text;
  }
}

TEST(ApiKeysTest, GeneratedKeyLineStoresOnlyTheHash) {
  auto key = GenerateApiKey("ci-bot", "editor");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(absl::StartsWith(key->key, "lk_"));
  EXPECT_EQ(key->key.size(), 3u + 48u);
  std::string line = FormatApiKeyLine(key->record);
  EXPECT_EQ(line, "ci-bot EDITOR " + Sha256Hex(key->key));
  EXPECT_FALSE(absl::StrContains(line, key->key));
  auto parsed = ParseApiKeys(line, "line");
  ASSERT_TRUE(parsed.ok());
  ApiKeyRing ring;
  ring.Replace(*parsed);
  ASSERT_NE(ring.Find(key->key), nullptr);
  EXPECT_EQ(ring.Find(key->key)->name, "ci-bot");
  EXPECT_FALSE(GenerateApiKey("bad name", "READER").ok());
  EXPECT_FALSE(GenerateApiKey("x", "ROOT").ok());
  EXPECT_NE(GenerateApiKey("x", "READER")->key, GenerateApiKey("x", "READER")->key);
}

TEST(ApiKeysTest, RingFindsByKeyNotByHashOrName) {
  ApiKeyRing ring;
  ring.Replace(*ParseApiKeys("alice READER " + kHashA, "t"));
  EXPECT_NE(ring.Find("key-a"), nullptr);
  EXPECT_EQ(ring.Find(kHashA), nullptr);  // the stored hash is not a credential
  EXPECT_EQ(ring.Find("alice"), nullptr);
  EXPECT_EQ(ring.Find(""), nullptr);
}

TEST(ApiKeysTest, SourceReloadsAChangedFileAndKeepsKeysOnABadOne) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  std::ofstream(path) << "alice READER " << kHashA << "\nbob EDITOR " << kHashB << "\n";
  ApiKeyRing ring;
  ApiKeySource source(path, "", &ring);
  ASSERT_TRUE(source.Load().ok());
  EXPECT_NE(ring.Find("key-b"), nullptr);

  // Revoking bob: his line goes, his key stops working.
  std::ofstream(path, std::ios::trunc) << "alice READER " << kHashA << "\n";
  ASSERT_TRUE(source.ReloadIfChanged().ok());
  EXPECT_EQ(ring.Find("key-b"), nullptr);
  EXPECT_NE(ring.Find("key-a"), nullptr);

  // A broken file is reported and changes nothing.
  std::ofstream(path, std::ios::trunc) << "alice READER nothex\n";
  EXPECT_FALSE(source.ReloadIfChanged().ok());
  EXPECT_NE(ring.Find("key-a"), nullptr);
}

TEST(ApiKeysTest, InlineKeysJoinTheFileButMayNotRepeatIt) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  std::ofstream(path) << "alice READER " << kHashA << "\n";
  ApiKeyRing ring;
  ASSERT_TRUE(ApiKeySource(path, "bob EDITOR " + kHashB, &ring).Load().ok());
  EXPECT_EQ(ring.size(), 2u);
  EXPECT_FALSE(ApiKeySource(path, "alice EDITOR " + kHashB, &ring).Load().ok());
  EXPECT_FALSE(ApiKeySource(dir.File("missing"), "", &ring).Load().ok());
}

TEST(BearerTokenTest, AcceptsOnlyTheBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer lk_abc"), "lk_abc");
  EXPECT_EQ(BearerToken("bearer   lk_abc  "), "lk_abc");
  EXPECT_EQ(BearerToken("Basic lk_abc"), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("lk_abc"), "");
}

}  // namespace
}  // namespace lookout::gateway
