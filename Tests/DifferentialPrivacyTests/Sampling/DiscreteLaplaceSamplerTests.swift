import AggregationCrypto
import Testing

@testable import DifferentialPrivacy

@Suite struct DiscreteLaplaceSamplerTests {
  /// Integer and fractional scales (t = 5/2 and 1/3 take the ⌊X/s⌋ path), each with its seed.
  static let scales: [(numerator: UInt64, denominator: UInt64, seed: UInt64)] = [
    (1, 1, 201), (5, 2, 202), (1, 3, 203), (30, 1, 204),
  ]

  /// Chi-square goodness of fit against the exact pmf exp(−|x|/t)/Z (Z summed over
  /// |x| ≤ 40t + 20), pooled so every bin expects ≥ 5 of 40,000 draws, at p = 0.001; mean and
  /// variance within 5 standard errors.
  @Test(arguments: scales)
  func matchesTheExactDistribution(numerator: UInt64, denominator: UInt64, seed: UInt64) throws {
    let scale = try Rational(numerator: numerator, denominator: denominator)
    let sampler = try DiscreteLaplaceSampler(scale: scale)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    let samples = sampler.samples(count: 40_000, using: &generator)
    let bound = Int64(40 * scale.doubleValue) + 20
    let pmf = ReferencePMF.discreteLaplace(scale: scale.doubleValue)
    let fit = GoodnessOfFit(samples: samples, support: -bound...bound, weight: pmf)
    let critical = try #require(
      ChiSquareCriticalValues.at999[fit.degreesOfFreedom],
      "no critical value for df = \(fit.degreesOfFreedom) (X² = \(fit.statistic))")
    #expect(fit.statistic < critical, "X² = \(fit.statistic), df = \(fit.degreesOfFreedom)")
    let agreement = Moments(support: -bound...bound, weight: pmf).agree(with: samples)
    #expect(agreement.mean)
    #expect(agreement.variance)
  }

  @Test func rejectsInvalidScales() {
    #expect(throws: DifferentialPrivacyError.self) {
      try DiscreteLaplaceSampler(scale: Rational(0))
    }
    #expect {
      try DiscreteLaplaceSampler(scale: Rational(1 << 40 + 1))
    } throws: { error in
      if case .parameterTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
  }

  @Test func seededGeneratorsReproduceTheDraws() throws {
    let sampler = try DiscreteLaplaceSampler(scale: Rational(numerator: 7, denominator: 3))
    var first = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 9)
    var second = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 9)
    #expect(
      sampler.samples(count: 500, using: &first) == sampler.samples(count: 500, using: &second))
  }
}
