import DifferentialPrivacy
import Testing

@Suite struct AnalyticGaussianTests {
  /// Public reference values for δ = 1e-5, Δ = 1 (issue #4; Balle & Wang 2018).
  @Test(arguments: [(1.0, 4.377178), (2.0, 1.993091)])
  func epsilonMatchesTheReference(sigma: Double, expected: Double) throws {
    let epsilon = try AnalyticGaussian.epsilon(
      standardDeviation: sigma, sensitivity: 1, delta: 1e-5)
    #expect(abs(epsilon - expected) / expected < 1e-5)
  }

  @Test func sigmaForEpsilonOneMatchesTheReference() throws {
    let sigma = try AnalyticGaussian.standardDeviation(epsilon: 1, delta: 1e-5, sensitivity: 1)
    #expect(abs(sigma - 3.730632) / 3.730632 < 1e-5)
  }

  @Test func epsilonAndSigmaAreInverses() throws {
    for sigma in [0.3, 1.7, 40.0] {
      let epsilon = try AnalyticGaussian.epsilon(
        standardDeviation: sigma, sensitivity: 2, delta: 1e-8)
      let back = try AnalyticGaussian.standardDeviation(
        epsilon: epsilon, delta: 1e-8, sensitivity: 2)
      #expect(abs(back - sigma) / sigma < 1e-9)
      let delta = try AnalyticGaussian.delta(
        epsilon: epsilon, standardDeviation: sigma, sensitivity: 2)
      #expect(abs(delta - 1e-8) / 1e-8 < 1e-6)
    }
  }

  @Test func staysFiniteFarIntoTheTail() throws {
    // δ = 1e-300 needs erfc arguments past its underflow point.
    let epsilon = try AnalyticGaussian.epsilon(standardDeviation: 1, sensitivity: 1, delta: 1e-300)
    #expect(epsilon.isFinite && epsilon > 30)
    let large = try AnalyticGaussian.epsilon(standardDeviation: 1000, sensitivity: 1, delta: 0.5)
    #expect(large == 0)
  }

  @Test func rejectsInvalidParameters() {
    #expect(throws: DifferentialPrivacyError.self) {
      try AnalyticGaussian.epsilon(standardDeviation: 0, sensitivity: 1, delta: 1e-5)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try AnalyticGaussian.standardDeviation(epsilon: 1, delta: 1, sensitivity: 1)
    }
  }
}
