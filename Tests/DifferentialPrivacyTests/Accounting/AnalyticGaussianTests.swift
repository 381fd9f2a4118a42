import DifferentialPrivacy
import Testing

@Suite struct AnalyticGaussianTests {
  // The exact ε, σ and δ of one Gaussian release (Balle & Wang 2018, Theorem 8), solved in
  // 50-digit arithmetic (mpmath) by `analytic_gaussian()` in References/dp_accounting_references.py
  // and checked there against dp-accounting 0.6.0's get_epsilon_gaussian / get_sigma_gaussian to
  // 1e-12. They agree with the 7-digit public values of issue #4 (ε = 4.377178 and 1.993091 for
  // σ = 1 and 2, σ = 3.730632 for ε = 1, all at δ = 1e-5). Tolerance 1e-8 relative: the library
  // bisects to a relative width of 1e-13 and evaluates δ in log space, so only rounding remains.

  /// (σ, δ, ε) for sensitivity 1.
  @Test(arguments: [
    (1.0, 1e-5, 4.3771780956812245), (2.0, 1e-5, 1.9930914044151196),
    (0.5, 1e-5, 9.9972561464343), (5.0, 1e-10, 1.1816013082342474),
    (1.0, 1e-100, 21.627508093648384),
  ])
  func epsilonMatchesTheReference(sigma: Double, delta: Double, expected: Double) throws {
    let epsilon = try AnalyticGaussian.epsilon(
      standardDeviation: sigma, sensitivity: 1, delta: delta)
    #expect(abs(epsilon - expected) / expected < 1e-8, "\(epsilon)")
  }

  /// (ε, δ, σ) for sensitivity 1.
  @Test(arguments: [
    (1.0, 1e-5, 3.730631634815942), (0.1, 1e-6, 36.30469042619578),
    (8.0, 1e-9, 0.792237049804094),
  ])
  func sigmaMatchesTheReference(epsilon: Double, delta: Double, expected: Double) throws {
    let sigma = try AnalyticGaussian.standardDeviation(
      epsilon: epsilon, delta: delta, sensitivity: 1)
    #expect(abs(sigma - expected) / expected < 1e-8, "\(sigma)")
  }

  /// (ε, σ, Δ, δ): δ(ε) itself, down to 1e-193 where it must not underflow.
  @Test(arguments: [
    (1.0, 1.0, 1.0, 0.12693673750664394), (0.5, 3.0, 2.0, 0.10874437688858546),
    (30.0, 1.0, 1.0, 4.709326318097522e-193),
  ])
  func deltaMatchesTheReference(
    epsilon: Double, sigma: Double, sensitivity: Double, expected: Double
  ) throws {
    let delta = try AnalyticGaussian.delta(
      epsilon: epsilon, standardDeviation: sigma, sensitivity: sensitivity)
    #expect(abs(delta - expected) / expected < 1e-8, "\(delta)")
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
