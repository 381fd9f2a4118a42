import DifferentialPrivacy
import Foundation
import Testing

@Suite struct PoissonSubsamplingTests {
  private static func gaussianCurve(_ order: Double) throws(DifferentialPrivacyError) -> Double {
    try RDP.gaussian(noiseMultiplier: 1.5, order: order)
  }

  @Test func orderTwoIsExactForTheGaussian() throws {
    // At α = 2 the bound is log(1 − q² + q² e^{ε(2)}), the subsampled Gaussian's exact value.
    let generic = try RDP.poissonSubsampled(
      samplingRate: 0.05, orders: [2], curve: Self.gaussianCurve)
    let exact = try RDP.poissonSubsampledGaussian(
      samplingRate: 0.05, noiseMultiplier: 1.5, order: 2)
    #expect(abs(generic[0] - exact) <= 1e-12)
  }

  @Test func boundsTheExactSubsampledGaussianFromAbove() throws {
    let orders = RDP.defaultOrders
    let generic = try RDP.poissonSubsampled(
      samplingRate: 0.01, orders: orders, curve: Self.gaussianCurve)
    for (order, value) in zip(orders, generic) where order.rounded() == order {
      let exact = try RDP.poissonSubsampledGaussian(
        samplingRate: 0.01, noiseMultiplier: 1.5, order: order)
      #expect(value >= exact * (1 - 1e-9), "order \(order)")
      #expect(value <= (try Self.gaussianCurve(order)))
    }
  }

  @Test func extremesOfTheRate() throws {
    let orders = [2.0, 2.5, 10]
    #expect(
      try RDP.poissonSubsampled(samplingRate: 0, orders: orders, curve: Self.gaussianCurve)
        == [0, 0, 0])
    // At q = 1 nothing is sampled: the curve itself, fractional orders included.
    let full = try RDP.poissonSubsampled(samplingRate: 1, orders: orders, curve: Self.gaussianCurve)
    #expect(
      full == [try Self.gaussianCurve(2), try Self.gaussianCurve(2.5), try Self.gaussianCurve(10)])
    // Just below 1 the bound applies, at ⌈α⌉ for a fractional order.
    let almost = try RDP.poissonSubsampled(
      samplingRate: 1 - 1e-12, orders: orders, curve: Self.gaussianCurve)
    #expect(abs(almost[1] - (try Self.gaussianCurve(3))) <= 1e-6)
  }

  @Test func distributedReportsAmplifyOnlyPoissonCohorts() throws {
    let bounds = try RoundedSensitivity(clipBound: 1, scale: 64, dimension: 1000, beta: exp(-0.5))
    let mechanism = try DistributedDiscreteGaussian(
      clients: 100, localStandardDeviation: 10, l1Sensitivity: bounds.l1,
      l2Sensitivity: bounds.l2, dimension: bounds.paddedDimension)
    let z = try mechanism.noiseMultiplier(clipBound: 1, scale: 64)
    #expect(abs(z - 100.0 / 64) <= 1e-12)
    func report(_ sampling: CohortSampling) throws -> PrivacyReport {
      try PrivacyReport.mechanism(
        accountant: "RDP (distributed discrete Gaussian)", noiseMultiplier: z,
        sampling: sampling, rounds: 100, delta: 1e-5
      ) { (order) throws(DifferentialPrivacyError) in
        try mechanism.rdp(order: order)
      }
    }
    let poisson = try report(.poisson(rate: 0.1))
    #expect(poisson.amplificationHolds)
    #expect(poisson.epsilonWithAmplification.epsilon < poisson.epsilonWithoutAmplification.epsilon)
    let chosen = try report(.chosenByServer(fraction: 0.1))
    #expect(!chosen.amplificationHolds)
    #expect(chosen.epsilon == poisson.epsilonWithoutAmplification)
    // The discrete mechanism never beats the Gaussian of the same total noise and sensitivity.
    let gaussian = try PrivacyReport.gaussian(
      noiseMultiplier: mechanism.centralStandardDeviation / bounds.l2,
      sampling: .chosenByServer(fraction: 0.1), rounds: 100, delta: 1e-5, accountant: .rdp)
    #expect(chosen.epsilon.epsilon >= gaussian.epsilon.epsilon)
  }
}
