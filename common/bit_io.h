// Bit-level writer and reader with Rice codes, for the histogram count encoding of
// proto/histogram_codec.h and the store's series blocks (server/store/series_block.h). Bits are
// packed least significant first into bytes.
//
// Rice code with parameter k (0 <= k <= kMaxRiceParameter) of z >= 0: q = z >> k as q one-bits
// and a zero-bit, then the k low bits of z. Escape: when q >= kRiceEscape, kRiceEscape one-bits
// then z in 64 bits.
//
// Thread-safety: plain values; not synchronized.
#ifndef ACTISCOPE_COMMON_BIT_IO_H_
#define ACTISCOPE_COMMON_BIT_IO_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace actiscope {

inline constexpr uint32_t kRiceEscape = 24;
inline constexpr int kMaxRiceParameter = 56;

class BitWriter {
 public:
  // Appends to *out; Flush() (or the destructor) writes the last partial byte.
  explicit BitWriter(std::string* out) : out_(out) {}
  ~BitWriter() { Flush(); }
  BitWriter(const BitWriter&) = delete;
  BitWriter& operator=(const BitWriter&) = delete;

  // Appends the `n` (<= 64) low bits of v.
  void Put(uint64_t v, int n) {
    if (n > 32) {
      Put(v & 0xffffffff, 32);
      Put(v >> 32, n - 32);
      return;
    }
    acc_ |= (v & ((uint64_t{1} << n) - 1)) << used_;  // used_ < 32, so this fits.
    used_ += n;
    if (used_ >= 32) {
      const char bytes[4] = {static_cast<char>(acc_), static_cast<char>(acc_ >> 8),
                             static_cast<char>(acc_ >> 16), static_cast<char>(acc_ >> 24)};
      out_->append(bytes, 4);
      acc_ >>= 32;
      used_ -= 32;
    }
  }
  void PutRice(uint64_t z, int k) {
    const uint64_t q = z >> k;
    if (q >= kRiceEscape) {
      Put((uint64_t{1} << kRiceEscape) - 1, kRiceEscape);
      Put(z, 64);
      return;
    }
    Put((uint64_t{1} << q) - 1, static_cast<int>(q) + 1);  // q ones, then a zero.
    if (k > 0) Put(z, k);
  }
  // Writes the bits still held, zero-padded to a byte.
  void Flush() {
    for (; used_ > 0; used_ -= 8) {
      out_->push_back(static_cast<char>(acc_ & 0xff));
      acc_ >>= 8;
    }
    acc_ = 0;
    used_ = 0;
  }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  int used_ = 0;
};

class BitReader {
 public:
  explicit BitReader(absl::string_view data) : data_(data) {}
  // Reads `n` (<= 56) bits. False when the data runs out.
  bool Get(int n, uint64_t* v) {
    if (used_ < n) Refill();
    if (used_ < n) return false;
    *v = acc_ & ((uint64_t{1} << n) - 1);
    acc_ >>= n;
    used_ -= n;
    return true;
  }
  // False when the data runs out (or k > kMaxRiceParameter).
  bool GetRice(int k, uint64_t* z) {
    if (k > kMaxRiceParameter) return false;
    Refill();
    // Ones before the first zero, counted among the bits at hand.
    const uint64_t available = used_ >= 64 ? ~uint64_t{0} : (uint64_t{1} << used_) - 1;
    const uint64_t zeros = ~acc_ & available;
    const int q = zeros == 0 ? used_ : __builtin_ctzll(zeros);
    if (q >= static_cast<int>(kRiceEscape)) {
      acc_ >>= kRiceEscape;
      used_ -= kRiceEscape;
      uint64_t lo, hi;
      if (!Get(32, &lo) || !Get(32, &hi)) return false;
      *z = lo | (hi << 32);
      return true;
    }
    if (q == used_) return false;  // No terminating zero: truncated.
    acc_ >>= q + 1;
    used_ -= q + 1;
    uint64_t low = 0;
    if (k > 0 && !Get(k, &low)) return false;
    *z = (static_cast<uint64_t>(q) << k) | low;
    return true;
  }
  // Bytes consumed, counting a partly read byte.
  size_t consumed() const { return pos_ - static_cast<size_t>(used_ / 8); }
  // True when the bits left unread in the current byte are all zero (the writer's padding).
  bool PaddingIsZero() const { return (acc_ & ((uint64_t{1} << (used_ % 8)) - 1)) == 0; }

 private:
  void Refill() {
    while (used_ <= 56 && pos_ < data_.size()) {
      acc_ |= static_cast<uint64_t>(static_cast<unsigned char>(data_[pos_++])) << used_;
      used_ += 8;
    }
  }

  absl::string_view data_;
  size_t pos_ = 0;
  uint64_t acc_ = 0;
  int used_ = 0;
};

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_BIT_IO_H_
