internal import AggregationCrypto

/// Uniform random words, bits and bounded integers, and the exact Bernoulli trials the
/// samplers are built from.
///
/// Every probability here is decided with integers only: a uniform integer below `q` compared
/// with `p` for Bernoulli(p/q), and Canonne, Kamath & Steinke's Algorithm 1 (a series of such
/// trials) for Bernoulli(exp(−γ)). No floating point takes part in any decision.
///
/// The source is not generic: ``withRandomBitSource(from:wordCount:_:)`` pulls words from the
/// caller's generator into a small scratch buffer (in bulk from a `ChaChaRandomNumberGenerator`),
/// so the samplers' code is compiled once, fully optimised, for every generator type. It caches
/// the unused bits of one word, so a coin flip costs one bit and an integer below a bound under
/// 2^27 about ten bits more than the bound has.
struct RandomBitSource {
  /// Random words not yet handed out are `words[nextIndex...]`.
  private let words: UnsafeMutableBufferPointer<UInt64>
  private var nextIndex: Int
  /// Overwrites the whole buffer with fresh random words.
  private let refill: (UnsafeMutableBufferPointer<UInt64>) -> Void
  /// Unused random bits, consumed from the least significant end.
  private var cache: UInt64 = 0
  /// How many bits of `cache` are unused.
  private var cachedBitCount = 0

  /// A source over `words` (at least one), refilled by `refill` when used up.
  init(
    words: UnsafeMutableBufferPointer<UInt64>,
    refill: @escaping (UnsafeMutableBufferPointer<UInt64>) -> Void
  ) {
    self.words = words
    self.refill = refill
    nextIndex = words.count
  }

  /// Forgets the cached bits and wipes the unused words, so no random bits outlive a call.
  mutating func erase() {
    cache = 0
    cachedBitCount = 0
    words.update(repeating: 0)
    nextIndex = words.count
  }

  /// The next 64 uniformly random bits.
  @inline(__always)
  mutating func nextWord() -> UInt64 {
    if nextIndex == words.count {
      refill(words)
      nextIndex = 0
    }
    let word = words[nextIndex]
    nextIndex += 1
    return word
  }

  /// One uniformly random bit.
  @inline(__always)
  mutating func nextBit() -> Bool {
    if cachedBitCount == 0 {
      cache = nextWord()
      cachedBitCount = 64
    }
    let bit = cache & 1
    cache &>>= 1
    cachedBitCount -= 1
    return bit == 1
  }

  /// `count` uniformly random bits (1 ≤ `count` ≤ 63), taken from the cache and topped up from
  /// a fresh word when the cache runs short (no bit is skipped).
  @inline(__always)
  mutating func nextBits(_ count: Int) -> UInt64 {
    if cachedBitCount >= count {
      let bits = cache & ((1 &<< UInt64(count)) &- 1)
      cache &>>= UInt64(count)
      cachedBitCount -= count
      return bits
    }
    let word = nextWord()
    let missing = count - cachedBitCount
    let bits = cache | ((word & ((1 &<< UInt64(missing)) &- 1)) &<< UInt64(cachedBitCount))
    cache = word &>> UInt64(missing)
    cachedBitCount = 64 - missing
    return bits
  }

  /// A uniformly random integer in `0..<bound` (`bound > 0`), exactly.
  ///
  /// A power of two takes exactly its bits. Otherwise Lemire's multiply-shift with rejection
  /// ("Fast Random Integer Generation in an Interval", ACM TOMACS 2019), which is exact for any
  /// word width w with 2^w ≥ bound: on w = (bits of bound) + 10 ≤ 37 bits for bounds below 2^27
  /// (a retry with probability below 2^−9), on 64 bits otherwise.
  @inline(__always)
  mutating func uniform(below bound: UInt64) -> UInt64 {
    if bound & (bound &- 1) == 0 {
      let bits = bound.trailingZeroBitCount
      return bits == 0 ? 0 : (bits == 64 ? nextWord() : nextBits(bits))
    }
    let boundBits = 64 - bound.leadingZeroBitCount
    if boundBits <= 27 {
      let width = boundBits + 10
      let mask: UInt64 = (1 &<< UInt64(width)) &- 1
      var product = nextBits(width) &* bound  // < 2^37 · 2^27: no overflow
      if product & mask < bound {
        let threshold = ((1 &<< UInt64(width)) - bound) % bound  // 2^w mod bound
        while product & mask < threshold { product = nextBits(width) &* bound }
      }
      return product &>> UInt64(width)
    }
    var product = Wide128.product(nextWord(), bound)
    if product.low < bound {
      let threshold = (0 &- bound) % bound  // 2^64 mod bound
      while product.low < threshold { product = Wide128.product(nextWord(), bound) }
    }
    return product.high
  }

  /// A uniformly random 128-bit integer in `0..<bound` (`bound > 0`), by rejection on the bit
  /// width of `bound` (fewer than two tries on average).
  mutating func uniform(below bound: Wide128) -> Wide128 {
    if bound.high == 0 { return Wide128(uniform(below: bound.low)) }
    let highBits = bound.bitWidth - 64
    let highMask: UInt64 = highBits == 64 ? .max : (1 << UInt64(highBits)) - 1
    while true {
      let candidate = Wide128(high: nextWord() & highMask, low: nextWord())
      if candidate < bound { return candidate }
    }
  }

  /// `true` with probability exactly `numerator / denominator` (`denominator > 0`).
  mutating func bernoulli(_ numerator: UInt64, over denominator: UInt64) -> Bool {
    uniform(below: denominator) < numerator
  }

  /// `true` with probability exactly `numerator / denominator` (`denominator > 0`).
  mutating func bernoulli(_ numerator: Wide128, over denominator: Wide128) -> Bool {
    uniform(below: denominator) < numerator
  }

  /// `true` with probability exactly 1/`k` (`k ≥ 1`).
  @inline(__always)
  mutating func bernoulliReciprocal(_ k: UInt64) -> Bool {
    k == 2 ? nextBit() : uniform(below: k) == 0
  }

  // MARK: - Bernoulli(exp(−γ)): Canonne, Kamath & Steinke (2020), Algorithm 1

  /// `true` with probability exactly exp(−1).
  ///
  /// Algorithm 1 with γ = 1: count K = 1, 2, … while Bernoulli(1/K) succeeds and return whether
  /// the K at the first failure is odd: P(K > k) = 1/k!, so P(K odd) = Σ (−1)^k/k! = e^{−1}. The
  /// first trial (K = 1) always succeeds; on average 1.72 further trials.
  mutating func bernoulliExpMinusOne() -> Bool {
    var k: UInt64 = 2
    while bernoulliReciprocal(k) { k &+= 1 }  // reaching 2^64 has probability 1/(2^64)!
    return k & 1 == 1
  }

  /// `true` with probability exactly exp(−numerator/denominator), for `numerator ≤
  /// denominator` (γ ∈ [0, 1]) and `denominator > 0`.
  mutating func bernoulliExp(_ numerator: UInt64, over denominator: UInt64) -> Bool {
    guard numerator != 0 else { return true }
    var k: UInt64 = 1
    while true {
      // Bernoulli(γ/K) = Bernoulli(numerator / (denominator · K)), split into Bernoulli(γ) and
      // Bernoulli(1/K) when the product overflows.
      let (scaled, overflow) = denominator.multipliedReportingOverflow(by: k)
      let success =
        overflow
        ? bernoulli(numerator, over: denominator) && bernoulliReciprocal(k)
        : uniform(below: scaled) < numerator
      if !success { break }
      k &+= 1
    }
    return k & 1 == 1
  }

  /// `true` with probability exactly exp(−numerator/denominator), for `numerator ≤
  /// denominator` (γ ∈ [0, 1]) and `denominator > 0`, in 128-bit arithmetic.
  mutating func bernoulliExp(_ numerator: Wide128, over denominator: Wide128) -> Bool {
    if denominator.high == 0 { return bernoulliExp(numerator.low, over: denominator.low) }
    guard !numerator.isZero else { return true }
    var k: UInt64 = 1
    while bernoulli(numerator, over: denominator) && (k == 1 || bernoulliReciprocal(k)) {
      k &+= 1
    }
    return k & 1 == 1
  }

  /// `true` with probability exactly exp(−numerator/denominator) for any γ ≥ 0
  /// (`denominator > 0`): ⌊γ⌋ trials of Bernoulli(exp(−1)), stopping at the first failure,
  /// then one Bernoulli(exp(−(γ − ⌊γ⌋))). The expected work is bounded whatever γ is.
  mutating func bernoulliExpUnbounded(_ numerator: UInt64, over denominator: UInt64) -> Bool {
    let (whole, fraction) = numerator.quotientAndRemainder(dividingBy: denominator)
    var remaining = whole
    while remaining > 0 {
      if !bernoulliExpMinusOne() { return false }
      remaining -= 1
    }
    return bernoulliExp(fraction, over: denominator)
  }
}

/// Runs `body` with a ``RandomBitSource`` that draws from `generator`, then wipes the source's
/// scratch words and bit cache.
///
/// The words come in batches of `wordCount`: through `fill(_:)` for a
/// `ChaChaRandomNumberGenerator` (one call per batch), and through `next()` otherwise. Words left
/// unused at the end are discarded, so the generator may have advanced further than the draws
/// needed; the stream stays deterministic for a deterministic generator.
func withRandomBitSource<Generator: RandomNumberGenerator, Result>(
  from generator: inout Generator, wordCount: Int, _ body: (inout RandomBitSource) -> Result
) -> Result {
  withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(1, wordCount)) { words in
    words.initialize(repeating: 0)
    let chacha = generator as? ChaChaRandomNumberGenerator
    let refill: (UnsafeMutableBufferPointer<UInt64>) -> Void = { words in
      if let chacha {
        chacha.fill(UnsafeMutableRawBufferPointer(words))
      } else {
        for index in words.indices { words[index] = generator.next() }
      }
    }
    return withoutActuallyEscaping(refill) { refill in
      var source = RandomBitSource(words: words, refill: refill)
      let result = body(&source)
      source.erase()
      return result
    }
  }
}
