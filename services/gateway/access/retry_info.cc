#include "services/gateway/access/retry_info.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

namespace lookout::gateway {
namespace {

using google::protobuf::internal::WireFormatLite;

// google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }
std::string EncodeRetryInfo(absl::Duration delay) {
  google::protobuf::Duration duration;
  int64_t nanos = absl::ToInt64Nanoseconds(delay);
  duration.set_seconds(nanos / 1000000000);
  duration.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  WireFormatLite::WriteMessage(1, duration, &coded);
  coded.Trim();
  return out;
}

}  // namespace

grpc::Status StatusWithRetryInfo(grpc::StatusCode code, const std::string& message,
                                 absl::Duration retry_delay) {
  google::protobuf::Any detail;
  detail.set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  detail.set_value(EncodeRetryInfo(retry_delay));
  // google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  std::string status;
  {
    google::protobuf::io::StringOutputStream stream(&status);
    google::protobuf::io::CodedOutputStream coded(&stream);
    WireFormatLite::WriteInt32(1, static_cast<int32_t>(code), &coded);
    WireFormatLite::WriteString(2, message, &coded);
    WireFormatLite::WriteMessage(3, detail, &coded);
  }
  return grpc::Status(code, message, status);
}

}  // namespace lookout::gateway
