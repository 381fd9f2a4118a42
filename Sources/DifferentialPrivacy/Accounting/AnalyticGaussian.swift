internal import AggregationCrypto
import Foundation

/// The analytic Gaussian mechanism of Balle & Wang, "Improving the Gaussian Mechanism for
/// Differential Privacy: Analytical Calibration and Optimal Denoising" (ICML 2018), for one
/// release.
///
/// Adding N(0, σ²) noise to a query of L2 sensitivity Δ is (ε, δ)-DP exactly when
/// (Theorem 8 of the paper)
///
///     δ ≥ Φ(Δ/(2σ) − εσ/Δ) − e^ε · Φ(−Δ/(2σ) − εσ/Δ),
///
/// so the tightest ε for a given σ and δ, and the smallest σ for a given (ε, δ), follow by
/// bisection on this curve. Both terms are evaluated in log space (log Φ through a log-erfc that
/// stays accurate far into the tail), and their difference as log Φ(a) + log(−expm1(…)), so
/// there is no cancellation or underflow even at δ = 1e-300.
///
/// The answers are tight for one Gaussian release; for many rounds use ``RDPAccountant`` or
/// ``ZCDP``. Bisections stop at a relative width of 1e-13.
public enum AnalyticGaussian {
  /// The smallest δ for which adding N(0, σ²) to a query of L2 sensitivity Δ is (ε, δ)-DP.
  ///
  /// - Parameters:
  ///   - epsilon: ε ≥ 0.
  ///   - standardDeviation: σ > 0 of the added noise.
  ///   - sensitivity: the query's L2 sensitivity Δ > 0 (see ``NeighboringRelation``).
  public static func delta(
    epsilon: Double,
    standardDeviation: Double,
    sensitivity: Double
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.nonNegative(epsilon, "epsilon")
    try Validation.positive(standardDeviation, "standardDeviation")
    try Validation.positive(sensitivity, "sensitivity")
    return exp(logDelta(epsilon: epsilon, ratio: standardDeviation / sensitivity))
  }

  /// The smallest ε ≥ 0 for which adding N(0, σ²) to a query of L2 sensitivity Δ is
  /// (ε, δ)-DP.
  ///
  /// - Parameters:
  ///   - standardDeviation: σ > 0 of the added noise.
  ///   - sensitivity: the query's L2 sensitivity Δ > 0.
  ///   - delta: 0 < δ < 1.
  public static func epsilon(
    standardDeviation: Double,
    sensitivity: Double,
    delta: Double
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.positive(standardDeviation, "standardDeviation")
    try Validation.positive(sensitivity, "sensitivity")
    try Validation.delta(delta)
    let ratio = standardDeviation / sensitivity
    let target = log(delta)
    if logDelta(epsilon: 0, ratio: ratio) <= target {
      return 0
    }
    // δ(ε) decreases in ε: find an upper bracket, then bisect.
    var low = 0.0
    var high = 1.0
    while logDelta(epsilon: high, ratio: ratio) > target {
      low = high
      high *= 2
    }
    return bisect(low: low, high: high) { logDelta(epsilon: $0, ratio: ratio) > target }
  }

  /// The smallest standard deviation σ for which adding N(0, σ²) to a query of L2 sensitivity
  /// Δ is (ε, δ)-DP.
  ///
  /// - Parameters:
  ///   - epsilon: ε > 0.
  ///   - delta: 0 < δ < 1.
  ///   - sensitivity: the query's L2 sensitivity Δ > 0.
  public static func standardDeviation(
    epsilon: Double,
    delta: Double,
    sensitivity: Double
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.positive(epsilon, "epsilon")
    try Validation.delta(delta)
    try Validation.positive(sensitivity, "sensitivity")
    let target = log(delta)
    // δ(σ) at fixed ε decreases in σ: bracket the ratio σ/Δ, then bisect.
    var low = 1.0
    var high = 1.0
    while logDelta(epsilon: epsilon, ratio: low) <= target {
      high = low
      low /= 2
    }
    while logDelta(epsilon: epsilon, ratio: high) > target {
      low = high
      high *= 2
    }
    let ratio = bisect(low: low, high: high) { logDelta(epsilon: epsilon, ratio: $0) > target }
    return ratio * sensitivity
  }

  /// log δ(ε) for noise σ = `ratio` · Δ (Balle & Wang, Theorem 8), never −∞ through
  /// cancellation: log Φ(a) + log(1 − e^{ε + log Φ(b) − log Φ(a)}).
  static func logDelta(epsilon: Double, ratio: Double) -> Double {
    let a = 1 / (2 * ratio) - epsilon * ratio
    let b = -1 / (2 * ratio) - epsilon * ratio
    let logFirst = SpecialFunctions.logNormalCDF(a)
    let logSecond = epsilon + SpecialFunctions.logNormalCDF(b)
    let exponent = min(logSecond - logFirst, 0)
    return logFirst + log(-expm1(exponent))
  }

  /// Bisection on a monotone predicate that holds below the answer and fails above it.
  static func bisect(low: Double, high: Double, isBelow: (Double) -> Bool) -> Double {
    var low = low
    var high = high
    while high - low > 1e-13 * high {
      let middle = low + (high - low) / 2
      if isBelow(middle) {
        low = middle
      } else {
        high = middle
      }
    }
    return high
  }
}
