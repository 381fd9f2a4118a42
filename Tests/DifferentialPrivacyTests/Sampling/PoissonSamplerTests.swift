import AggregationCrypto
import Testing

@testable import DifferentialPrivacy

@Suite struct PoissonSamplerTests {
  /// One Poisson test case: λ = numerator/denominator, the table's half-width (nil: the
  /// default ≈ 7σ), whether the squeeze may decide, the sample size and the seed.
  struct Case: Sendable, CustomTestStringConvertible {
    var numerator: UInt64
    var denominator: UInt64 = 1
    var halfWidth: UInt64?
    var usesSqueeze = true
    var count = 40_000
    var seed: UInt64

    var testDescription: String {
      "λ = \(numerator)/\(denominator), W = \(halfWidth.map(String.init) ?? "default"), "
        + (usesSqueeze ? "squeeze" : "exact path only")
    }
  }

  static let cases: [Case] = [
    // The fast path, from small λ to λ = 10^5 + 1/3 (far beyond the textbook method's ≈ 745).
    Case(numerator: 3, denominator: 2, seed: 301),
    Case(numerator: 20, seed: 302),
    Case(numerator: 300_001, denominator: 3, seed: 303),
    // A body of W = 3 around the mode: both tails (blocks, Bernoulli products) are hit often.
    Case(numerator: 3, denominator: 2, halfWidth: 3, count: 20_000, seed: 304),
    Case(numerator: 20, halfWidth: 3, count: 20_000, seed: 305),
    // No squeeze: every body decision takes the exact arbitrary-precision path.
    Case(numerator: 3, denominator: 2, usesSqueeze: false, count: 10_000, seed: 306),
    Case(numerator: 20, usesSqueeze: false, count: 10_000, seed: 307),
    // λ = 3·2^20 + 1/2 > 2^20: the sum of 4 pieces of λ/4 from one table.
    Case(numerator: 3 << 21 + 1, denominator: 2, count: 20_000, seed: 308),
  ]

  /// Chi-square goodness of fit against the exact pmf e^(−λ)λ^k/k! (through log-gamma, over
  /// λ ± (12σ + 10)), pooled so every bin expects ≥ 5 draws, at p = 0.001; mean and variance
  /// within 5 standard errors.
  @Test(arguments: cases)
  func matchesTheExactDistribution(_ testCase: Case) throws {
    let mean = try Rational(numerator: testCase.numerator, denominator: testCase.denominator)
    let sampler = try PoissonSampler(
      mean: mean, tableHalfWidth: testCase.halfWidth, usesSqueeze: testCase.usesSqueeze)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: testCase.seed)
    let samples = sampler.samples(count: testCase.count, using: &generator)
    let lambda = mean.doubleValue
    let reach = 12 * lambda.squareRoot() + 10
    let support = max(0, Int64(lambda - reach))...Int64(lambda + reach)
    let pmf = ReferencePMF.poisson(mean: lambda)
    let fit = GoodnessOfFit(samples: samples, support: support, weight: pmf)
    let critical = try #require(
      ChiSquareCriticalValues.at999[fit.degreesOfFreedom],
      "no critical value for df = \(fit.degreesOfFreedom) (X² = \(fit.statistic))")
    #expect(fit.statistic < critical, "X² = \(fit.statistic), df = \(fit.degreesOfFreedom)")
    let agreement = Moments(support: support, weight: pmf).agree(with: samples)
    #expect(agreement.mean)
    #expect(agreement.variance)
  }

  /// The table's bounds are sound: lo_j ≤ 2^s·r(j) ≤ hi_j for every body cell, checked in exact
  /// arithmetic, and the first block of each tail has 2·(product of its w factors) ≤ 1. The
  /// squeeze leaves at most 2^−33 of the envelope to the exact path, as documented.
  @Test(arguments: [(UInt64(3), UInt64(2)), (20, 1), (12_345, 7), (1, 1 << 30)])
  func tableBoundsAreSound(numerator: UInt64, denominator: UInt64) throws {
    let table = PoissonTable(numerator: numerator, denominator: denominator)
    var undecided: UInt64 = 0
    for cell in 0..<table.bodyCount {
      let (value, scale) = table.scaledRatio(cell: cell)
      let weight = table.cumulative[cell] - (cell == 0 ? 0 : table.cumulative[cell - 1])
      var lower = scale
      lower.multiply(by: table.lowerBounds[cell])
      var upper = scale
      upper.multiply(by: weight)
      #expect(!(value < lower) && !(upper < value), "cell \(cell)")
      undecided += weight - table.lowerBounds[cell]
    }
    #expect(Double(undecided) / Double(table.totalWeight) <= 0x1p-33)
    for upper in [true, false] where upper || table.mode > table.halfWidth {
      var (value, scale) = table.tailFactors(
        upper: upper, from: 0, count: table.tailBlockWidth)
      value.shiftLeft(by: 1)
      #expect(!(scale < value))
    }
  }

  @Test func rejectsInvalidMeans() throws {
    #expect(throws: DifferentialPrivacyError.self) { try PoissonSampler(mean: Rational(0)) }
    #expect {
      try PoissonSampler(mean: Rational(1 << 40 + 1))
    } throws: { error in
      if case .parameterTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
    #expect {
      try PoissonSampler(mean: Rational(numerator: 1, denominator: 1 << 32 + 1))
    } throws: { error in
      if case .denominatorTooLarge = error as? DifferentialPrivacyError { return true }
      return false
    }
  }

  @Test func seededGeneratorsReproduceTheDraws() throws {
    let sampler = try PoissonSampler(mean: Rational(1_000))
    var first = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 11)
    var second = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 11)
    #expect(
      sampler.samples(count: 500, using: &first) == sampler.samples(count: 500, using: &second))
  }
}
