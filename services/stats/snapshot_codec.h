// The byte layout of read-model snapshots: fixed-width integers and raw column arrays in the
// machine's (little-endian) order, strings and arrays prefixed by their length. The writer
// appends to a buffer; the reader checks every length against what is left, so a truncated
// or damaged body ends in an error, never a read past the end.
#ifndef LOOKOUT_SERVICES_STATS_SNAPSHOT_CODEC_H_
#define LOOKOUT_SERVICES_STATS_SNAPSHOT_CODEC_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace lookout::stats {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "snapshots store columns as raw little-endian arrays");

class SnapshotWriter {
 public:
  explicit SnapshotWriter(std::string* out) : out_(out) {}

  template <typename T>
  void Put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_->append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void PutString(absl::string_view s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_->append(s.data(), s.size());
  }
  template <typename T>
  void PutArray(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Put<uint64_t>(v.size());
    out_->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  // The elements alone: a Put<uint64_t> of their total, then the vectors in turn, read back as
  // one array with GetArray.
  template <typename T>
  void PutElements(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }

 private:
  std::string* const out_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(absl::string_view in) : in_(in) {}

  // Each returns false (and leaves the reader failed) when the input is too short.
  template <typename T>
  bool Get(T* value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!Take(sizeof(T))) return false;
    std::memcpy(value, in_.data() + pos_ - sizeof(T), sizeof(T));
    return true;
  }
  bool GetString(std::string* s) {
    uint32_t size;
    if (!Get(&size) || !Take(size)) return false;
    s->assign(in_.data() + pos_ - size, size);
    return true;
  }
  template <typename T>
  bool GetArray(std::vector<T>* v) {
    static_assert(std::is_trivially_copyable_v<T>);
    uint64_t count;
    if (!Get(&count) || count > (in_.size() - pos_) / sizeof(T)) return Fail();
    const size_t bytes = count * sizeof(T);
    v->resize(count);
    // An empty vector's data() may be null, which memcpy must not be given even for 0 bytes.
    if (bytes > 0) std::memcpy(v->data(), in_.data() + pos_, bytes);
    pos_ += bytes;
    return true;
  }
  // A count of items still to be read, each at least `min_item_bytes` long (so a damaged count
  // cannot make the caller reserve more than the input could hold).
  bool GetCount(uint64_t* count, size_t min_item_bytes) {
    if (!Get(count) || *count > (in_.size() - pos_) / min_item_bytes) return Fail();
    return true;
  }

  bool failed() const { return failed_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  bool Take(size_t bytes) {
    if (failed_ || bytes > in_.size() - pos_) return Fail();
    pos_ += bytes;
    return true;
  }
  bool Fail() {
    failed_ = true;
    return false;
  }

  absl::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_SNAPSHOT_CODEC_H_
