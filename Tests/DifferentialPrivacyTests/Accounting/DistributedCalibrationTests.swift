import DifferentialPrivacy
import Testing

@Suite struct DistributedCalibrationTests {
  @Test func scaleFillsTheModulusWithHeadroom() throws {
    // n = 100, d = 1024, C = 1, z = 1, b = 20, k = 4:
    // s = √(2^40 − 1600) / (8 √(10⁴/1024 + 1)).
    let scale = try Calibration.scale(
      noiseMultiplier: 1, clipBound: 1, clients: 100, dimension: 1024, bits: 20,
      standardDeviations: 4)
    let expected =
      (1_099_511_627_776.0 - 1600).squareRoot() / (8 * (10_000.0 / 1024 + 1).squareRoot())
    #expect(abs(scale - expected) / expected < 1e-12)
  }

  @Test func tooFewBitsSaySo() {
    #expect(
      throws: DifferentialPrivacyError.bitWidthTooSmall(
        bits: 4, clients: 100, standardDeviations: 4)
    ) {
      try Calibration.scale(
        noiseMultiplier: 1, clipBound: 1, clients: 100, dimension: 16, bits: 4,
        standardDeviations: 4)
    }
  }

  @Test(arguments: DistributedMechanism.allCases)
  func calibratedParametersMeetTheTargetAndCostMoreThanTheGaussian(
    mechanism: DistributedMechanism
  ) throws {
    let result = try Calibration.distributed(
      mechanism: mechanism, targetEpsilon: 3, delta: 1e-5, rounds: 50,
      sampling: .poisson(rate: 0.1), clients: 100, dimension: 1000, bits: 20, accountant: .rdp)
    #expect(result.report.epsilon.epsilon <= 3)
    #expect(result.report.amplificationHolds)
    #expect(result.sensitivity.paddedDimension == 1024)
    #expect(result.localStandardDeviation >= 1)
    let gaussian = try Calibration.noiseMultiplier(
      targetEpsilon: 3, delta: 1e-5, rounds: 50, samplingRate: 1, accountant: .rdp)
    // The discrete mechanism is accounted without the Gaussian's exact amplification, so compare
    // against the unamplified Gaussian only loosely: it must not need less noise than the
    // Gaussian with amplification.
    let amplified = try Calibration.noiseMultiplier(
      targetEpsilon: 3, delta: 1e-5, rounds: 50, samplingRate: 0.1, accountant: .rdp)
    #expect(result.noiseMultiplier >= amplified.noiseMultiplier)
    #expect(gaussian.noiseMultiplier > amplified.noiseMultiplier)
    // Slightly less noise misses the target: the bisection stops within a relative 1e-4 of the
    // smallest z that meets it, so 2e-4 below the returned z (and 1 % below) ε exceeds 3.
    for factor in [1 - 2e-4, 0.99] {
      let weaker = try #require(
        try Calibration.distributedAccounting(
          mechanism: mechanism, noiseMultiplier: result.noiseMultiplier * factor, delta: 1e-5,
          rounds: 50, sampling: .poisson(rate: 0.1), clients: 100, dimension: 1000, bits: 20,
          accountant: .rdp))
      #expect(weaker.report.epsilon.epsilon > 3, "z·\(factor): ε = \(weaker.report.epsilon)")
    }
    // And a looser target needs less noise.
    let smaller = try Calibration.distributed(
      mechanism: mechanism, targetEpsilon: 3.5, delta: 1e-5, rounds: 50,
      sampling: .poisson(rate: 0.1), clients: 100, dimension: 1000, bits: 20, accountant: .rdp)
    #expect(smaller.noiseMultiplier < result.noiseMultiplier)
    print(
      "\(mechanism): z \(result.noiseMultiplier), scale \(result.scale), "
        + "local σ \(result.localStandardDeviation), ε \(result.report.epsilon), "
        + "unamplified \(result.report.epsilonWithoutAmplification.epsilon); Gaussian z "
        + "\(amplified.noiseMultiplier) (amplified), \(gaussian.noiseMultiplier) (not)")
  }

  @Test func unreachableWithTooFewBitsForTheDimension() {
    // Rounding 100,000 coordinates into 8 bits leaves a sensitivity no noise can cover.
    #expect(
      throws: DifferentialPrivacyError.calibrationFailed(
        targetEpsilon: 0.5, delta: 1e-5, largestTried: 1e4)
    ) {
      try Calibration.distributed(
        mechanism: .discreteGaussian, targetEpsilon: 0.5, delta: 1e-5, rounds: 1000,
        sampling: .chosenByServer(fraction: 1), clients: 10, dimension: 100_000, bits: 8,
        accountant: .rdp)
    }
  }
}

@Suite struct DistributedAccountingTests {
  // The report for a given multiplier is the one calibration found, and a smaller multiplier
  // spends more ε.
  @Test(arguments: DistributedMechanism.allCases)
  func accountingAgreesWithCalibration(mechanism: DistributedMechanism) throws {
    let calibrated = try Calibration.distributed(
      mechanism: mechanism, targetEpsilon: 3, delta: 1e-5, rounds: 10,
      sampling: .poisson(rate: 1), clients: 100, dimension: 1000, bits: 16, accountant: .rdp)
    let again = try #require(
      try Calibration.distributedAccounting(
        mechanism: mechanism, noiseMultiplier: calibrated.noiseMultiplier, delta: 1e-5, rounds: 10,
        sampling: .poisson(rate: 1), clients: 100, dimension: 1000, bits: 16, accountant: .rdp))
    #expect(again.report.epsilon == calibrated.report.epsilon)
    #expect(again.scale == calibrated.scale)
    let noisier = try #require(
      try Calibration.distributedAccounting(
        mechanism: mechanism, noiseMultiplier: calibrated.noiseMultiplier * 0.8, delta: 1e-5,
        rounds: 10, sampling: .poisson(rate: 1), clients: 100, dimension: 1000, bits: 16,
        accountant: .rdp))
    #expect(noisier.report.epsilon.epsilon > 3)
  }
}
