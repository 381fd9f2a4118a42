/// An exact sampler of the Poisson distribution, P(k) = e^(−λ) λ^k / k!, for a rational mean λ,
/// that stays exact and fast for large λ.
///
/// The textbook method (multiply uniforms until the product drops below e^(−λ)) underflows past
/// λ ≈ 745 and rounds at every step; inversion and the classical large-λ rejection methods
/// (Devroye 1981, Hörmann's PTRS) evaluate log-factorials in floating point. This sampler decides
/// everything with integers instead.
///
/// **Method.** With m = ⌊λ⌋, the pmf relative to the mode is a product of rationals that are
/// each at most 1: r(j) = p(m + j)/p(m) = ∏_{i=1..j} λ/(m + i) above the mode and
/// ∏_{l=0..J−1} (m − l)/λ at j = −J below it (λ = a/b, so every factor is a ratio of integers).
/// At construction the sampler tabulates, for the ~14σ + 17 values within W ≈ 7σ of the mode,
/// integer lower and upper bounds lo_j ≤ 2^s·r(j) ≤ hi_j, rounding each step exactly down and
/// up. A draw is rejection sampling (Devroye, *Non-Uniform Random Variate Generation*, 1986,
/// §II.3) from the envelope hi_j, continued beyond the table by blocks of w ≥ λ/W values whose
/// height halves from block to block (w such factors multiply to at most 1/2):
///
/// 1. Draw a uniform integer below the envelope's total weight and find its cell with a guide
///    table (Chen & Asau 1974; O(1) expected steps). The rest of that uniform is uniform below
///    the cell's weight hi_j.
/// 2. Accept when it is below lo_j: then it is certainly below 2^s·r(j). This decides all but
///    about 2^−33 of the draws (the envelope weight between the bounds) with one 64-bit uniform
///    and no arithmetic beyond a comparison (a "squeeze", Devroye §II.5).
/// 3. Otherwise decide exactly: form 2^s·r(j) as a fraction of arbitrary-precision integers and
///    compare it with the uniform extended by fresh random bits.
/// 4. Proposals in the tails (about 10⁻¹¹ of the envelope) are accepted by a product of
///    exact Bernoulli trials, one per block, each with a rational probability at most 1.
///
/// **Exactness.** The output distribution is exactly Poisson(λ) for the rational λ in ``mean``,
/// conditioned on each piece's value (below) staying under 2^41, which fails with probability
/// below 10^(−10^12). The tables only make the common case fast; they never decide a draw they
/// cannot decide exactly.
///
/// **Cost.** λ ≤ 2^20: one table of about 14√λ + 17 cells (≈ 295 KB at λ = 2^20, 215 KB at
/// 5 × 10^5), built in O(√λ) at construction (0.3 ms at 5 × 10^5); each draw then costs O(1) expected time, about one
/// 64-bit uniform and a table lookup, independent of λ. λ > 2^20 (up to 2^40): the sum of
/// q = ⌈λ/2^20⌉ independent draws of Poisson(λ/q) from one shared table — exact, since Poisson
/// variables add, and O(λ/2^20) per draw. Variable time.
public struct PoissonSampler: IntegerSampler, BitSourceSampler {
  /// The mean λ (also the variance).
  public let mean: Rational

  /// The largest supported mean: 2^40.
  public static let maximumMean: UInt64 = 1 << 40
  /// The largest supported denominator of the mean: 2^32.
  public static let maximumDenominator: UInt64 = 1 << 32
  /// The largest mean drawn from a single table; larger means are split into equal pieces.
  static let maximumPieceMean: UInt64 = 1 << 20

  /// The table for one piece, λ/q.
  let table: PoissonTable
  /// q: how many pieces each draw sums.
  let pieceCount: UInt64

  /// A sampler with mean `mean`.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` when the mean
  ///   is zero; ``DifferentialPrivacyError/parameterTooLarge(name:value:maximum:)`` above
  ///   ``maximumMean``; ``DifferentialPrivacyError/denominatorTooLarge(name:value:limit:)`` when
  ///   its denominator exceeds ``maximumDenominator``.
  public init(mean: Rational) throws(DifferentialPrivacyError) {
    try self.init(mean: mean, tableHalfWidth: nil)
  }

  /// A sampler whose table reaches `tableHalfWidth` values above the mode and that may skip the
  /// squeeze (tests narrow the table to exercise the tails, and turn the squeeze off to run every
  /// decision through the exact fallback).
  init(mean: Rational, tableHalfWidth: UInt64?, usesSqueeze: Bool = true)
    throws(DifferentialPrivacyError)
  {
    guard !mean.isZero else {
      throw .invalidParameter(name: "mean", value: "0", expected: "a positive rational")
    }
    guard mean <= Rational(Self.maximumMean) else {
      throw .parameterTooLarge(name: "mean", value: "\(mean)", maximum: "2^40")
    }
    guard mean.denominator <= Self.maximumDenominator else {
      throw .denominatorTooLarge(name: "mean", value: "\(mean)", limit: "a denominator ≤ 2^32")
    }
    // q = ⌈λ / 2^20⌉; b·2^20 ≤ 2^52 and b·q ≤ 2^52 cannot overflow.
    let pieceUnit = mean.denominator * Self.maximumPieceMean
    let (whole, remainder) = mean.numerator.quotientAndRemainder(dividingBy: pieceUnit)
    let pieceCount = max(1, whole + (remainder == 0 ? 0 : 1))
    let pieceDenominator = mean.denominator * pieceCount
    let divisor = greatestCommonDivisor(mean.numerator, pieceDenominator)
    self.mean = mean
    self.pieceCount = pieceCount
    table = PoissonTable(
      numerator: mean.numerator / divisor, denominator: pieceDenominator / divisor,
      halfWidth: tableHalfWidth, usesSqueeze: usesSqueeze)
  }

  /// One draw.
  public func sample(using generator: inout some RandomNumberGenerator) -> Int64 {
    drawOne(using: &generator)
  }

  /// Overwrites every element of `buffer` with an independent draw.
  public func fill(
    _ buffer: UnsafeMutableBufferPointer<Int64>, using generator: inout some RandomNumberGenerator
  ) {
    drawAll(into: buffer, using: &generator)
  }

  func draw(from source: inout RandomBitSource)
    -> Int64
  {
    // Each piece is below 2^41 and there are at most 2^20 pieces: the sum is below 2^61.
    var sum: UInt64 = 0
    var remaining = pieceCount
    while remaining > 0 {
      sum += table.draw(from: &source)
      remaining -= 1
    }
    return Int64(sum)
  }
}
