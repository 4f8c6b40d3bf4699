// Bit-sliced counting for the vector histogram kernels (histogram_kernel_avx2.cc and
// histogram_kernel_avx512.cc): each value's slot (at most 63) becomes a one-hot 64-bit word,
// 1 << slot, and the words are added bit position by bit position in carry-save form
// (Harley-Seal), so that counting is vector logic only, with no memory increment per value.
// BitPlanes keeps the counts of one chunk as bit planes and reads them out at its end.
//
// Written once for both vector widths. A kernel file defines ACTISCOPE_BIT_PLANES_TARGET (its
// target attribute, e.g. "avx2") and includes this header once, inside its own anonymous
// namespace, after <immintrin.h> and <cstddef>/<cstdint>; BitPlanes is then instantiated with an
// `Ops` struct of its vector type's operations:
//   using Vector = ...;                                   // __m256i or __m512i
//   static Vector Zero();
//   static Vector Xor(Vector a, Vector b), And(Vector a, Vector b);
//   static void CarrySave(Vector* high, Vector* low, Vector a, Vector b, Vector c);
//                                                         // *low = a ^ b ^ c, *high = majority
//   static bool AllZero(Vector v);
//   static int LanesWithBit(Vector v, int bit);           // 64-bit lanes with `bit` set
#ifndef ACTISCOPE_CLIENT_BIT_PLANES_H_
#define ACTISCOPE_CLIENT_BIT_PLANES_H_

#define ACTISCOPE_BIT_PLANES_FUNCTION __attribute__((target(ACTISCOPE_BIT_PLANES_TARGET)))
// For what runs in the counting loop, which must inline (as calls, its lambdas' captures would
// live in memory).
#define ACTISCOPE_BIT_PLANES_INLINE \
  __attribute__((always_inline, target(ACTISCOPE_BIT_PLANES_TARGET)))

// The widest layout counted this way: its slots, 0 .. bins + 1, fit one 64-bit word.
constexpr uint32_t kMaxBitBins = 62;

// planes[k] holds bit k of the count of each (64-bit lane, slot) pair; kPlanes must hold the
// most words a chunk puts into one lane. AddValues keeps planes 0..3 (weights 1 to 8) in
// registers and adds sixteen words at a time to them (AddSixteen); their carries, of weight 16,
// are buffered and added sixteen at a time to planes 4..7, whose carries ripple up.
template <typename Ops, int kPlanes>
struct BitPlanes {
  using Vector = typename Ops::Vector;
  Vector planes[kPlanes];
  Vector carries[16];  // Of weight 16, waiting to be added.
  int waiting = 0;

  ACTISCOPE_BIT_PLANES_FUNCTION void Clear() {
    for (Vector& p : planes) p = Ops::Zero();
    waiting = 0;
  }

  // Adds sixteen words to the planes *ones .. *eights (weights 1 to 8) and returns their
  // carries, of weight 16. `words(k, pair)` sets pair[0..1] to words 2k and 2k + 1, called in
  // order just before they are added, so that few are live at a time.
  template <typename Words>
  ACTISCOPE_BIT_PLANES_INLINE static inline Vector AddSixteen(Vector* ones, Vector* twos,
                                                              Vector* fours, Vector* eights,
                                                              const Words& words) {
    Vector twos_a, twos_b, fours_a, fours_b, eights_a, eights_b, sixteens, in[2];
    const auto add_four = [&](int k, Vector* fours_out) ACTISCOPE_BIT_PLANES_INLINE {
      words(2 * k, in);
      Ops::CarrySave(&twos_a, ones, *ones, in[0], in[1]);
      words(2 * k + 1, in);
      Ops::CarrySave(&twos_b, ones, *ones, in[0], in[1]);
      Ops::CarrySave(fours_out, twos, *twos, twos_a, twos_b);
    };
    add_four(0, &fours_a);
    add_four(1, &fours_b);
    Ops::CarrySave(&eights_a, fours, *fours, fours_a, fours_b);
    add_four(2, &fours_a);
    add_four(3, &fours_b);
    Ops::CarrySave(&eights_b, fours, *fours, fours_a, fours_b);
    Ops::CarrySave(&sixteens, eights, *eights, eights_a, eights_b);
    return sixteens;
  }

  // Adds `carry`, of weight 2^first, to planes[first..].
  ACTISCOPE_BIT_PLANES_FUNCTION void Ripple(int first, Vector carry) {
    for (int k = first; k < kPlanes; ++k) {
      const Vector sum = Ops::Xor(planes[k], carry);
      carry = Ops::And(planes[k], carry);
      planes[k] = sum;
    }
  }

  ACTISCOPE_BIT_PLANES_FUNCTION __attribute__((noinline)) void AddCarries() {
    const auto words = [this](int k, Vector* pair) ACTISCOPE_BIT_PLANES_INLINE {
      pair[0] = carries[2 * k];
      pair[1] = carries[2 * k + 1];
    };
    Ripple(8, AddSixteen(&planes[4], &planes[5], &planes[6], &planes[7], words));
    waiting = 0;
  }

  ACTISCOPE_BIT_PLANES_INLINE inline void AddCarry(Vector sixteens) {
    carries[waiting++] = sixteens;
    if (waiting == 16) AddCarries();
  }

  // Adds one word to low[0..3] (planes 0..3, kept in registers), passing its carry on.
  ACTISCOPE_BIT_PLANES_INLINE inline void AddOne(Vector* low, Vector word) {
    for (int k = 0; k < 4; ++k) {
      const Vector sum = Ops::Xor(low[k], word);
      word = Ops::And(low[k], word);
      low[k] = sum;
    }
    AddCarry(word);
  }

  // Adds the words of n values (a multiple of `lanes`), two words per `lanes` values:
  // one_hot(i, pair) sets pair[0..1] to those of values i .. i + lanes - 1. Planes 0..3 stay in
  // registers meanwhile. kThroughMemory: each block's sixteen words are made first and stored,
  // then added, so that making them and adding them each have the registers to themselves (with
  // AVX2's 16 registers together they spill, 1.2x slower); else each pair is added as it is
  // made.
  template <bool kThroughMemory, typename OneHot>
  ACTISCOPE_BIT_PLANES_INLINE inline void AddValues(size_t n, size_t lanes, const OneHot& one_hot) {
    Vector low[4] = {Ops::Zero(), Ops::Zero(), Ops::Zero(), Ops::Zero()};
    size_t i = 0;
    for (; i + 8 * lanes <= n; i += 8 * lanes) {
      if constexpr (kThroughMemory) {
        Vector block[16];
        for (size_t k = 0; k < 8; ++k) one_hot(i + k * lanes, block + 2 * k);
        const auto words = [&](int k, Vector* pair) ACTISCOPE_BIT_PLANES_INLINE {
          pair[0] = block[2 * k];
          pair[1] = block[2 * k + 1];
        };
        AddCarry(AddSixteen(&low[0], &low[1], &low[2], &low[3], words));
      } else {
        const auto words = [&](int k, Vector* pair) ACTISCOPE_BIT_PLANES_INLINE {
          one_hot(i + static_cast<size_t>(k) * lanes, pair);
        };
        AddCarry(AddSixteen(&low[0], &low[1], &low[2], &low[3], words));
      }
    }
    for (; i < n; i += lanes) {
      Vector in[2];
      one_hot(i, in);
      AddOne(low, in[0]);
      AddOne(low, in[1]);
    }
    for (int k = 0; k < 4; ++k) planes[k] = low[k];
  }

  // Adds each slot's count to counts[0 .. used): per plane and slot, the lanes with that bit
  // set. After AddValues.
  template <typename Count>
  ACTISCOPE_BIT_PLANES_FUNCTION void ReadOut(size_t used, Count* counts) {
    for (int j = 0; j < waiting; ++j) Ripple(4, carries[j]);
    waiting = 0;
    for (int k = 0; k < kPlanes; ++k) {
      if (Ops::AllZero(planes[k])) continue;
      for (size_t s = 0; s < used; ++s) {
        counts[s] += static_cast<Count>(Ops::LanesWithBit(planes[k], static_cast<int>(s))) << k;
      }
    }
  }
};

#endif  // ACTISCOPE_CLIENT_BIT_PLANES_H_
