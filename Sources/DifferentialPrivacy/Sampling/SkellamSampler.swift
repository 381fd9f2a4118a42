/// An exact sampler of the symmetric Skellam distribution Sk(μ/2, μ/2) — the difference of two
/// independent Poisson(μ/2) variables — with variance μ.
///
/// Agarwal, Kairouz & Liu, "The Skellam Mechanism for Differentially Private Federated Learning"
/// (NeurIPS 2021), add Skellam noise on the clients before secure aggregation: a sum of
/// independent Skellam variables is again Skellam, so n clients adding Sk(μ/2, μ/2) each give the
/// sum Sk(nμ/2, nμ/2). This sampler draws each of the two Poisson variables exactly with
/// ``PoissonSampler`` (integer arithmetic only, exact for large means), so the difference is
/// exactly Skellam.
///
/// **Exactness.** Exact for the rational μ in ``variance``, with the same negligible cut-off as
/// ``PoissonSampler``. **Cost.** Two Poisson draws: O(1) expected time each for μ ≤ 2^21, after
/// an O(√μ) table built at construction; O(μ/2^21) for larger μ.
public struct SkellamSampler: IntegerSampler, BitSourceSampler {
  /// The variance μ; each Poisson component has mean μ/2.
  public let variance: Rational

  /// The largest supported variance: 2^41 (a Poisson mean of 2^40).
  public static let maximumVariance: UInt64 = 1 << 41

  /// The sampler of each Poisson(μ/2) component.
  let component: PoissonSampler

  /// A sampler with variance `variance` = μ.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` when μ is
  ///   zero; ``DifferentialPrivacyError/parameterTooLarge(name:value:maximum:)`` above
  ///   ``maximumVariance``; ``DifferentialPrivacyError/denominatorTooLarge(name:value:limit:)``
  ///   when the denominator of μ/2 exceeds 2^32.
  public init(variance: Rational) throws(DifferentialPrivacyError) {
    try self.init(variance: variance, tableHalfWidth: nil)
  }

  /// A sampler whose Poisson table reaches `tableHalfWidth` values above the mode (for tests).
  init(variance: Rational, tableHalfWidth: UInt64?) throws(DifferentialPrivacyError) {
    guard !variance.isZero else {
      throw .invalidParameter(name: "variance", value: "0", expected: "a positive rational")
    }
    guard variance <= Rational(Self.maximumVariance) else {
      throw .parameterTooLarge(name: "variance", value: "\(variance)", maximum: "2^41")
    }
    let half: Rational
    if variance.numerator % 2 == 0 {
      half = try Rational(numerator: variance.numerator / 2, denominator: variance.denominator)
    } else {
      guard variance.denominator <= PoissonSampler.maximumDenominator / 2 else {
        throw .denominatorTooLarge(
          name: "variance", value: "\(variance)", limit: "μ/2 with a denominator ≤ 2^32")
      }
      half = try Rational(numerator: variance.numerator, denominator: 2 * variance.denominator)
    }
    self.variance = variance
    component = try PoissonSampler(mean: half, tableHalfWidth: tableHalfWidth)
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
    component.draw(from: &source) - component.draw(from: &source)
  }
}
