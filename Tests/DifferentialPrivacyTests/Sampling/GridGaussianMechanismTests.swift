import AggregationCrypto
import Foundation
import Testing

@testable import DifferentialPrivacy

@Suite struct GridGaussianMechanismTests {
  /// The default resolution: the smallest power of two with σ√d/2^k ≤ Δ/1000, within 2^6…2^20.
  @Test func defaultResolutionFollowsTheDimension() throws {
    // σ = 1, C = 1, d = 10^4: wanted 1000·100 = 10^5 → 2^17 = 131,072.
    let medium = try GridGaussianMechanism(standardDeviation: 1, clipBound: 1, dimension: 10_000)
    #expect(medium.stepsPerStandardDeviation == 1 << 17)
    #expect(medium.resolution == 0x1p-17)
    #expect(medium.resolution * 100 <= medium.l2Sensitivity / 1000)
    // d = 1, σ = 0.01, C = 1: wanted 10, below the floor of 64.
    let small = try GridGaussianMechanism(standardDeviation: 0.01, clipBound: 1, dimension: 1)
    #expect(small.stepsPerStandardDeviation == 64)
    // d = 10^6, σ = 30, C = 10: wanted 3·10^6, capped at 2^20; the extra sensitivity is stated.
    let capped = try GridGaussianMechanism(
      standardDeviation: 30, clipBound: 10, dimension: 1_000_000)
    #expect(
      capped.stepsPerStandardDeviation == GridGaussianMechanism.maximumStepsPerStandardDeviation)
    let expected = 10 + 30.0 / 0x1p20 * 1000 * (1 + 0x1p-12)
    #expect(abs(capped.gridSensitivity - expected) <= 1e-12 * expected)
    #expect(capped.gridSensitivity > 10.028)
  }

  /// The output is an integer number of grid steps whatever the input's low-order bits — the
  /// property Mironov's attack on floating-point noise exploits when it fails — and inputs that
  /// round to the same grid point give the same output distribution (here: the same draws).
  @Test func outputLiesOnTheGridWhateverTheInputBits() throws {
    let mechanism = try GridGaussianMechanism(
      standardDeviation: 1, clipBound: 1, dimension: 4, stepsPerStandardDeviation: 1 << 10)
    let step = mechanism.resolution
    let first = [0.0, 1.0, -3.25, 1e6]
    // Each element moved by much less than half a step: the same grid points.
    let second = first.map { $0 + step * 0.123_456_7 }
    var generatorA = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 301)
    var generatorB = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 301)
    var a = first
    var b = second
    try mechanism.addNoise(to: &a, using: &generatorA)
    try mechanism.addNoise(to: &b, using: &generatorB)
    #expect(a == b)
    for value in a {
      let steps = value / step
      #expect(steps == steps.rounded())
    }
    var generatorC = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 301)
    let points = try mechanism.noisedGridPoints(first, using: &generatorC)
    #expect(points.map { Double($0) * step } == a)
  }

  /// Noise on a zero sum: mean and variance of 200,000 grid-step draws within 5 standard errors of
  /// 0 and 4^k (the discrete Gaussian's variance is 4^k to within e^(−2π²·4^k)); SE(variance) =
  /// 4^k·√(2/N). Also, in the sum's units, the variance is σ².
  @Test func noiseHasTheCalibratedVariance() throws {
    let sigma = 2.5
    let mechanism = try GridGaussianMechanism(
      standardDeviation: sigma, clipBound: 1, dimension: 200_000, stepsPerStandardDeviation: 256)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 302)
    var sum = [Double](repeating: 0, count: mechanism.dimension)
    try mechanism.addNoise(to: &sum, using: &generator)
    let count = Double(sum.count)
    let mean = sum.reduce(0, +) / count
    let variance = sum.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
    #expect(abs(mean) <= 5 * sigma / count.squareRoot())
    #expect(abs(variance - sigma * sigma) <= 5 * sigma * sigma * (2 / count).squareRoot())
  }

  /// The grid points are the input rounded to the nearest step plus integer noise: with the noise
  /// subtracted (same seed, zero input), what remains is round(x/γ).
  @Test func roundsToTheNearestGridPoint() throws {
    let mechanism = try GridGaussianMechanism(
      standardDeviation: 1, clipBound: 1, dimension: 3, stepsPerStandardDeviation: 4)
    let input = [0.3, -0.37, 1.126]  // /0.25 = 1.2, -1.48, 4.504
    var generatorA = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 303)
    var generatorB = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 303)
    let noised = try mechanism.noisedGridPoints(input, using: &generatorA)
    let noise = try mechanism.noisedGridPoints([0, 0, 0], using: &generatorB)
    #expect(zip(noised, noise).map { $0 - $1 } == [1, -1, 5])
  }

  /// One release's privacy is the Gaussian's at σ/Δ_grid: the RDP is α·Δ_grid²/(2σ²), and without
  /// sampling the report's ε equals the Gaussian report's at the effective multiplier.
  @Test func accountsAsAGaussianAtTheGridSensitivity() throws {
    let mechanism = try GridGaussianMechanism(
      standardDeviation: 2, clipBound: 1, dimension: 1000)
    let ratio = mechanism.gridSensitivity / 2
    #expect(abs(try mechanism.rdp(order: 8) - 8 * ratio * ratio / 2) <= 1e-15)
    let report = try mechanism.report(sampling: .poisson(rate: 1), rounds: 10, delta: 1e-5)
    let gaussian = try PrivacyReport.gaussian(
      noiseMultiplier: mechanism.effectiveNoiseMultiplier, sampling: .poisson(rate: 1),
      rounds: 10, delta: 1e-5, accountant: .rdp)
    #expect(abs(report.epsilon.epsilon - gaussian.epsilon.epsilon) <= 1e-9)
    #expect(report.noiseMultiplier == 2)
    // The grid costs a little privacy, never none: ε is above the exact Gaussian at σ/C.
    let exact = try PrivacyReport.gaussian(
      noiseMultiplier: 2, sampling: .poisson(rate: 1), rounds: 10, delta: 1e-5, accountant: .rdp)
    #expect(report.epsilon.epsilon > exact.epsilon.epsilon)
    #expect(report.epsilon.epsilon < exact.epsilon.epsilon * 1.003)
    // With sampling: the general Poisson bound, never below the exact subsampled Gaussian's ε
    // at the effective multiplier (which is tight for the Gaussian), and not far above it.
    let sampled = try mechanism.report(sampling: .poisson(rate: 0.01), rounds: 1000, delta: 1e-5)
    let sampledGaussian = try PrivacyReport.gaussian(
      noiseMultiplier: mechanism.effectiveNoiseMultiplier, sampling: .poisson(rate: 0.01),
      rounds: 1000, delta: 1e-5, accountant: .rdp)
    #expect(sampled.amplificationHolds)
    #expect(sampled.epsilon.epsilon >= sampledGaussian.epsilon.epsilon * (1 - 1e-9))
    #expect(
      sampled.epsilon.epsilon <= sampledGaussian.epsilon.epsilon * 1.5,
      "\(sampled.epsilon.epsilon) vs \(sampledGaussian.epsilon.epsilon)")
    let chosen = try mechanism.report(
      sampling: .chosenByServer(fraction: 0.01), rounds: 1000, delta: 1e-5)
    #expect(!chosen.amplificationHolds)
    #expect(chosen.epsilon.epsilon > sampled.epsilon.epsilon)
  }

  /// Replace-one doubles Δ.
  @Test func replaceOneDoublesTheSensitivity() throws {
    let mechanism = try GridGaussianMechanism(
      standardDeviation: 2, clipBound: 3, dimension: 10, relation: .replaceOne)
    #expect(mechanism.l2Sensitivity == 6)
  }

  @Test func rejectsBadParametersAndInputs() throws {
    func parameterName(_ body: () throws -> Void) -> String? {
      do {
        try body()
        return nil
      } catch {
        if case .invalidParameter(let name, _, _) = error as? DifferentialPrivacyError {
          return name
        }
        return nil
      }
    }
    #expect(
      parameterName {
        _ = try GridGaussianMechanism(standardDeviation: 0, clipBound: 1, dimension: 1)
      }
        == "standardDeviation")
    #expect(
      parameterName {
        _ = try GridGaussianMechanism(standardDeviation: .nan, clipBound: 1, dimension: 1)
      }
        == "standardDeviation")
    #expect(
      parameterName {
        _ = try GridGaussianMechanism(standardDeviation: 1, clipBound: -1, dimension: 1)
      }
        == "clipBound")
    #expect(
      parameterName {
        _ = try GridGaussianMechanism(standardDeviation: 1, clipBound: 1, dimension: 0)
      }
        == "dimension")
    for steps in [0, 3, 1 << 21, -4] {
      #expect(
        parameterName {
          _ = try GridGaussianMechanism(
            standardDeviation: 1, clipBound: 1, dimension: 1, stepsPerStandardDeviation: steps)
        } == "stepsPerStandardDeviation")
    }
    let mechanism = try GridGaussianMechanism(
      standardDeviation: 1, clipBound: 1, dimension: 3, stepsPerStandardDeviation: 1 << 20)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 304)
    var sum = [1.0, .infinity, 2]
    #expect(throws: DifferentialPrivacyError.nonFiniteValue(index: 1)) {
      try mechanism.addNoise(to: &sum, using: &generator)
    }
    #expect(sum[0] == 1 && sum[2] == 2)  // unchanged on error
    var large = [0, 0, 0x1p21]  // 2^41 grid steps
    #expect(throws: DifferentialPrivacyError.valueOutOfRange(index: 2, maximumMagnitude: 0x1p20)) {
      try mechanism.addNoise(to: &large, using: &generator)
    }
    #expect(large == [0, 0, 0x1p21])
    var short = [1.0]
    #expect(throws: DifferentialPrivacyError.dimensionMismatch(expected: 3, actual: 1)) {
      try mechanism.addNoise(to: &short, using: &generator)
    }
  }
}
