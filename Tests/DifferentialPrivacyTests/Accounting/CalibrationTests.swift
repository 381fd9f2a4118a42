import DifferentialPrivacy
import Testing

@Suite struct CalibrationTests {
  @Test func reportGivesEpsilonWithAndWithoutAmplification() throws {
    let poisson = try PrivacyReport.gaussian(
      noiseMultiplier: 1, sampling: .poisson(rate: 0.01), rounds: 100, delta: 1e-5, accountant: .rdp
    )
    #expect(poisson.amplificationHolds)
    #expect(poisson.epsilonWithAmplification.epsilon < poisson.epsilonWithoutAmplification.epsilon)
    #expect(poisson.epsilon == poisson.epsilonWithAmplification)
    // dp-accounting 0.6.0: z = 1, q = 0.01, T = 100, δ = 1e-5 gives ε = 1.2141452944480204 at
    // order 8.8 (RDPAccountantTests.dpAccountingReference, printed by
    // References/dp_accounting_references.py). 1e-8 relative: the two differ by rounding only.
    #expect(abs(poisson.epsilon.epsilon - 1.2141452944480204) / 1.2141452944480204 < 1e-8)
    #expect(poisson.epsilon.order == 8.8)

    let chosen = try PrivacyReport.gaussian(
      noiseMultiplier: 1, sampling: .chosenByServer(fraction: 0.01), rounds: 100, delta: 1e-5,
      accountant: .rdp)
    #expect(!chosen.amplificationHolds)
    #expect(chosen.epsilon == chosen.epsilonWithoutAmplification)
    #expect(chosen.epsilonWithAmplification == poisson.epsilonWithAmplification)

    let replace = try PrivacyReport.gaussian(
      noiseMultiplier: 2, sampling: .poisson(rate: 0.01), rounds: 100, delta: 1e-5,
      relation: .replaceOne, accountant: .rdp)
    #expect(!replace.amplificationHolds)
    #expect(replace.epsilonWithoutAmplification == poisson.epsilonWithoutAmplification)
  }

  @Test func epsilonNeverFallsWithMoreRoundsOrAHigherRate() throws {
    var previous = 0.0
    for rounds in [1, 10, 100, 1000] {
      let epsilon = try PrivacyReport.gaussian(
        noiseMultiplier: 1.2, sampling: .poisson(rate: 0.05), rounds: rounds, delta: 1e-6,
        accountant: .rdp
      ).epsilon.epsilon
      #expect(epsilon >= previous)
      previous = epsilon
    }
    previous = 0
    for rate in [0.0, 0.001, 0.01, 0.1, 0.5, 1] {
      let epsilon = try PrivacyReport.gaussian(
        noiseMultiplier: 1.2, sampling: .poisson(rate: rate), rounds: 50, delta: 1e-6,
        accountant: .rdp
      ).epsilon.epsilon
      #expect(epsilon >= previous)
      previous = epsilon
    }
  }

  @Test(arguments: [(1.0, 100, 0.01), (4.0, 1000, 0.1), (0.5, 1, 1.0), (8.0, 10, 0.001)])
  func calibratedMultiplierIsTheSmallestThatMeetsTheTarget(
    target: Double, rounds: Int, rate: Double
  ) throws {
    let result = try Calibration.noiseMultiplier(
      targetEpsilon: target, delta: 1e-5, rounds: rounds, samplingRate: rate, accountant: .rdp)
    #expect(result.achieved.epsilon <= target)
    let smaller = try PrivacyReport.gaussian(
      noiseMultiplier: result.noiseMultiplier * (1 - 1e-3), sampling: .poisson(rate: rate),
      rounds: rounds, delta: 1e-5, accountant: .rdp)
    #expect(smaller.epsilon.epsilon > target)
  }

  @Test func calibrationIsMonotoneInRoundsAndRate() throws {
    let base = try Calibration.noiseMultiplier(
      targetEpsilon: 2, delta: 1e-5, rounds: 100, samplingRate: 0.01, accountant: .rdp)
    let moreRounds = try Calibration.noiseMultiplier(
      targetEpsilon: 2, delta: 1e-5, rounds: 200, samplingRate: 0.01, accountant: .rdp)
    let higherRate = try Calibration.noiseMultiplier(
      targetEpsilon: 2, delta: 1e-5, rounds: 100, samplingRate: 0.02, accountant: .rdp)
    #expect(moreRounds.noiseMultiplier >= base.noiseMultiplier)
    #expect(higherRate.noiseMultiplier >= base.noiseMultiplier)
  }

  @Test func unreachableTargetsSaySo() {
    #expect(throws: DifferentialPrivacyError.self) {
      try Calibration.noiseMultiplier(
        targetEpsilon: 1e-9, delta: 1e-10, rounds: 1000, samplingRate: 1, accountant: .rdp)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try Calibration.noiseMultiplier(
        targetEpsilon: 1, delta: 1e-5, rounds: 0, samplingRate: 1, accountant: .rdp)
    }
  }
}
