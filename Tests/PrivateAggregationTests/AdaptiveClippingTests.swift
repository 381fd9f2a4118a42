import Foundation
import Testing

@testable import PrivateAggregation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator, so the simulation is
/// reproducible. Not for anything secret.
private struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform value in (0, 1].
  mutating func nextUnit() -> Double {
    Double((next() >> 11) + 1) * 0x1p-53
  }

  /// A standard normal value, by Box–Muller.
  mutating func nextNormal() -> Double {
    let radius = (-2 * log(nextUnit())).squareRoot()
    return radius * cos(2 * Double.pi * nextUnit())
  }

  /// An update norm: |N(0, 1)| · 5, a half-normal whose γ-quantile is 5·Φ⁻¹((1 + γ)/2).
  mutating func nextNorm() -> Double {
    abs(nextNormal()) * 5
  }
}

@Suite struct AdaptiveClippingTests {
  @Test(arguments: [(0.5, 50.0), (1.0, 1.0), (2.0, 1.5), (0.7, 10_000.0), (5.0, 2.6)])
  func updateNoiseMultiplierSplitsThePrivacyCost(z: Double, sigma: Double) throws {
    let update = try AdaptiveClipping.updateNoiseMultiplier(
      total: z, countStandardDeviation: sigma)
    #expect(update > z)
    let sum = 1 / (update * update) + 1 / (4 * sigma * sigma)
    let expected = 1 / (z * z)
    #expect(abs(sum - expected) <= 1e-12 * expected)
  }

  @Test func updateNoiseMultiplierNeedsTwiceSigmaAboveZ() {
    for (z, sigma) in [(1.0, 0.5), (1.0, 0.4), (2.0, 1.0), (1.0, 0.0), (1.0, -1.0)] {
      #expect(
        invalidParameterName {
          _ = try AdaptiveClipping.updateNoiseMultiplier(total: z, countStandardDeviation: sigma)
        } == "countStandardDeviation")
    }
    #expect(
      invalidParameterName {
        _ = try AdaptiveClipping.updateNoiseMultiplier(
          total: 1, countStandardDeviation: .infinity)
      } == "countStandardDeviation")
    for z in [0, -1, Double.nan, .infinity] {
      #expect(
        invalidParameterName {
          _ = try AdaptiveClipping.updateNoiseMultiplier(total: z, countStandardDeviation: 50)
        } == "total")
    }
  }

  @Test func unclippedBitIsOneAtOrBelowTheBound() {
    #expect(AdaptiveClipping.unclippedBit(norm: 0, bound: 1) == 1)
    #expect(AdaptiveClipping.unclippedBit(norm: 1, bound: 1) == 1)
    #expect(AdaptiveClipping.unclippedBit(norm: 1.000_001, bound: 1) == 0)
    #expect(AdaptiveClipping.unclippedBit(norm: .nan, bound: 1) == 0)
  }

  @Test func stepIsGeometric() throws {
    var clipping = try AdaptiveClipping(initialBound: 2, countStandardDeviation: 50)
    // b̄ = 800/1000 = 0.8 > γ = 0.5: the bound shrinks by exp(−0.2 · 0.3).
    let bound = try clipping.update(noisedUnclippedCount: 800, clients: 1000)
    #expect(abs(bound - 2 * exp(-0.2 * 0.3)) <= 1e-15 * bound)
    #expect(clipping.bound == bound)
    // b̄ = γ: no change.
    #expect(try clipping.update(noisedUnclippedCount: 500, clients: 1000) == bound)
    // b̄ < 0 from the noise is used as it is.
    let grown = try clipping.update(noisedUnclippedCount: -100, clients: 1000)
    #expect(abs(grown - bound * exp(0.2 * 0.6)) <= 1e-15 * grown)
  }

  /// The simulation the paper runs: n = 1000 clients a round, σ_b = n/20 = 50 on the count,
  /// η = 0.2, 300 rounds, from a bound far below and far above the target quantile.
  @Test(arguments: [(0.5, 0.1), (0.5, 100.0), (0.9, 0.1), (0.9, 100.0)])
  func boundConvergesToTheTargetQuantile(quantile: Double, initialBound: Double) throws {
    let clients = 1000
    let sigma = Double(clients) / 20
    var random = SplitMix64(state: 0x5EED ^ UInt64(quantile * 100) ^ UInt64(initialBound * 10))
    var clipping = try AdaptiveClipping(
      initialBound: initialBound, targetQuantile: quantile, learningRate: 0.2,
      countStandardDeviation: sigma)
    for _ in 0..<300 {
      var count = 0
      for _ in 0..<clients {
        count += AdaptiveClipping.unclippedBit(norm: random.nextNorm(), bound: clipping.bound)
      }
      try clipping.update(
        noisedUnclippedCount: Double(count) + sigma * random.nextNormal(), clients: clients)
    }
    let fresh = 100_000
    var unclipped = 0
    for _ in 0..<fresh {
      unclipped += AdaptiveClipping.unclippedBit(norm: random.nextNorm(), bound: clipping.bound)
    }
    let empirical = Double(unclipped) / Double(fresh)
    // Why ±0.05: near the target the quantile u = F(C) follows
    // u' − γ ≈ (1 − ηg)(u − γ) − ηg·ξ, with g the density of log-norms at C (about 0.43 at the
    // median of this half-normal and 0.34 at its 0.9-quantile) and ξ the noise on b̄: σ_b/n =
    // 0.05 from the count's noise and √(γ(1 − γ)/n) ≤ 0.016 from the sample of clients. Its
    // stationary standard deviation ηg·std(ξ)/√(1 − (1 − ηg)²) is about 0.01, so ±0.05 is 4 to 5
    // standard deviations (20 seeds of this simulation stay within 0.025); the fresh sample of
    // 100,000 adds only √(γ(1 − γ)/100,000) ≈ 0.0016. From C = 100 at γ = 0.9 the bound falls
    // at least η(1 − γ) = 0.02 in log a round, so it nears the target in about 150 of the 300.
    #expect(abs(empirical - quantile) <= 0.05, "bound \(clipping.bound), quantile \(empirical)")
  }

  @Test func boundIsClampedIntoMinimumAndMaximum() throws {
    var clipping = try AdaptiveClipping(
      initialBound: 1, learningRate: 1, countStandardDeviation: 50, minimumBound: 0.5,
      maximumBound: 2)
    // Every update unclipped, and then some: the step would take C to e^{−1.5}.
    #expect(try clipping.update(noisedUnclippedCount: 2000, clients: 1000) == 0.5)
    #expect(clipping.bound == 0.5)
    // No update unclipped, many rounds: C would grow without limit.
    for _ in 0..<10 {
      try clipping.update(noisedUnclippedCount: 0, clients: 1000)
    }
    #expect(clipping.bound == 2)
    // A huge finite count: exp underflows to 0, still clamped.
    #expect(try clipping.update(noisedUnclippedCount: 1e308, clients: 1) == 0.5)
    #expect(try clipping.update(noisedUnclippedCount: -1e308, clients: 1) == 2)
  }

  @Test func invalidUpdateLeavesTheBoundUnchanged() throws {
    var clipping = try AdaptiveClipping(initialBound: 3, countStandardDeviation: 50)
    let before = clipping
    #expect(
      invalidParameterName { try clipping.update(noisedUnclippedCount: 10, clients: 0) }
        == "clients")
    #expect(
      invalidParameterName { try clipping.update(noisedUnclippedCount: 10, clients: -5) }
        == "clients")
    for count in [Double.nan, .infinity, -.infinity] {
      #expect(
        invalidParameterName { try clipping.update(noisedUnclippedCount: count, clients: 10) }
          == "noisedUnclippedCount")
    }
    #expect(clipping == before)
  }

  @Test func invalidParametersNameTheParameter() {
    func name(
      initialBound: Double = 1, targetQuantile: Double = 0.5, learningRate: Double = 0.2,
      countStandardDeviation: Double = 50, minimumBound: Double = 1e-6,
      maximumBound: Double = 1e6
    ) -> String? {
      invalidParameterName {
        _ = try AdaptiveClipping(
          initialBound: initialBound, targetQuantile: targetQuantile, learningRate: learningRate,
          countStandardDeviation: countStandardDeviation, minimumBound: minimumBound,
          maximumBound: maximumBound)
      }
    }
    #expect(name() == nil)
    for quantile in [0, 1, -0.1, 1.5, Double.nan] {
      #expect(name(targetQuantile: quantile) == "targetQuantile")
    }
    for rate in [0, -0.2, Double.nan, .infinity] {
      #expect(name(learningRate: rate) == "learningRate")
    }
    for sigma in [0, -1, Double.nan, .infinity] {
      #expect(name(countStandardDeviation: sigma) == "countStandardDeviation")
    }
    for bound in [0, -1, Double.nan, .infinity, 2e6, 1e-7] {
      #expect(name(initialBound: bound) == "initialBound")
    }
    for minimum in [0, -1, Double.nan, .infinity] {
      #expect(name(minimumBound: minimum) == "minimumBound")
    }
    #expect(name(initialBound: 1, minimumBound: 2, maximumBound: 1) == "maximumBound")
    #expect(name(maximumBound: .infinity) == "maximumBound")
    #expect(name(initialBound: 1, minimumBound: 1, maximumBound: 1) == nil)
  }
}
