#include "common/pg_connection.h"

#include <endian.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/logging.h"

namespace lookout::pg {
namespace {

// Type OIDs from PostgreSQL's catalogue (pg_type.dat); stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kInt8ArrayOid = 1016;
constexpr Oid kTextArrayOid = 1009;

std::string BigEndian64(uint64_t value) {
  const uint64_t be = htobe64(value);
  return std::string(reinterpret_cast<const char*>(&be), sizeof(be));
}

// An element of an array literal: quoted, with '"' and '\' escaped.
void AppendArrayElement(std::string& literal, absl::string_view value) {
  literal += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') literal += '\\';
    literal += c;
  }
  literal += '"';
}

absl::Status Unavailable(absl::string_view detail) {
  return errors::DependencyUnavailable("database", detail);
}

// The server answered and refused who we said we are: a wrong user, password or database name,
// or a pg_hba.conf without us. Trying again will not help until the settings change.
bool RefusedByConfiguration(absl::string_view message) {
  for (absl::string_view sign :
       {"password authentication failed", "no password supplied", "does not exist",
        "pg_hba.conf", "could not look up local user", "permission denied for database"}) {
    if (absl::StrContains(message, sign)) return true;
  }
  return false;
}

}  // namespace

bool RefusedByServer(const absl::Status& status) {
  return status.GetPayload(kRefusedPayload).has_value();
}

bool IsRetryableRace(const absl::Status& status) {
  const std::string state = SqlStateOf(status);
  return state == "40001" || state == "40P01" || state == "23505";
}

std::string SqlStateOf(const absl::Status& status) {
  auto payload = status.GetPayload(kSqlStatePayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

void Params::Push(Oid type, std::string value, int format, bool null) {
  types_.push_back(type);
  values_.push_back(std::move(value));
  formats_.push_back(format);
  nulls_.push_back(null);
}

Params& Params::Add(int64_t value) {
  Push(kInt8Oid, BigEndian64(static_cast<uint64_t>(value)), 1);
  return *this;
}

Params& Params::Add(double value) {
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(value));
  std::memcpy(&bits, &value, sizeof(bits));
  Push(kFloat8Oid, BigEndian64(bits), 1);
  return *this;
}

Params& Params::Add(bool value) {
  Push(kBoolOid, std::string(1, value ? '\1' : '\0'), 1);
  return *this;
}

Params& Params::Add(absl::string_view text) {
  Push(kTextOid, std::string(text), 1);
  return *this;
}

Params& Params::AddBytes(absl::string_view bytes) {
  Push(kByteaOid, std::string(bytes), 1);
  return *this;
}

Params& Params::AddNull() {
  Push(0, std::string(), 1, /*null=*/true);
  return *this;
}

Params& Params::AddTextArray(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    AppendArrayElement(literal, values[i]);
  }
  literal += '}';
  Push(kTextArrayOid, std::move(literal), 0);
  return *this;
}

Params& Params::AddIntArray(const std::vector<int64_t>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&literal, i > 0 ? "," : "", values[i]);
  literal += '}';
  Push(kInt8ArrayOid, std::move(literal), 0);
  return *this;
}

Params& Params::AddLiteral(std::string text) {
  Push(0, std::move(text), 0);
  return *this;
}

void ArrayLiteral::Separate() {
  if (text_.size() > 1) text_ += ',';
}

ArrayLiteral& ArrayLiteral::Text(absl::string_view value) {
  Separate();
  AppendArrayElement(text_, value);
  return *this;
}

ArrayLiteral& ArrayLiteral::Int(int64_t value) {
  Separate();
  absl::StrAppend(&text_, value);
  return *this;
}

ArrayLiteral& ArrayLiteral::Double(double value) {
  Separate();
  absl::StrAppend(&text_, absl::StrFormat("%.17g", value));
  return *this;
}

ArrayLiteral& ArrayLiteral::Bytes(absl::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  Separate();
  // "\\x..." in the array's text: the element is bytea's hex form \x..., its backslash escaped.
  size_t at = text_.size();
  text_.resize(at + 5 + 2 * bytes.size());
  text_[at++] = '"';
  text_[at++] = '\\';
  text_[at++] = '\\';
  text_[at++] = 'x';
  for (unsigned char c : bytes) {
    text_[at++] = kHex[c >> 4];
    text_[at++] = kHex[c & 0xF];
  }
  text_[at++] = '"';
  return *this;
}

ArrayLiteral& ArrayLiteral::Null() {
  Separate();
  text_ += "NULL";
  return *this;
}

std::string ArrayLiteral::Finish() && { return std::move(text_) + "}"; }

std::vector<const char*> Params::ValuePointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    pointers.push_back(nulls_[i] ? nullptr : values_[i].data());
  }
  return pointers;
}

std::vector<int> Params::Lengths() const {
  std::vector<int> lengths;
  lengths.reserve(values_.size());
  for (const std::string& value : values_) lengths.push_back(static_cast<int>(value.size()));
  return lengths;
}

std::vector<int> Params::Formats() const { return formats_; }

bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

int64_t Result::Int64(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  switch (PQftype(result_.get(), column)) {
    case kInt8Oid: {
      uint64_t be;
      std::memcpy(&be, value, sizeof(be));
      return static_cast<int64_t>(be64toh(be));
    }
    case kInt4Oid: {
      uint32_t be;
      std::memcpy(&be, value, sizeof(be));
      return static_cast<int32_t>(be32toh(be));
    }
    case kInt2Oid: {
      uint16_t be;
      std::memcpy(&be, value, sizeof(be));
      return static_cast<int16_t>(be16toh(be));
    }
    case kBoolOid:
      return value[0] != 0 ? 1 : 0;
    default:
      return 0;
  }
}

double Result::Double(int row, int column) const {
  uint64_t be;
  std::memcpy(&be, PQgetvalue(result_.get(), row, column), sizeof(be));
  const uint64_t bits = be64toh(be);
  double value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

absl::string_view Result::View(int row, int column) const {
  return absl::string_view(PQgetvalue(result_.get(), row, column),
                           PQgetlength(result_.get(), row, column));
}

std::string Result::Bytes(int row, int column) const { return std::string(View(row, column)); }

int64_t Result::Affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples[0] == '\0' ? 0 : std::strtoll(tuples, nullptr, 10);
}

absl::Status StatusFromServer(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state == nullptr ? "" : state;
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string message =
      primary != nullptr
          ? primary
          : std::string(absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(result)));
  absl::Status status;
  if (sqlstate == "23505") {
    status = absl::AlreadyExistsError(absl::StrCat("storage: ", message));
  } else if (sqlstate == "40001" || sqlstate == "40P01") {
    status = absl::AbortedError(absl::StrCat("storage: ", message));
  } else if (sqlstate == "53100") {
    status = errors::DiskFull();
  } else if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P") ||
             sqlstate == "53300") {
    // Connection exceptions, an operator's shutdown, too many connections: try again later.
    status = Unavailable(message);
  } else {
    status = errors::StorageFailure(absl::StrCat(message, sqlstate.empty() ? "" : " (SQLSTATE ",
                                                 sqlstate, sqlstate.empty() ? "" : ")"));
  }
  if (!sqlstate.empty()) status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate));
  return status;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const std::string& conninfo, const std::vector<std::pair<std::string, std::string>>& extra,
    absl::Time deadline) {
  // dbname first, expanded from the URI or keyword string; the extras after it override.
  std::vector<const char*> keywords = {"dbname"};
  std::vector<const char*> values = {conninfo.c_str()};
  for (const auto& [key, value] : extra) {
    keywords.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* raw = PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr) return Unavailable("out of memory connecting");
  auto connection = std::unique_ptr<Connection>(new Connection(raw));
  if (PQstatus(raw) == CONNECTION_BAD) return connection->Fail("cannot connect");
  PostgresPollingStatusType poll_status = PGRES_POLLING_WRITING;
  while (poll_status != PGRES_POLLING_OK) {
    if (poll_status == PGRES_POLLING_FAILED) {
      absl::Status failed = connection->Fail("cannot connect");
      if (RefusedByConfiguration(PQerrorMessage(raw))) {
        failed.SetPayload(kRefusedPayload, absl::Cord("1"));
      }
      return failed;
    }
    absl::Status waited = connection->WaitSocket(poll_status == PGRES_POLLING_WRITING, deadline);
    if (!waited.ok()) return waited;
    poll_status = PQconnectPoll(raw);
  }
  if (PQsetnonblocking(raw, 1) != 0) return connection->Fail("cannot set non-blocking mode");
  // The server's notices ("schema already exists, skipping") are expected; not for stderr.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool Connection::PeerStillOpen() {
  if (broken_) return false;
  pollfd fd{PQsocket(conn_), static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (fd.fd < 0) return false;
  const int ready = poll(&fd, 1, 0);
  if (ready <= 0) return true;  // nothing arrived while idle
  // The server closed its side (after its "terminating connection" message), or reset it.
  if ((fd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
    broken_ = true;
    return false;
  }
  // Something else arrived while idle (a notice): read it, which also notices a closed socket.
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) broken_ = true;
  return !broken_;
}

absl::Status Connection::Fail(absl::string_view what) {
  broken_ = true;
  // libpq's message names the server's host and port (never the password): for the operator's
  // log, not for a client, to whom the gateway would pass it on.
  std::string detail(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn_)));
  if (!detail.empty())
    LogWarning("database connection failed", {{"what", std::string(what)}, {"error", detail}});
  return Unavailable(what);
}

absl::Status Connection::WaitSocket(bool for_write, absl::Time deadline) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      broken_ = true;
      return Unavailable("no answer within the deadline");
    }
    pollfd fd{PQsocket(conn_), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    if (fd.fd < 0) return Fail("no socket");
    const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(left));
    const int ready = poll(&fd, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) return Fail(std::strerror(errno));
  }
}

absl::Status Connection::Flush(absl::Time deadline) {
  while (true) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) return absl::OkStatus();
    if (flushed < 0) return Fail("send failed");
    // Wait until the socket takes more; reading meanwhile keeps the server from blocking.
    absl::Status waited = WaitSocket(/*for_write=*/true, deadline);
    if (!waited.ok()) return waited;
    if (PQconsumeInput(conn_) == 0) return Fail("receive failed");
  }
}

absl::StatusOr<PGresult*> Connection::NextResult(absl::Time deadline) {
  while (PQisBusy(conn_) != 0) {
    absl::Status waited = WaitSocket(/*for_write=*/false, deadline);
    if (!waited.ok()) return waited;
    if (PQconsumeInput(conn_) == 0) return Fail("connection lost");
  }
  return PQgetResult(conn_);
}

absl::StatusOr<Result> Connection::Collect(absl::Time deadline) {
  absl::Status flushed = Flush(deadline);
  if (!flushed.ok()) return flushed;
  std::optional<Result> last;
  absl::Status error;
  while (true) {
    absl::StatusOr<PGresult*> next = NextResult(deadline);
    if (!next.ok()) return next.status();
    if (*next == nullptr) break;
    Result result(*next);
    const ExecStatusType status = PQresultStatus(*next);
    if (status == PGRES_FATAL_ERROR) {
      error = StatusFromServer(*next);
    } else if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      return result;  // the caller streams the data
    }
    last.emplace(std::move(result));
  }
  if (PQstatus(conn_) == CONNECTION_BAD) return Fail("connection lost");
  if (!error.ok()) return error;
  if (!last.has_value()) return Fail("no result");
  return std::move(*last);
}

absl::StatusOr<Result> Connection::Exec(absl::string_view sql, const Params& params,
                                        absl::Time deadline) {
  if (broken_) return Unavailable("connection lost");
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = absl::StrCat("s", prepared_.size());
    const std::string text(sql);
    if (PQsendPrepare(conn_, name.c_str(), text.c_str(), params.size(), params.types().data()) ==
        0) {
      return Fail("send failed");
    }
    absl::StatusOr<Result> prepared = Collect(deadline);
    if (!prepared.ok()) return prepared.status();
    it = prepared_.emplace(text, std::move(name)).first;
  }
  const std::vector<const char*> values = params.ValuePointers();
  const std::vector<int> lengths = params.Lengths();
  const std::vector<int> formats = params.Formats();
  if (PQsendQueryPrepared(conn_, it->second.c_str(), params.size(), values.data(), lengths.data(),
                          formats.data(), /*resultFormat=*/1) == 0) {
    return Fail("send failed");
  }
  return Collect(deadline);
}

absl::Status Connection::ExecScript(absl::string_view sql, absl::Time deadline) {
  if (broken_) return Unavailable("connection lost");
  const std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) return Fail("send failed");
  return Collect(deadline).status();
}

absl::StatusOr<int64_t> Connection::CopyIn(absl::string_view copy_sql, absl::string_view data,
                                           absl::Time deadline) {
  if (broken_) return Unavailable("connection lost");
  const std::string text(copy_sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) return Fail("send failed");
  absl::StatusOr<Result> started = Collect(deadline);
  if (!started.ok()) return started.status();
  // Large chunks: each PQputCopyData is a message of its own.
  constexpr size_t kChunk = 1 << 20;
  for (size_t offset = 0; offset < data.size();) {
    const absl::string_view chunk = data.substr(offset, kChunk);
    const int put = PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size()));
    if (put < 0) return Fail("copy failed");
    if (put == 0) {
      absl::Status waited = WaitSocket(/*for_write=*/true, deadline);
      if (!waited.ok()) return waited;
      continue;
    }
    offset += chunk.size();
  }
  while (true) {
    const int ended = PQputCopyEnd(conn_, nullptr);
    if (ended < 0) return Fail("copy failed");
    if (ended > 0) break;
    absl::Status waited = WaitSocket(/*for_write=*/true, deadline);
    if (!waited.ok()) return waited;
  }
  absl::StatusOr<Result> done = Collect(deadline);
  if (!done.ok()) return done.status();
  return done->Affected();
}

absl::StatusOr<std::vector<std::string>> Connection::AwaitNotifications(absl::Time deadline) {
  std::vector<std::string> payloads;
  auto drain = [&] {
    while (PGnotify* notify = PQnotifies(conn_)) {
      payloads.push_back(notify->extra);
      PQfreemem(notify);
    }
  };
  if (PQconsumeInput(conn_) == 0) return Fail("connection lost");
  drain();
  if (!payloads.empty()) return payloads;
  absl::Status waited = WaitSocket(/*for_write=*/false, deadline);
  if (!waited.ok()) {
    // A quiet channel is not a failure: the connection stays usable.
    if (absl::Now() >= deadline && PQstatus(conn_) == CONNECTION_OK) {
      broken_ = false;
      return payloads;
    }
    return waited;
  }
  if (PQconsumeInput(conn_) == 0) return Fail("connection lost");
  drain();
  return payloads;
}

}  // namespace lookout::pg
