import AggregationCrypto
import Foundation
import Testing

@testable import DifferentialPrivacy

@Suite struct ExponentialBernoulliSamplerTests {
  /// γ = numerator/denominator over [0, 1] (Algorithm 1 directly) and beyond (the integer part's
  /// Bernoulli(exp(−1)) trials), each with its seed.
  static let exponents: [(numerator: UInt64, denominator: UInt64, seed: UInt64)] = [
    (1, 10, 501), (1, 2, 502), (1, 1, 503), (3, 2, 504), (77, 13, 505),
  ]

  /// The success frequency of 40,000 trials is within 5 standard errors √(p(1−p)/N) of
  /// p = exp(−γ) (a two-sided normal test at about p = 6 × 10⁻⁷).
  @Test(arguments: exponents)
  func succeedsWithProbabilityExpMinusGamma(
    numerator: UInt64, denominator: UInt64, seed: UInt64
  ) throws {
    let sampler = ExponentialBernoulliSampler(
      exponent: try Rational(numerator: numerator, denominator: denominator))
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    let trials = 40_000
    let successes = (0..<trials).reduce(0) { count, _ in
      count + (sampler.sample(using: &generator) ? 1 : 0)
    }
    let p = exp(-Double(numerator) / Double(denominator))
    let frequency = Double(successes) / Double(trials)
    #expect(abs(frequency - p) <= 5 * (p * (1 - p) / Double(trials)).squareRoot())
  }

  /// The 128-bit form of Algorithm 1 (denominators above 2^64), as the discrete Gaussian uses it:
  /// γ = (2^64 + 1)/(2^65 + 3) ≈ 1/2.
  @Test func wideExponentsSucceedWithProbabilityExpMinusGamma() {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 506)
    let numerator = Wide128(high: 1, low: 1)
    let denominator = Wide128(high: 2, low: 3)
    let trials = 40_000
    let successes = withRandomBitSource(from: &generator, wordCount: 64) { source in
      (0..<trials).reduce(0) { count, _ in
        count + (source.bernoulliExp(numerator, over: denominator) ? 1 : 0)
      }
    }
    let p = exp(-(0x1p64 + 1) / (0x1p65 + 3))
    let frequency = Double(successes) / Double(trials)
    #expect(abs(frequency - p) <= 5 * (p * (1 - p) / Double(trials)).squareRoot())
  }

  @Test func zeroAlwaysAndHugeExponentsAlmostNeverSucceed() throws {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 507)
    let always = ExponentialBernoulliSampler(exponent: Rational(0))
    #expect((0..<1_000).allSatisfy { _ in always.sample(using: &generator) })
    // exp(−10^18): the integer part stops at its first failed Bernoulli(exp(−1)).
    let never = ExponentialBernoulliSampler(exponent: Rational(1_000_000_000_000_000_000))
    #expect((0..<1_000).allSatisfy { _ in !never.sample(using: &generator) })
  }
}
