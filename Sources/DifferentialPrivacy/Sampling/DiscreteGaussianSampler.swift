/// An exact sampler of the discrete Gaussian N_Z(0, σ²) on the integers,
/// P(x) ∝ exp(−x²/(2σ²)), for a rational variance σ².
///
/// Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
/// Algorithm 3: with t = ⌊σ⌋ + 1, draw Y from the discrete Laplace distribution with scale t
/// (Algorithm 2, see ``DiscreteLaplaceSampler``) and accept it with probability
/// exp(−(|Y| − σ²/t)² / (2σ²)), by Algorithm 1 (see ``ExponentialBernoulliSampler``). With
/// σ² = n/d in lowest terms the exponent is the rational
///
///     γ = (|Y|·d·t − n)² / (2·n·d·t²),
///
/// which is formed and split into ⌊γ⌋ trials of Bernoulli(exp(−1)) and one Bernoulli(exp(−frac))
/// in integer arithmetic: 64-bit when the operands are small, 128-bit otherwise, and arbitrary
/// precision for a proposal so far out (|Y|·d·t ≥ 2^64) that γ needs more than 128 bits. No
/// floating point takes part in any decision.
///
/// **Exactness.** The output distribution is exactly N_Z(0, σ²) for the rational σ² held in
/// ``variance``, conditioned on the value fitting in `Int64` (a Laplace proposal above 2^63 is
/// redrawn: that needs about 2^42 successive Bernoulli(exp(−1)) successes for σ² ≤ 2^40,
/// probability below e^(−2^42)). Building the sampler from a
/// `Double` σ with ``init(standardDeviation:maximumDenominator:)`` rounds σ² to a nearby
/// rational first; that rounding, not the sampler, is the only inexact step, and its size is
/// stated there.
///
/// **Cost.** 1.3–1.9 Laplace proposals per value (1.85 at σ = 1, 1.33 from σ = 10 on; computed
/// from the acceptance probability), and about 55–235 random bits per value (measured: 53 at
/// σ = 1, 135 at σ = 10, 234 at σ = 1000); no allocation on the 64- and 128-bit paths.
/// Variable time: the running time depends on the value drawn. ``fill(_:using:)`` is the fast
/// path for many values.
///
/// ```swift
/// let sampler = try DiscreteGaussianSampler(variance: Rational(100))
/// var generator = ChaChaRandomNumberGenerator()  // securely seeded
/// var noise = [Int64](repeating: 0, count: 100_000)
/// noise.withUnsafeMutableBufferPointer { sampler.fill($0, using: &generator) }
/// ```
public struct DiscreteGaussianSampler: IntegerSampler, BitSourceSampler {
  /// The variance σ² of the distribution (its exact variance is slightly below σ²).
  public let variance: Rational

  /// The largest supported variance: 2^40 (σ = 2^20).
  public static let maximumVariance: UInt64 = 1 << 40

  /// t = ⌊σ⌋ + 1, the scale of the Laplace proposal.
  let laplaceScale: UInt64
  /// d·t.
  let scaledDenominator: UInt64
  /// 2·n·d·t², the denominator of γ.
  let exponentDenominator: Wide128

  /// A sampler with variance `variance` = n/d.
  ///
  /// Any σ² ≤ 2^40 with denominator d ≤ 2^20 is supported. Larger denominators are accepted as
  /// long as 2·n·d·(⌊σ⌋ + 1)² < 2^128, so that γ's denominator fits in 128 bits.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` when the
  ///   variance is zero; ``DifferentialPrivacyError/parameterTooLarge(name:value:maximum:)``
  ///   above ``maximumVariance``; ``DifferentialPrivacyError/denominatorTooLarge(name:value:limit:)``
  ///   when 2·n·d·(⌊σ⌋ + 1)² ≥ 2^128.
  public init(variance: Rational) throws(DifferentialPrivacyError) {
    guard !variance.isZero else {
      throw .invalidParameter(name: "variance", value: "0", expected: "a positive rational")
    }
    guard variance <= Rational(Self.maximumVariance) else {
      throw .parameterTooLarge(name: "variance", value: "\(variance)", maximum: "2^40")
    }
    let n = variance.numerator
    let d = variance.denominator
    // ⌊σ⌋ = ⌊√⌊n/d⌋⌋ exactly, and ⌊σ⌋ ≤ 2^20.
    let t = integerSquareRoot(n / d) + 1
    let (dt, overflow) = d.multipliedReportingOverflow(by: t)
    var denominator = BigUInt(n)
    denominator.multiply(byEach: [d, t, t, 2])
    guard !overflow, let exponentDenominator = denominator.wide128 else {
      throw .denominatorTooLarge(
        name: "variance", value: "\(variance)", limit: "2·n·d·(⌊σ⌋ + 1)² < 2^128")
    }
    self.variance = variance
    laplaceScale = t
    scaledDenominator = dt
    self.exponentDenominator = exponentDenominator
  }

  /// A sampler whose variance is the rational closest to `standardDeviation`² with denominator
  /// at most `maximumDenominator`.
  ///
  /// σ² is computed in `Double` (relative error at most 2^−53) and then replaced by the best
  /// rational approximation with denominator at most `maximumDenominator`
  /// (``Rational/init(approximating:maximumDenominator:)``): the variance the sampler uses
  /// (``variance``) differs from σ² by at most σ²·2^−53 + 1/(`maximumDenominator` + 1), below
  /// 10⁻⁶ + σ²·1.2 × 10⁻¹⁶ with the default 2^20, and equals σ² exactly when σ² is a fraction with
  /// such a denominator (σ = 0.5, 1, 1.5, 3, 10, …). The sampler then draws exactly from
  /// N_Z(0, ``variance``).
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` when σ is not
  ///   finite and positive or σ² rounds to zero, and the errors of ``init(variance:)``.
  public init(
    standardDeviation: Double,
    maximumDenominator: UInt64 = Rational.defaultMaximumDenominator
  ) throws(DifferentialPrivacyError) {
    guard standardDeviation.isFinite, standardDeviation > 0 else {
      throw .invalidParameter(
        name: "standardDeviation", value: "\(standardDeviation)",
        expected: "a finite positive number")
    }
    let square = standardDeviation * standardDeviation
    guard square <= Double(Self.maximumVariance) else {
      throw .parameterTooLarge(
        name: "variance", value: "\(square)", maximum: "2^40 (σ = 2^20)")
    }
    let variance = try Rational(approximating: square, maximumDenominator: maximumDenominator)
    guard !variance.isZero else {
      throw .invalidParameter(
        name: "standardDeviation", value: "\(standardDeviation)",
        expected: "σ² ≥ 1/(2·maximumDenominator) so that it does not round to zero")
    }
    try self.init(variance: variance)
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
    while true {
      let y = source.discreteLaplace(numerator: laplaceScale, denominator: 1)
      if accepts(y.magnitude, using: &source) { return y }
    }
  }

  /// Bernoulli(exp(−γ)) with γ = (c·d·t − n)² / (2·n·d·t²) for the proposal's magnitude c.
  func accepts(
    _ magnitude: UInt64, using source: inout RandomBitSource
  ) -> Bool {
    let offset = Wide128.product(magnitude, scaledDenominator)
      .distance(to: Wide128(variance.numerator))
    let denominator = exponentDenominator
    guard offset.high == 0 else {
      return acceptsWithArbitraryPrecision(offset, using: &source)
    }
    var numerator = Wide128.product(offset.low, offset.low)
    if numerator.high == 0 && denominator.high == 0 {
      // 64-bit fast path: γ = q + r/B (usually γ < 1, without a division).
      if numerator.low < denominator.low {
        return source.bernoulliExp(numerator.low, over: denominator.low)
      }
      let (whole, remainder) = numerator.low.quotientAndRemainder(dividingBy: denominator.low)
      var remaining = whole
      while remaining > 0 {
        if !source.bernoulliExpMinusOne() { return false }
        remaining -= 1
      }
      return source.bernoulliExp(remainder, over: denominator.low)
    }
    // 128-bit path: subtract B once per Bernoulli(exp(−1)) success (fewer than 1.6 on average).
    while numerator >= denominator {
      if !source.bernoulliExpMinusOne() { return false }
      numerator = numerator.subtracting(denominator)
    }
    return source.bernoulliExp(numerator, over: denominator)
  }

  /// The acceptance test when (c·d·t − n)² needs more than 128 bits.
  private func acceptsWithArbitraryPrecision(
    _ offset: Wide128, using source: inout RandomBitSource
  ) -> Bool {
    let offsetValue = BigUInt(offset)
    var numerator = offsetValue * offsetValue
    let denominator = BigUInt(exponentDenominator)
    while numerator >= denominator {
      if !source.bernoulliExpMinusOne() { return false }
      numerator.subtract(denominator)
    }
    // Now numerator < denominator < 2^128.
    guard let remainder = numerator.wide128 else { return false }
    return source.bernoulliExp(remainder, over: exponentDenominator)
  }
}
