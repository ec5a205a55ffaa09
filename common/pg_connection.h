// One PostgreSQL connection through libpq, used by the PostgreSQL stores: statements with bound
// parameters, prepared once per connection, results in binary form, COPY, and a deadline on
// every call. The connection is driven with libpq's non-blocking calls and poll(), so a server
// that stops answering costs a caller its deadline, never a hang: the call returns UNAVAILABLE
// and the connection is dropped (the server rolls back whatever it had not committed).
#ifndef LOOKOUT_COMMON_PG_CONNECTION_H_
#define LOOKOUT_COMMON_PG_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lookout::pg {

// The payload key carrying a server error's SQLSTATE (e.g. "23505"), so callers can tell a
// unique-key race or a serialization failure from other errors.
inline constexpr absl::string_view kSqlStatePayload = "lookout.pg.sqlstate";

// The SQLSTATE of a status made from a server error, or "" for any other status.
std::string SqlStateOf(const absl::Status& status);

// A failure worth running the work again for: the server undid it because of another
// transaction (a serialization failure, a deadlock, a unique key committed first).
bool IsRetryableRace(const absl::Status& status);

// Marks a failed connection the server refused for its settings (user, password, database
// name, pg_hba.conf), as opposed to a server that could not be reached.
inline constexpr absl::string_view kRefusedPayload = "lookout.pg.refused";
bool RefusedByServer(const absl::Status& status);

// Values for $1, $2, ... of a statement. Scalars travel in binary form with their types, so
// the server never parses them; arrays travel as text literals of their array type.
class Params {
 public:
  Params& Add(int64_t value);
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(double value);
  Params& Add(bool value);
  Params& Add(absl::string_view text);
  Params& Add(const char* text) { return Add(absl::string_view(text)); }
  Params& Add(const std::string& text) { return Add(absl::string_view(text)); }
  Params& AddBytes(absl::string_view bytes);
  Params& AddNull();
  Params& AddTextArray(const std::vector<std::string>& values);
  Params& AddIntArray(const std::vector<int64_t>& values);
  // A value in the server's text form, its type left to the statement ("$1::bytea[]").
  Params& AddLiteral(std::string text);

  int size() const { return static_cast<int>(values_.size()); }
  const std::vector<Oid>& types() const { return types_; }
  // For PQsendQueryPrepared: pointers into this object, valid while it lives unchanged.
  std::vector<const char*> ValuePointers() const;
  std::vector<int> Lengths() const;
  std::vector<int> Formats() const;

 private:
  void Push(Oid type, std::string value, int format, bool null = false);

  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<int> formats_;
  std::vector<bool> nulls_;
};

// The text form of a one-dimensional array, element by element (for Params::AddLiteral): many
// rows travel as one array per column and one INSERT ... SELECT FROM unnest(...).
class ArrayLiteral {
 public:
  ArrayLiteral& Text(absl::string_view value);
  ArrayLiteral& Int(int64_t value);
  // Exact: 17 significant digits.
  ArrayLiteral& Double(double value);
  // bytea elements, in bytea's hex form.
  ArrayLiteral& Bytes(absl::string_view bytes);
  ArrayLiteral& Null();
  bool empty() const { return text_.size() == 1; }
  std::string Finish() &&;

 private:
  void Separate();
  std::string text_ = "{";
};

// Rows of a statement's result, in binary form. Columns are 0-based.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int column) const;
  // int2, int4, int8 and bool columns.
  int64_t Int64(int row, int column) const;
  // float8 columns.
  double Double(int row, int column) const;
  // text and bytea columns: the bytes as stored.
  std::string Bytes(int row, int column) const;
  absl::string_view View(int row, int column) const;
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t Affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection {
 public:
  // Connects with `conninfo` (a URI or keyword string) plus `extra` keyword values (password,
  // options, application_name), giving up at `deadline`.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& conninfo, const std::vector<std::pair<std::string, std::string>>& extra,
      absl::Time deadline);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (one statement, prepared on first use and cached) and returns its rows. Errors:
  // the server's, with its SQLSTATE as a payload (see StatusFromServer); UNAVAILABLE when the
  // connection fails or `deadline` passes first, after which broken() is true.
  absl::StatusOr<Result> Exec(absl::string_view sql, const Params& params, absl::Time deadline);
  absl::StatusOr<Result> Exec(absl::string_view sql, absl::Time deadline) {
    return Exec(sql, Params(), deadline);
  }
  // Runs one or more statements without parameters (BEGIN, COMMIT, DDL), not prepared.
  absl::Status ExecScript(absl::string_view sql, absl::Time deadline);

  // COPY ... FROM STDIN with `data` in COPY's text format. Returns the rows copied.
  absl::StatusOr<int64_t> CopyIn(absl::string_view copy_sql, absl::string_view data,
                                 absl::Time deadline);

  // Waits until a notification arrives on a channel this connection LISTENs on, or `deadline`.
  // Returns the payloads received (empty on timeout).
  absl::StatusOr<std::vector<std::string>> AwaitNotifications(absl::Time deadline);

  // True once the connection failed or timed out: it must not be used again.
  bool broken() const { return broken_; }
  // For an idle connection, without a round trip: false when the server has closed it (or it
  // is broken). A peer lost without closing is not noticed here; call deadlines bound that.
  bool PeerStillOpen();
  // False when the last statement left a transaction open (or failed inside one).
  bool idle() const;
  // True inside a transaction a failed statement aborted: the server refuses everything until
  // ROLLBACK, and a COMMIT there would roll back without an error.
  bool in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  // Waits until libpq can read a whole result, then returns it (null once all are read).
  absl::StatusOr<PGresult*> NextResult(absl::Time deadline);
  absl::Status Flush(absl::Time deadline);
  absl::Status WaitSocket(bool for_write, absl::Time deadline);
  absl::Status Fail(absl::string_view what);
  // Reads every result of the statement sent; the last one's errors become the status.
  absl::StatusOr<Result> Collect(absl::Time deadline);

  PGconn* conn_;
  bool broken_ = false;
  absl::flat_hash_map<std::string, std::string> prepared_;  // sql -> statement name
};

// The status of a failed result: the server's message with its SQLSTATE attached. Codes:
// ALREADY_EXISTS for unique violations, ABORTED for serialization failures and deadlocks,
// RESOURCE_EXHAUSTED (errors::DiskFull) for a full disk, UNAVAILABLE when the server is
// shutting down or refuses connections, INTERNAL (a storage failure) for anything else.
absl::Status StatusFromServer(const PGresult* result);

}  // namespace lookout::pg

#endif  // LOOKOUT_COMMON_PG_CONNECTION_H_
