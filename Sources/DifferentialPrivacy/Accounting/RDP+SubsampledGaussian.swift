internal import AggregationCrypto
import Foundation

extension RDP {
  /// The RDP at order α of the Poisson-subsampled Gaussian mechanism: every record (here, every
  /// client) joins the round independently with probability q, and Gaussian noise with noise
  /// multiplier z is added to the sum.
  ///
  /// Follows Mironov, Talwar & Zhang, "Rényi Differential Privacy of the Sampled Gaussian
  /// Mechanism" (arXiv 1908.10530, 2019): RDP(α) = log(A_α)/(α − 1), with A_α computed
  ///
  /// - for integer α, by the binomial expansion of Section 3.3,
  ///   A_α = Σ_{i=0}^{α} C(α, i) (1 − q)^{α−i} q^i exp((i² − i)/(2z²));
  /// - for fractional α, by the two-sided series of Section 3.3 split at
  ///   z₀ = z² log(1/q − 1) + 1/2, each term weighted by a Gaussian tail (an erfc), summed until
  ///   the terms have fallen 30 nats below the total; the terms use |C(α, i)|, which can only
  ///   overestimate A_α (as dp-accounting 0.6.0 does).
  ///
  /// Everything is summed in log space. This is the add-or-remove-one analysis: amplification by
  /// sampling holds only when the cohort really is Poisson-sampled (see ``CohortSampling``).
  ///
  /// - Parameters:
  ///   - samplingRate: q in [0, 1]; q = 0 gives 0 and q = 1 the plain Gaussian α/(2z²).
  ///   - noiseMultiplier: z = σ/Δ > 0.
  ///   - order: α > 1.
  /// - Returns: the RDP at order α, or +∞ when the fractional series does not converge (that
  ///   order is then simply never the optimal one).
  public static func poissonSubsampledGaussian(
    samplingRate: Double,
    noiseMultiplier: Double,
    order: Double
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.samplingRate(samplingRate)
    try Validation.positive(noiseMultiplier, "noiseMultiplier")
    try Validation.order(order)
    if samplingRate == 0 {
      return 0
    }
    if samplingRate == 1 {
      return order / (2 * noiseMultiplier * noiseMultiplier)
    }
    let logA =
      order.rounded() == order
      ? logAInteger(q: samplingRate, sigma: noiseMultiplier, alpha: order)
      : logAFractional(q: samplingRate, sigma: noiseMultiplier, alpha: order)
    return logA / (order - 1)
  }

  /// log A_α for integer α: the binomial expansion of Mironov, Talwar & Zhang (Section 3.3).
  static func logAInteger(q: Double, sigma: Double, alpha: Double) -> Double {
    let logQ = log(q)
    let log1mQ = log1p(-q)
    let twoSigmaSquared = 2 * sigma * sigma
    var logA = -Double.infinity
    var i = 0.0
    while i <= alpha {
      let logCoefficient =
        SpecialFunctions.logBinomial(alpha, i) + i * logQ + (alpha - i) * log1mQ
      logA = SpecialFunctions.logAdd(logA, logCoefficient + (i * i - i) / twoSigmaSquared)
      i += 1
    }
    return logA
  }

  /// The most terms the fractional-order series may take before that order is given up (as
  /// +∞, which excludes it from the minimum over orders).
  static let maximumFractionalTerms = 1000

  /// log A_α for fractional α: the two-sided series of Mironov, Talwar & Zhang (Section 3.3).
  static func logAFractional(q: Double, sigma: Double, alpha: Double) -> Double {
    var logA0 = -Double.infinity
    var logA1 = -Double.infinity
    let z0 = sigma * sigma * log(1 / q - 1) + 0.5
    let logQ = log(q)
    let log1mQ = log1p(-q)
    let twoSigmaSquared = 2 * sigma * sigma
    let sqrt2Sigma = 2.0.squareRoot() * sigma
    var lastS0 = -Double.infinity
    var lastS1 = -Double.infinity
    for step in 0..<maximumFractionalTerms {
      let i = Double(step)
      let j = alpha - i
      let logCoefficient = SpecialFunctions.logBinomial(alpha, i)
      let logT0 = logCoefficient + i * logQ + j * log1mQ
      let logT1 = logCoefficient + j * logQ + i * log1mQ
      let logE0 = log(0.5) + SpecialFunctions.logErfc((i - z0) / sqrt2Sigma)
      let logE1 = log(0.5) + SpecialFunctions.logErfc((z0 - j) / sqrt2Sigma)
      let logS0 = logT0 + (i * i - i) / twoSigmaSquared + logE0
      let logS1 = logT1 + (j * j - j) / twoSigmaSquared + logE1
      logA0 = SpecialFunctions.logAdd(logA0, logS0)
      logA1 = SpecialFunctions.logAdd(logA1, logS1)
      let total = SpecialFunctions.logAdd(logA0, logA1)
      if logS0 < lastS0, logS1 < lastS1, max(logS0, logS1) < total - 30 {
        return total
      }
      lastS0 = logS0
      lastS1 = logS1
    }
    return .infinity
  }
}
