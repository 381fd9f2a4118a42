import AggregationCrypto
import Testing

@testable import DifferentialPrivacy

@Suite struct SkellamSamplerTests {
  /// μ, the Poisson table's half-width (nil: default), the sample size and the seed.
  static let cases: [(variance: UInt64, halfWidth: UInt64?, count: Int, seed: UInt64)] = [
    (10, nil, 40_000, 401),
    (10_000, nil, 40_000, 402),
    // λ = 5 × 10^5 per component: far beyond the product-of-uniforms method's λ ≈ 745. (Means
    // above 2^20, drawn as sums of pieces, are tested in PoissonSamplerTests.)
    (1_000_000, nil, 20_000, 403),
    // λ = 20.5 with a body of W = 2: the Poisson tails are hit often.
    (41, 2, 20_000, 405),
  ]

  /// Chi-square goodness of fit against the exact Skellam(μ/2, μ/2) pmf e^(−μ)I_|k|(μ)
  /// (Bessel values by Miller's recurrence, over |k| ≤ 12√μ + 10), pooled so every bin expects
  /// ≥ 5 draws, at p = 0.001; mean and variance within 5 standard errors.
  @Test(arguments: cases)
  func matchesTheExactDistribution(
    variance: UInt64, halfWidth: UInt64?, count: Int, seed: UInt64
  ) throws {
    let sampler = try SkellamSampler(variance: Rational(variance), tableHalfWidth: halfWidth)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    let samples = sampler.samples(count: count, using: &generator)
    let mu = Double(variance)
    let bound = Int64(12 * mu.squareRoot()) + 10
    let pmf = ReferencePMF.skellam(variance: mu)
    let fit = GoodnessOfFit(samples: samples, support: -bound...bound, weight: pmf)
    let critical = try #require(
      ChiSquareCriticalValues.at999[fit.degreesOfFreedom],
      "no critical value for df = \(fit.degreesOfFreedom) (X² = \(fit.statistic))")
    #expect(fit.statistic < critical, "X² = \(fit.statistic), df = \(fit.degreesOfFreedom)")
    let agreement = Moments(support: -bound...bound, weight: pmf).agree(with: samples)
    #expect(agreement.mean)
    #expect(agreement.variance)
  }

  @Test func halvesTheVarianceExactly() throws {
    #expect(try SkellamSampler(variance: Rational(10)).component.mean == Rational(5))
    let odd = try SkellamSampler(variance: Rational(numerator: 7, denominator: 3))
    #expect(odd.component.mean == (try Rational(numerator: 7, denominator: 6)))
  }

  @Test func rejectsInvalidVariances() {
    #expect(throws: DifferentialPrivacyError.self) { try SkellamSampler(variance: Rational(0)) }
    #expect {
      try SkellamSampler(variance: Rational(1 << 41 + 1))
    } throws: { error in
      if case .parameterTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
    #expect {
      try SkellamSampler(variance: Rational(numerator: 1, denominator: 1 << 31 + 1))
    } throws: { error in
      if case .denominatorTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
  }

  @Test func seededGeneratorsReproduceTheDraws() throws {
    let sampler = try SkellamSampler(variance: Rational(10_000))
    var first = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 13)
    var second = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 13)
    #expect(
      sampler.samples(count: 500, using: &first) == sampler.samples(count: 500, using: &second))
  }
}
