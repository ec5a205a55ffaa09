// Reads one field of a serialized request without decoding the whole message, for the few
// access rules that depend on the request (the gateway otherwise forwards bytes untouched).
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_REQUEST_PEEK_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_REQUEST_PEEK_H_

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <initializer_list>

namespace lookout::gateway {

// The value of a top-level bool (varint) field; false when absent, as proto3 reads it. A repeated
// occurrence wins over an earlier one, as in a real parse. Unparseable bytes read as true, so a
// malformed request can never slip past the stricter rule.
bool ReadBoolField(const grpc::ByteBuffer& message, int field_number);

// How many times the top-level fields `field_numbers` occur (a repeated field: its entries).
// Unparseable bytes count what was read before them plus one, never 0: the backend refuses such
// a request anyway, and a count read from them must not let it past a budget for free.
int64_t CountFields(const grpc::ByteBuffer& message, std::initializer_list<int> field_numbers);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_REQUEST_PEEK_H_
