import DifferentialPrivacy
import Foundation
import Testing

@Suite("Privacy loss distributions")
struct PrivacyLossDistributionTests {
  /// T Gaussian rounds of noise σ are one Gaussian of noise σ/√T; its exact ε comes from the
  /// analytic Gaussian curve of Balle & Wang 2018 (an independent closed form).
  @Test(
    "Gaussian: pessimistic ≥ exact ≥ optimistic, and close",
    arguments: [(0.5, 1), (1.0, 1), (2.0, 10), (5.0, 100), (20.0, 1000)])
  func gaussianBracketsTheExactValue(sigma: Double, rounds: Int) throws {
    let delta = 1e-5
    let exact = try AnalyticGaussian.epsilon(
      standardDeviation: sigma / Double(rounds).squareRoot(), sensitivity: 1, delta: delta)
    let upper = try PrivacyLossDistribution.gaussian(standardDeviation: sigma)
      .composed(count: rounds).epsilon(delta: delta)
    let lower = try PrivacyLossDistribution.gaussian(
      standardDeviation: sigma, estimate: .optimistic
    ).composed(count: rounds).epsilon(delta: delta)
    print("σ \(sigma) T \(rounds): \(lower) ≤ \(exact) ≤ \(upper)")
    #expect(upper >= exact)
    #expect(lower <= exact)
    #expect(upper <= exact * 1.01 + 1e-3)
  }
}
