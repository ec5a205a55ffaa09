// One catalogue of errors, so the same failure always has the same code and wording.
#ifndef LOOKOUT_COMMON_ERRORS_H_
#define LOOKOUT_COMMON_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace lookout::errors {

// The payload key under which the offending field's path travels (read by ToGrpcStatus and
// ImportEvents, which reports the field per row).
inline constexpr absl::string_view kFieldPayload = "lookout.field";

// "<field>: <rule>", INVALID_ARGUMENT, with the field attached as a payload.
inline absl::Status InvalidField(absl::string_view field, absl::string_view rule) {
  absl::Status status = absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
  status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

// The field an InvalidField error names, or "" when it names none.
inline std::string FieldOf(const absl::Status& status) {
  auto payload = status.GetPayload(kFieldPayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

inline absl::Status NotFound(absl::string_view kind, absl::string_view id) {
  return absl::NotFoundError(absl::StrCat(kind, " \"", id, "\" not found"));
}

inline absl::Status RequestIdReused(absl::string_view request_id) {
  return absl::AlreadyExistsError(absl::StrCat(
      "request_id: \"", request_id, "\" was already used with a different payload"));
}

inline absl::Status EtagMismatch(absl::string_view kind, absl::string_view id) {
  return absl::AbortedError(absl::StrCat(
      "etag: does not match the stored ", kind, " \"", id,
      "\" (it changed since you read it); read it again and retry"));
}

inline absl::Status StorageFailure(absl::string_view what) {
  return absl::InternalError(absl::StrCat("storage: ", what));
}

// The payload key that marks a write refused because the disk holding the data is full.
inline constexpr absl::string_view kDiskFullPayload = "lookout.disk_full";

// RESOURCE_EXHAUSTED for a write the disk had no room for. Clients see the message: it names
// no file. Nothing of the write was stored, so retrying it once space is freed is safe.
inline absl::Status DiskFull() {
  absl::Status status = absl::ResourceExhaustedError(
      "storage: the disk is full; writes are refused until space is freed (reads still work)");
  status.SetPayload(kDiskFullPayload, absl::Cord("1"));
  return status;
}

inline bool IsDiskFull(const absl::Status& status) {
  return status.GetPayload(kDiskFullPayload).has_value();
}

inline absl::Status DependencyUnavailable(absl::string_view dependency, absl::string_view detail) {
  return absl::UnavailableError(absl::StrCat(dependency, " is unavailable: ", detail));
}

// FAILED_PRECONDITION naming `field`: the caller's position (a sequence, a change log id)
// belongs to another change log than the one served now (recreated or restored): what the
// caller built from the old log must be rebuilt from sequence 0.
inline absl::Status ChangeLogReplaced(absl::string_view field, absl::string_view detail) {
  absl::Status status = absl::FailedPreconditionError(
      absl::StrCat(field, ": ", detail, "; start again from sequence 0"));
  status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

}  // namespace lookout::errors

#endif  // LOOKOUT_COMMON_ERRORS_H_
