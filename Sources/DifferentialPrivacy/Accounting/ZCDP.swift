import Foundation

/// ρ-zero-concentrated differential privacy (Bun & Steinke, "Concentrated Differential Privacy:
/// Simplifications, Extensions, and Lower Bounds", TCC 2016): RDP(α) ≤ αρ at every order α > 1.
///
/// zCDP composes by adding ρ (Lemma 1.7 of that paper). Three conversions to (ε, δ) are given,
/// from tightest to loosest:
/// - ``exactGaussianEpsilon(delta:)``: exact when every composed mechanism is Gaussian, because a
///   composition of Gaussian mechanisms with total ρ is one Gaussian mechanism with
///   (Δ/σ)² = 2ρ, converted by ``AnalyticGaussian``;
/// - ``epsilon(delta:)``: the tight conversion for any ρ-zCDP mechanism (Canonne, Kamath &
///   Steinke 2020, arXiv 2004.00010 v4, Corollary 13): ε = inf_{α>1} αρ + log((α − 1)/α) −
///   (log δ + log α)/(α − 1), minimised numerically over α;
/// - ``epsilonBound(delta:)``: the standard bound ε = ρ + 2√(ρ log(1/δ)) (Bun & Steinke 2016,
///   Proposition 1.3), a bound only, kept for comparison.
public struct ZCDP: Sendable, Hashable {
  /// The zCDP parameter ρ ≥ 0.
  public let rho: Double

  /// A ρ-zCDP guarantee.
  ///
  /// - Parameter rho: ρ ≥ 0, finite.
  public init(rho: Double) throws(DifferentialPrivacyError) {
    try Validation.nonNegative(rho, "rho")
    self.rho = rho
  }

  /// The ρ = Δ²/(2σ²) of the Gaussian mechanism adding N(0, σ²) to a query of L2 sensitivity Δ
  /// (Bun & Steinke 2016, Proposition 1.6).
  public static func gaussian(
    sensitivity: Double,
    standardDeviation: Double
  ) throws(DifferentialPrivacyError) -> ZCDP {
    try Validation.positive(sensitivity, "sensitivity")
    try Validation.positive(standardDeviation, "standardDeviation")
    let ratio = sensitivity / standardDeviation
    return try ZCDP(rho: ratio * ratio / 2)
  }

  /// The composition of this guarantee and `other`: their ρ add.
  public func composed(with other: ZCDP) -> ZCDP {
    ZCDP(unchecked: rho + other.rho)
  }

  /// The composition of `count` ≥ 0 runs of this mechanism: count · ρ.
  public func composed(count: Int) throws(DifferentialPrivacyError) -> ZCDP {
    try Validation.count(count, "count", minimum: 0)
    return ZCDP(unchecked: Double(count) * rho)
  }

  /// The RDP curve α ↦ αρ, to compose with an ``RDPAccountant``.
  public func rdp(order: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.order(order)
    return order * rho
  }

  /// The tight (ε, δ) conversion for any ρ-zCDP mechanism (Canonne, Kamath & Steinke 2020,
  /// Corollary 13), minimised over the order α; the order found is returned with ε.
  ///
  /// The objective is minimised by a scan of 400 points in log(α − 1) ∈ [−12, 14] followed by a
  /// golden-section search in the best bracket, to a relative width of 1e-12 in α.
  ///
  /// - Parameter delta: 0 < δ < 1.
  public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> EpsilonAtOrder {
    try Validation.delta(delta)
    if rho == 0 {
      return EpsilonAtOrder(epsilon: 0, delta: delta, order: nil)
    }
    let logDelta = log(delta)
    func objective(_ t: Double) -> Double {
      let alpha = 1 + exp(t)
      return alpha * rho + log1p(-1 / alpha) - (logDelta + log(alpha)) / (alpha - 1)
    }
    let points = 400
    let lower = -12.0
    let upper = 14.0
    let step = (upper - lower) / Double(points - 1)
    var bestIndex = 0
    var bestValue = Double.infinity
    for index in 0..<points {
      let value = objective(lower + Double(index) * step)
      if value < bestValue {
        bestValue = value
        bestIndex = index
      }
    }
    var a = lower + Double(max(bestIndex - 1, 0)) * step
    var b = lower + Double(min(bestIndex + 1, points - 1)) * step
    let ratio = (5.0.squareRoot() - 1) / 2
    while b - a > 1e-12 {
      let c = b - ratio * (b - a)
      let d = a + ratio * (b - a)
      if objective(c) < objective(d) {
        b = d
      } else {
        a = c
      }
    }
    let t = (a + b) / 2
    let value = min(objective(t), bestValue)
    return EpsilonAtOrder(epsilon: max(0, value), delta: delta, order: 1 + exp(t))
  }

  /// The standard bound ε = ρ + 2√(ρ log(1/δ)) (Bun & Steinke 2016, Proposition 1.3). Looser
  /// than ``epsilon(delta:)``; a bound, not the exact ε.
  ///
  /// - Parameter delta: 0 < δ < 1.
  public func epsilonBound(delta: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.delta(delta)
    return rho + 2 * (rho * log(1 / delta)).squareRoot()
  }

  /// The exact ε when every composed mechanism is Gaussian: the composition is then one Gaussian
  /// mechanism with (Δ/σ)² = 2ρ, whose exact ε is ``AnalyticGaussian``'s. Not valid for other
  /// ρ-zCDP mechanisms (the discrete ones included); use ``epsilon(delta:)`` for those.
  ///
  /// - Parameter delta: 0 < δ < 1.
  public func exactGaussianEpsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.delta(delta)
    if rho == 0 {
      return 0
    }
    return try AnalyticGaussian.epsilon(
      standardDeviation: 1, sensitivity: (2 * rho).squareRoot(), delta: delta)
  }

  /// A guarantee whose ρ is known to be valid.
  private init(unchecked rho: Double) {
    self.rho = rho
  }
}
