#include "services/gateway/access/redis_gcra.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lookout::gateway {
namespace {

// KEYS[1]: the key's theoretical arrival time (TAT) in microseconds of Redis time.
// ARGV: interval_us, burst, want, max_tokens, divisor, need (<= want, <= burst).
// Returns {granted, wait_us}: granted >= need tokens taken, or 0 and the wait until `need` are
// free (all or nothing: a take of several tokens never leaves part of them behind).
constexpr char kTakeScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local max_tokens = tonumber(ARGV[4])
local divisor = tonumber(ARGV[5])
local need = tonumber(ARGV[6] or '1')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local available = math.floor((now + burst * interval - tat) / interval)
if available < need then
  return {0, tat - (burst - need) * interval - now}
end
local take = math.floor(available / divisor)
if take < want then take = want end
if take > max_tokens then take = max_tokens end
if take < need then take = need end
if take > available then take = available end
tat = tat + take * interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX',
           string.format('%.0f', math.ceil((tat - now) / 1000) + 1000))
return {take, 0}
)lua";

// KEYS[1] as above. ARGV: interval_us, count. Moves TAT back by the unused tokens.
constexpr char kGiveScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
tat = tat - tonumber(ARGV[1]) * tonumber(ARGV[2])
if tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX',
           string.format('%.0f', math.ceil((tat - now) / 1000) + 1000))
end
return 1
)lua";

// KEYS[1]: a sorted set of replica ids by the Redis time they were last seen (microseconds).
// ARGV: replica id, window_us. Returns how many were seen within the window.
constexpr char kReplicasScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', window / 1000 + 1000))
return redis.call('ZCARD', KEYS[1])
)lua";

// Under the rate keys' prefix; ':' is not allowed in key names, so no key's bucket is here.
constexpr char kReplicasKey[] = ":replicas";

bool IsNoScript(const RedisReply& reply) {
  return reply.type == RedisReply::Type::kError && absl::StartsWith(reply.str, "NOSCRIPT");
}

absl::Status UnexpectedReply(const RedisReply& reply) {
  return absl::InternalError(absl::StrCat("rate limit script: unexpected reply ",
                                          reply.type == RedisReply::Type::kError ? reply.str : ""));
}

}  // namespace

RedisGcra::RedisGcra(RedisCache* redis, std::string key_prefix)
    : redis_(redis),
      key_prefix_(std::move(key_prefix)),
      take_script_(kTakeScript),
      give_script_(kGiveScript),
      replicas_script_(kReplicasScript) {}

absl::StatusOr<RedisReply> RedisGcra::Run(Script& script, absl::string_view key,
                                          std::vector<std::string> args) {
  std::string sha;
  {
    absl::MutexLock lock(&script.mu);
    sha = script.sha;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha.empty()) {
      absl::StatusOr<RedisReply> loaded = redis_->Command({"SCRIPT", "LOAD", script.body});
      if (!loaded.ok()) return loaded.status();
      if (loaded->type != RedisReply::Type::kString) return UnexpectedReply(*loaded);
      sha = loaded->str;
      absl::MutexLock lock(&script.mu);
      script.sha = sha;
    }
    std::vector<std::string> argv = {"EVALSHA", sha, "1", absl::StrCat(key_prefix_, key)};
    for (std::string& arg : args) argv.push_back(std::move(arg));
    absl::StatusOr<RedisReply> reply = redis_->Command(argv);
    if (!reply.ok()) return reply.status();
    if (!IsNoScript(*reply)) return reply;
    // Redis restarted or flushed its scripts: load again, once.
    args.assign(argv.begin() + 4, argv.end());
    sha.clear();
  }
  return absl::UnavailableError("rate limit script could not be loaded");
}

absl::StatusOr<TokenGrant> RedisGcra::Take(absl::string_view key, const RateLimit& limit,
                                           int64_t want, const LeasePolicy& policy, int64_t need) {
  need = std::clamp<int64_t>(need, 1, limit.burst);
  want = std::max(want, need);
  absl::StatusOr<RedisReply> reply =
      Run(take_script_, key,
          {absl::StrCat(limit.interval_us()), absl::StrCat(limit.burst), absl::StrCat(want),
           absl::StrCat(std::max<int64_t>(policy.max_tokens, 1)),
           absl::StrCat(std::max<int64_t>(policy.divisor, 1)), absl::StrCat(need)});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2 ||
      reply->elements[0].type != RedisReply::Type::kInteger ||
      reply->elements[1].type != RedisReply::Type::kInteger) {
    return UnexpectedReply(*reply);
  }
  TokenGrant grant;
  grant.granted = reply->elements[0].integer;
  grant.retry_after = absl::Microseconds(std::max<long long>(reply->elements[1].integer, 0));
  return grant;
}

absl::Status RedisGcra::Give(absl::string_view key, const RateLimit& limit, int64_t count) {
  if (count <= 0) return absl::OkStatus();
  absl::StatusOr<RedisReply> reply =
      Run(give_script_, key, {absl::StrCat(limit.interval_us()), absl::StrCat(count)});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kError) return UnexpectedReply(*reply);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RedisGcra::CountReplicas(absl::string_view replica_id,
                                                 absl::Duration window) {
  absl::StatusOr<RedisReply> reply =
      Run(replicas_script_, kReplicasKey,
          {std::string(replica_id), absl::StrCat(absl::ToInt64Microseconds(window))});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return UnexpectedReply(*reply);
  return static_cast<int64_t>(reply->integer);
}

}  // namespace lookout::gateway
