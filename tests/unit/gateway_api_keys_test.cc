// API keys: the keys-file format, generated keys, lookup by hash, reload and revocation, and the
// bearer header.
#include <cstdio>
#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "common/metrics.h"
#include "gtest/gtest.h"
#include "services/gateway/access/access_control.h"
#include "services/gateway/access/api_keys.h"
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

// Issue 16.2: a key's own import budget, in either order beside its call limit.
TEST(ApiKeysTest, ParsesAnImportLimit) {
  auto records = ParseApiKeys(
      "loader EDITOR " + kHashA + " import=100:200\nboss ADMIN " + kHashB + " import=5:6 7:8",
      "test");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_FALSE((*records)[0].rate_limit.has_value());
  EXPECT_EQ((*records)[0].import_limit, (RateLimit{100, 200}));
  EXPECT_EQ((*records)[1].import_limit, (RateLimit{5, 6}));
  EXPECT_EQ((*records)[1].rate_limit, (RateLimit{7, 8}));
  EXPECT_EQ(FormatApiKeyLine((*records)[1]), "boss ADMIN " + kHashB + " 7:8 import=5:6");
  auto again = ParseApiKeys(FormatApiKeyLine((*records)[1]), "test");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[0].import_limit, (RateLimit{5, 6}));
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
           {"alice READER " + kHashA + " import=10:10", "a READER key cannot import"},
           {"alice EDITOR " + kHashA + " import=fast", "import=rate limit"},
           {"alice EDITOR " + kHashA + " import=1:2 import=3:4", "each limit once"},
           {"alice EDITOR " + kHashA + " 1:2 3:4", "each limit once"},
           {"alice EDITOR " + kHashA + " 1:2 import=3:4 5:6", "expected"},
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

// Rewrites `path` in place (not renamed), with a modification time that surely differs.
void Rewrite(const std::string& path, const std::string& text) {
  absl::SleepFor(absl::Milliseconds(10));
  std::ofstream(path, std::ios::trunc) << text;
}

TEST(ApiKeysTest, SourceReloadsAChangedFile) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  std::ofstream(path) << "alice READER " << kHashA << "\nbob EDITOR " << kHashB << "\n";
  ApiKeyRing ring;
  ApiKeySource source(path, "", &ring);
  ASSERT_TRUE(source.Load().ok());
  EXPECT_NE(ring.Find("key-b"), nullptr);

  // Revoking bob: his line goes, his key stops working.
  Rewrite(path, "alice READER " + kHashA + "\n");
  ASSERT_TRUE(source.ReloadIfChanged().ok());
  EXPECT_EQ(ring.Find("key-b"), nullptr);
  EXPECT_NE(ring.Find("key-a"), nullptr);

  // A line broken in an edit takes its key out with it: a key is valid only on a good line.
  Rewrite(path, "alice READER nothex\n");
  EXPECT_TRUE(source.ReloadIfChanged().ok());
  EXPECT_EQ(ring.Find("key-a"), nullptr);
}

std::string ReloadErrors(const MetricsRegistry& metrics, const std::string& reason) {
  for (absl::string_view line : absl::StrSplit(metrics.RenderText(), '\n')) {
    std::string prefix = absl::StrCat(kKeysReloadErrorsMetric, "{reason=\"", reason, "\"} ");
    if (absl::StartsWith(line, prefix)) return std::string(line.substr(prefix.size()));
  }
  return "0";
}

// Issue 14.5: one bad line refused the whole reload, so a key removed in the same edit stayed.
TEST(ApiKeysTest, ABadLineIsRefusedAloneAndARemovedKeyGoesInTheSameEdit) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  const std::string hash_c = Sha256Hex("key-c");
  std::ofstream(path) << "alice READER " << kHashA << "\nbob EDITOR " << kHashB << "\n";
  MetricsRegistry metrics;
  ApiKeyRing ring;
  ApiKeySource source(path, "", &ring, &metrics);
  ASSERT_TRUE(source.Load().ok());

  // bob's line removed, and carol's added with a role that does not exist.
  Rewrite(path, "alice READER " + kHashA + "\ncarol ROOT " + hash_c + "\n");
  EXPECT_TRUE(source.ReloadIfChanged().ok());
  EXPECT_EQ(ring.Find("key-b"), nullptr) << "a removed key never stays valid";
  EXPECT_NE(ring.Find("key-a"), nullptr) << "the good lines apply";
  EXPECT_EQ(ring.Find("key-c"), nullptr) << "the bad line is refused";
  EXPECT_EQ(ring.size(), 1u);
  EXPECT_EQ(ReloadErrors(metrics, "bad_line"), "1");
  EXPECT_TRUE(absl::StrContains(metrics.RenderText(), std::string(kKeysInForceMetric) + " 1"))
      << metrics.RenderText();

  // The same file checked again is not counted again.
  EXPECT_TRUE(source.ReloadIfChanged().ok());
  EXPECT_EQ(ReloadErrors(metrics, "bad_line"), "1");

  // Start-up stays strict: a bad line there is an error naming it.
  ApiKeyRing fresh;
  absl::Status strict = ApiKeySource(path, "", &fresh).Load();
  EXPECT_EQ(strict.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(strict.message(), "line 2: role")) << strict;
}

// Issue 24.8: a keys file that became empty installed zero keys, silently.
TEST(ApiKeysTest, AnEmptyOrVanishedFileKeepsThePreviousKeysLoudly) {
  testing::TempDir dir;
  std::string path = dir.File("keys");
  std::ofstream(path) << "alice READER " << kHashA << "\n";
  MetricsRegistry metrics;
  ApiKeyRing ring;
  ApiKeySource source(path, "", &ring, &metrics);
  ASSERT_TRUE(source.Load().ok());

  Rewrite(path, "");  // a rewrite caught half way, or a full disk
  absl::Status empty = source.ReloadIfChanged();
  EXPECT_EQ(empty.code(), absl::StatusCode::kFailedPrecondition) << empty;
  EXPECT_TRUE(absl::StrContains(empty.message(), "no key line")) << empty;
  EXPECT_NE(ring.Find("key-a"), nullptr);
  EXPECT_EQ(ReloadErrors(metrics, "empty"), "1");
  EXPECT_TRUE(source.ReloadIfChanged().ok()) << "reported once per change of the file";
  EXPECT_EQ(ReloadErrors(metrics, "empty"), "1");

  Rewrite(path, "# only a comment\n\n");
  EXPECT_FALSE(source.ReloadIfChanged().ok());
  EXPECT_NE(ring.Find("key-a"), nullptr);
  EXPECT_EQ(ReloadErrors(metrics, "empty"), "2");

  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_EQ(source.ReloadIfChanged().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(source.ReloadIfChanged().ok()) << "reported once while it stays gone";
  EXPECT_NE(ring.Find("key-a"), nullptr);
  EXPECT_EQ(ReloadErrors(metrics, "missing"), "1");

  // Back with a key line: it applies.
  Rewrite(path, "bob READER " + kHashB + "\n");
  EXPECT_TRUE(source.ReloadIfChanged().ok());
  EXPECT_EQ(ring.Find("key-a"), nullptr);
  EXPECT_NE(ring.Find("key-b"), nullptr);
}

// Issue 14.4: streams hold a watch on their key; a reload that drops the key runs it.
TEST(ApiKeysTest, AWatchRunsOnceWhenAReloadDropsItsKey) {
  ApiKeyRing ring;
  ring.Replace(*ParseApiKeys("alice READER " + kHashA + "\nbob EDITOR " + kHashB, "t"));
  int alice_revoked = 0;
  int bob_revoked = 0;
  auto alice = ring.Watch(kHashA, v1::ROLE_READER, [&](auto) { ++alice_revoked; });
  auto bob = ring.Watch(kHashB, v1::ROLE_READER, [&](auto) { ++bob_revoked; });
  EXPECT_FALSE(alice->revoked_at_start());
  EXPECT_EQ(ring.watch_count(), 2u);

  ring.Replace(*ParseApiKeys("alice READER " + kHashA, "t"));
  EXPECT_EQ(alice_revoked, 0);
  EXPECT_EQ(bob_revoked, 1);
  ring.Replace(*ParseApiKeys("alice READER " + kHashA, "t"));
  EXPECT_EQ(bob_revoked, 1) << "once";

  // A watch that begins after the key went knows it at once.
  auto late = ring.Watch(kHashB, v1::ROLE_READER, [&](auto) { ++bob_revoked; });
  EXPECT_TRUE(late->revoked_at_start());
  bob.reset();
  late.reset();
  EXPECT_EQ(ring.watch_count(), 1u);
  alice.reset();
  ring.Replace({});
  EXPECT_EQ(alice_revoked, 0) << "a destroyed watch never runs";
}

// A stream keeps the role it was admitted with only while the key still holds it: a reload that
// lowers the key below the role the watch needs runs it with the new role; one that keeps or
// raises the role does not.
TEST(ApiKeysTest, AWatchRunsWhenAReloadLowersItsKeyBelowTheRoleNeeded) {
  ApiKeyRing ring;
  ring.Replace(*ParseApiKeys("alice EDITOR " + kHashA, "t"));
  std::vector<std::optional<Role>> runs;
  auto watch = ring.Watch(kHashA, v1::ROLE_EDITOR, [&](std::optional<Role> now) {
    runs.push_back(now);
  });
  ring.Replace(*ParseApiKeys("alice ADMIN " + kHashA, "t"));
  EXPECT_TRUE(runs.empty()) << "a raised role still satisfies the watch";
  ring.Replace(*ParseApiKeys("alice READER " + kHashA, "t"));
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_TRUE(runs[0].has_value()) << "the key is still there";
  EXPECT_EQ(*runs[0], v1::ROLE_READER);
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
