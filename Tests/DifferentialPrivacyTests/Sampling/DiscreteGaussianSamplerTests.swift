import AggregationCrypto
import Testing

@testable import DifferentialPrivacy

@Suite struct DiscreteGaussianSamplerTests {
  /// σ from the issue, each with its own fixed seed. σ² is a small dyadic fraction for each, so
  /// the sampler's variance is exactly σ².
  static let standardDeviations: [(sigma: Double, seed: UInt64)] = [
    (0.5, 101), (1, 102), (3, 103), (10, 104),
  ]

  /// Chi-square goodness of fit against the exact pmf exp(−x²/(2σ²))/Z (Z summed numerically
  /// over |x| ≤ 12σ + 10), pooled so every bin expects ≥ 5 of 40,000 draws, at p = 0.001.
  @Test(arguments: standardDeviations)
  func matchesTheExactDistribution(sigma: Double, seed: UInt64) throws {
    let sampler = try DiscreteGaussianSampler(standardDeviation: sigma)
    #expect(sampler.variance.doubleValue == sigma * sigma)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    let samples = sampler.samples(count: 40_000, using: &generator)
    try expectFit(samples, variance: sampler.variance.doubleValue)
  }

  /// Variances whose γ needs the 128-bit path (2·n·d·t² ≥ 2^64) and the arbitrary-precision
  /// path (|Y|·d·t ≥ 2^64 for every |Y| ≥ 2), against the same exact pmf.
  @Test(arguments: [
    (numerator: UInt64(3 << 30 + 1), denominator: UInt64(1 << 30), seed: UInt64(105)),
    (numerator: UInt64(3 << 61 + 1), denominator: UInt64(1 << 62), seed: UInt64(106)),
  ])
  func wideArithmeticPathsMatchTheExactDistribution(
    numerator: UInt64, denominator: UInt64, seed: UInt64
  ) throws {
    let variance = try Rational(numerator: numerator, denominator: denominator)
    let sampler = try DiscreteGaussianSampler(variance: variance)
    #expect(sampler.exponentDenominator.high > 0)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    let samples = sampler.samples(count: 20_000, using: &generator)
    try expectFit(samples, variance: variance.doubleValue)
  }

  private func expectFit(_ samples: [Int64], variance: Double) throws {
    let bound = Int64(12 * variance.squareRoot()) + 10
    let pmf = ReferencePMF.discreteGaussian(variance: variance)
    let fit = GoodnessOfFit(samples: samples, support: -bound...bound, weight: pmf)
    let critical = try #require(
      ChiSquareCriticalValues.at999[fit.degreesOfFreedom],
      "no critical value for df = \(fit.degreesOfFreedom) (X² = \(fit.statistic))")
    #expect(fit.statistic < critical, "X² = \(fit.statistic), df = \(fit.degreesOfFreedom)")
    let moments = Moments(support: -bound...bound, weight: pmf)
    let agreement = moments.agree(with: samples)
    #expect(agreement.mean)
    #expect(agreement.variance)
  }

  /// The largest variance, 2^40 (σ = 2^20): mean and variance within 5 standard errors of 0 and
  /// σ² (the discrete Gaussian's variance equals σ² to within e^(−2π²σ²) at this σ), with
  /// SE(variance) = σ²·√(2/N).
  @Test func largestVarianceWorks() throws {
    let sampler = try DiscreteGaussianSampler(
      variance: Rational(DiscreteGaussianSampler.maximumVariance))
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 107)
    let samples = sampler.samples(count: 5_000, using: &generator).map(Double.init)
    let count = Double(samples.count)
    let variance = 0x1p40
    let mean = samples.reduce(0, +) / count
    let sampleVariance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
    #expect(abs(mean) <= 5 * (variance / count).squareRoot())
    #expect(abs(sampleVariance - variance) <= 5 * variance * (2 / count).squareRoot())
  }

  @Test func rejectsInvalidVariances() throws {
    #expect(throws: DifferentialPrivacyError.self) {
      try DiscreteGaussianSampler(variance: Rational(0))
    }
    #expect {
      try DiscreteGaussianSampler(variance: Rational(numerator: 1 << 40 + 1))
    } throws: { error in
      if case .parameterTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
    // n = 2^63 + 1, d = 2^62: 2·n·d·(⌊σ⌋ + 1)² ≥ 2^128.
    #expect {
      try DiscreteGaussianSampler(
        variance: Rational(numerator: 1 << 63 + 1, denominator: 1 << 62))
    } throws: { error in
      if case .denominatorTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
    for sigma in [0, -1, .nan, .infinity, 1e-6] as [Double] {
      #expect(throws: DifferentialPrivacyError.self) {
        try DiscreteGaussianSampler(standardDeviation: sigma)
      }
    }
    #expect {
      try DiscreteGaussianSampler(standardDeviation: 0x1p21)
    } throws: { error in
      if case .parameterTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
  }

  /// The variance built from a Double σ is within 1/(N + 1) + σ²·2^−53 of σ².
  @Test func standardDeviationRoundsTheVarianceAsDocumented() throws {
    for sigma in [0.7, 1.234_567, 42.42, 999.9] {
      let sampler = try DiscreteGaussianSampler(standardDeviation: sigma)
      let error = abs(sampler.variance.doubleValue - sigma * sigma)
      #expect(error <= 1 / Double(Rational.defaultMaximumDenominator + 1) + sigma * sigma * 0x1p-52)
      #expect(sampler.variance.denominator <= Rational.defaultMaximumDenominator)
    }
  }

  @Test func seededGeneratorsReproduceTheDraws() throws {
    let sampler = try DiscreteGaussianSampler(standardDeviation: 3)
    var first = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 7)
    var second = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 7)
    var other = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 8)
    let draws = sampler.samples(count: 1_000, using: &first)
    #expect(draws == sampler.samples(count: 1_000, using: &second))
    #expect(draws != sampler.samples(count: 1_000, using: &other))
    let singles = (0..<100).map { _ in sampler.sample(using: &first) }
    #expect(singles == (0..<100).map { _ in sampler.sample(using: &second) })
  }

  /// A struct generator is written back after each call, so consecutive calls continue its
  /// stream instead of repeating it.
  @Test func structGeneratorsAdvance() throws {
    let sampler = try DiscreteGaussianSampler(standardDeviation: 10)
    var generator = SplitMix64(seed: 1)
    let first = sampler.samples(count: 64, using: &generator)
    let second = sampler.samples(count: 64, using: &generator)
    #expect(first != second)
    let single = (0..<64).map { _ in sampler.sample(using: &generator) }
    #expect(single != first && single != second)
  }
}

/// A small struct generator (Steele, Lea & Flood's SplitMix64) for testing value semantics.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
