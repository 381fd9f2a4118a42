import DifferentialPrivacy
import Foundation
import Testing

/// Calibration with the PLD accountant stays tight: the multiplier it returns meets the target,
/// and 0.99 of it does not; and PLD needs less noise than RDP for the same target.
@Suite("PLD calibration")
struct PLDCalibrationTests {
  @Test(
    "Gaussian: tight at 0.99×, and below RDP's multiplier",
    arguments: [(2.0, 1, 1.0), (1.0, 100, 0.01), (4.0, 40, 0.25)])
  func gaussianIsTight(target: Double, rounds: Int, rate: Double) throws {
    let result = try Calibration.noiseMultiplier(
      targetEpsilon: target, delta: 1e-5, rounds: rounds, samplingRate: rate)
    #expect(result.achieved.epsilon <= target)
    #expect(result.achieved.order == nil)
    let smaller = try PrivacyReport.gaussian(
      noiseMultiplier: 0.99 * result.noiseMultiplier, sampling: .poisson(rate: rate),
      rounds: rounds, delta: 1e-5)
    #expect(smaller.epsilon.epsilon > target)
    let rdp = try Calibration.noiseMultiplier(
      targetEpsilon: target, delta: 1e-5, rounds: rounds, samplingRate: rate, accountant: .rdp)
    #expect(result.noiseMultiplier < rdp.noiseMultiplier)
  }

  @Test(
    "Distributed: tight at 0.99×, below RDP, with a lower bound",
    arguments: DistributedMechanism.allCases)
  func distributedIsTight(mechanism: DistributedMechanism) throws {
    let result = try Calibration.distributed(
      mechanism: mechanism, targetEpsilon: 2, delta: 1e-5, rounds: 1,
      sampling: .poisson(rate: 1), clients: 1000, dimension: 250, bits: 16, clipBound: 10)
    let epsilon = result.report.epsilon.epsilon
    #expect(epsilon <= 2)
    let lower = try #require(result.report.epsilonLowerBound)
    #expect(lower <= epsilon)
    #expect(epsilon - lower < 1e-3)
    let smaller = try #require(
      try Calibration.distributedAccounting(
        mechanism: mechanism, noiseMultiplier: 0.99 * result.noiseMultiplier, delta: 1e-5,
        rounds: 1, sampling: .poisson(rate: 1), clients: 1000, dimension: 250, bits: 16,
        clipBound: 10))
    #expect(smaller.report.epsilon.epsilon > 2)
    let rdp = try Calibration.distributed(
      mechanism: mechanism, targetEpsilon: 2, delta: 1e-5, rounds: 1,
      sampling: .poisson(rate: 1), clients: 1000, dimension: 250, bits: 16, clipBound: 10,
      accountant: .rdp)
    // The reference point: RDP needs about 1.17× the noise here (1.36× the MSE).
    #expect(result.noiseMultiplier < 0.95 * rdp.noiseMultiplier)
  }
}
