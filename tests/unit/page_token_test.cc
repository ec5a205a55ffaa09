#include "common/page_token.h"

#include <gtest/gtest.h>

namespace lookout {
namespace {

TEST(PageTokenCodecTest, RoundTripsForTheSameQuery) {
  PageTokenCodec codec("secret");
  std::string token = codec.Encode("2024-01-05|evt_1", "country=HTI");
  EXPECT_EQ(*codec.Decode(token, "country=HTI"), "2024-01-05|evt_1");
}

TEST(PageTokenCodecTest, RejectsATokenFromAnotherQuery) {
  PageTokenCodec codec("secret");
  std::string token = codec.Encode("cursor", "country=HTI");
  EXPECT_EQ(codec.Decode(token, "country=KEN").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenCodecTest, RejectsForgedAndMalformedTokens) {
  PageTokenCodec codec("secret");
  PageTokenCodec other("another secret");
  std::string token = other.Encode("cursor", "q");
  EXPECT_EQ(codec.Decode(token, "q").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(codec.Decode("not base64 !!", "q").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(codec.Decode("YWJj", "q").status().code(), absl::StatusCode::kInvalidArgument);
  std::string tampered = codec.Encode("cursor", "q");
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(codec.Decode(tampered, "q").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lookout
