// Early-return helpers for absl::Status; Abseil 20220623 ships none of its own.
#ifndef LOOKOUT_COMMON_STATUS_MACROS_H_
#define LOOKOUT_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LOOKOUT_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::absl::Status lookout_status_ = (expr);          \
    if (!lookout_status_.ok()) return lookout_status_; \
  } while (false)

#define LOOKOUT_CONCAT_INNER_(a, b) a##b
#define LOOKOUT_CONCAT_(a, b) LOOKOUT_CONCAT_INNER_(a, b)

// LOOKOUT_ASSIGN_OR_RETURN(auto x, FunctionReturningStatusOr());
#define LOOKOUT_ASSIGN_OR_RETURN(lhs, expr) \
  LOOKOUT_ASSIGN_OR_RETURN_IMPL_(LOOKOUT_CONCAT_(lookout_statusor_, __LINE__), lhs, expr)

#define LOOKOUT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // LOOKOUT_COMMON_STATUS_MACROS_H_
