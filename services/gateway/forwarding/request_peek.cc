#include "services/gateway/forwarding/request_peek.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/slice.h>

namespace lookout::gateway {

using google::protobuf::internal::WireFormatLite;

bool ReadBoolField(const grpc::ByteBuffer& message, int field_number) {
  if (!message.Valid() || message.Length() == 0) return false;  // an empty message
  grpc::Slice slice;
  if (!message.DumpToSingleSlice(&slice).ok()) return true;
  google::protobuf::io::CodedInputStream input(slice.begin(), static_cast<int>(slice.size()));
  bool value = false;
  while (true) {
    uint32_t tag = input.ReadTag();
    if (tag == 0) return input.ConsumedEntireMessage() ? value : true;
    if (WireFormatLite::GetTagFieldNumber(tag) == field_number &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t raw = 0;
      if (!input.ReadVarint64(&raw)) return true;
      value = raw != 0;
      continue;
    }
    if (!WireFormatLite::SkipField(&input, tag)) return true;
  }
}

int64_t CountFields(const grpc::ByteBuffer& message, std::initializer_list<int> field_numbers) {
  if (!message.Valid() || message.Length() == 0) return 0;
  grpc::Slice slice;
  if (!message.DumpToSingleSlice(&slice).ok()) return 1;
  google::protobuf::io::CodedInputStream input(slice.begin(), static_cast<int>(slice.size()));
  int64_t count = 0;
  while (true) {
    uint32_t tag = input.ReadTag();
    if (tag == 0) return input.ConsumedEntireMessage() ? count : count + 1;
    if (!WireFormatLite::SkipField(&input, tag)) return count + 1;
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    for (int wanted : field_numbers) count += number == wanted;
  }
}

}  // namespace lookout::gateway
