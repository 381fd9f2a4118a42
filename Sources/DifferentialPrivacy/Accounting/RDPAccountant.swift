import Foundation

/// An ε with the δ it holds for and, for RDP accounting, the Rényi order that gave it.
public struct EpsilonAtOrder: Sendable, Hashable, Codable {
  /// The ε of the (ε, δ)-DP guarantee.
  public let epsilon: Double
  /// The δ of the (ε, δ)-DP guarantee.
  public let delta: Double
  /// The Rényi order α at which the conversion was tightest, or `nil` when none applies (an
  /// exact analytic conversion).
  public let order: Double?

  /// Wraps an ε, its δ and the optimal order.
  public init(epsilon: Double, delta: Double, order: Double?) {
    self.epsilon = epsilon
    self.delta = delta
    self.order = order
  }
}

/// A Rényi-DP accountant: adds the RDP curves of the mechanisms run (composition, Mironov 2017,
/// Proposition 1) on a fixed grid of orders, and converts the total to (ε, δ)-DP.
///
/// Two conversions are offered:
/// - ``epsilon(delta:)``, the tighter one of Balle et al., "Hypothesis Testing Interpretations and
///   Rényi Differential Privacy" (AISTATS 2020; arXiv 2001.05990 v1, Equation 20) and Canonne,
///   Kamath & Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020;
///   arXiv 2004.00010 v4, Proposition 12):
///   ε = min_α RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1), with the KL bound
///   δ ≤ √(1 − e^{−RDP}) giving ε = 0 where it applies — exactly as dp-accounting 0.6.0 computes
///   it, so the two agree;
/// - ``classicEpsilon(delta:)``, Mironov 2017 Proposition 3: ε = min_α RDP(α) + log(1/δ)/(α − 1),
///   for comparison.
///
/// The accountant is a value: composing is `mutating` and leaves it unchanged when it throws.
public struct RDPAccountant: Sendable, Hashable {
  /// The Rényi orders the accountant tracks, each > 1.
  public let orders: [Double]
  /// The composed RDP at each of ``orders`` (0 before anything is composed).
  public private(set) var rdp: [Double]

  /// An empty accountant on the given grid of orders.
  ///
  /// - Parameter orders: Rényi orders, each finite and > 1; by default ``RDP/defaultOrders``.
  public init(orders: [Double] = RDP.defaultOrders) throws(DifferentialPrivacyError) {
    guard !orders.isEmpty else {
      throw .invalidParameter(name: "orders", value: "[]", expected: "at least one order")
    }
    for order in orders {
      try Validation.order(order)
    }
    self.orders = orders
    self.rdp = Array(repeating: 0, count: orders.count)
  }

  /// Composes `count` runs of a mechanism given by its RDP curve.
  ///
  /// - Parameters:
  ///   - count: how many times the mechanism runs (≥ 0).
  ///   - curve: the mechanism's RDP at an order α; must be ≥ 0 (+∞ is allowed).
  public mutating func compose(
    count: Int = 1,
    curve: (Double) throws(DifferentialPrivacyError) -> Double
  ) throws(DifferentialPrivacyError) {
    try Validation.count(count, "count", minimum: 0)
    var added: [Double] = []
    added.reserveCapacity(orders.count)
    for order in orders {
      let value = try curve(order)
      guard value >= 0 else {
        throw .invalidParameter(
          name: "rdp(\(order))", value: "\(value)", expected: "a Rényi divergence ≥ 0")
      }
      added.append(value)
    }
    add(added, count: count)
  }

  /// Adds `count` times the per-order values `added` (validated, one per order).
  private mutating func add(_ added: [Double], count: Int) {
    for index in rdp.indices where count > 0 {
      rdp[index] += Double(count) * added[index]
    }
  }

  /// Composes `count` runs of the Gaussian mechanism with noise multiplier z = σ/Δ.
  public mutating func composeGaussian(
    noiseMultiplier: Double,
    count: Int = 1
  ) throws(DifferentialPrivacyError) {
    try compose(count: count) { (order) throws(DifferentialPrivacyError) in
      try RDP.gaussian(noiseMultiplier: noiseMultiplier, order: order)
    }
  }

  /// Composes `count` runs of the Poisson-subsampled Gaussian mechanism (sampling rate q, noise
  /// multiplier z = σ/Δ); see
  /// ``RDP/poissonSubsampledGaussian(samplingRate:noiseMultiplier:order:)``.
  public mutating func composePoissonSubsampledGaussian(
    samplingRate: Double,
    noiseMultiplier: Double,
    count: Int = 1
  ) throws(DifferentialPrivacyError) {
    try compose(count: count) { (order) throws(DifferentialPrivacyError) in
      try RDP.poissonSubsampledGaussian(
        samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, order: order)
    }
  }

  /// Composes `count` runs of any mechanism, given by its unsampled RDP curve, on a
  /// Poisson-sampled cohort at rate q, with the general bound of
  /// ``RDP/poissonSubsampled(samplingRate:orders:curve:)`` (Zhu & Wang 2019).
  public mutating func composePoissonSubsampled(
    samplingRate: Double,
    count: Int = 1,
    curve: (Double) throws(DifferentialPrivacyError) -> Double
  ) throws(DifferentialPrivacyError) {
    try Validation.count(count, "count", minimum: 0)
    let sampled = try RDP.poissonSubsampled(
      samplingRate: samplingRate, orders: orders, curve: curve)
    add(sampled, count: count)
  }

  /// The (ε, δ)-DP guarantee of everything composed so far, by the tighter conversion
  /// (Balle et al. 2020 / Canonne, Kamath & Steinke 2020), with the optimal order.
  ///
  /// - Parameter delta: 0 < δ < 1.
  public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> EpsilonAtOrder {
    try Self.epsilon(orders: orders, rdp: rdp, delta: delta)
  }

  /// The (ε, δ)-DP guarantee by the classic conversion ε = RDP(α) + log(1/δ)/(α − 1)
  /// (Mironov 2017, Proposition 3), never smaller than ``epsilon(delta:)``.
  ///
  /// - Parameter delta: 0 < δ < 1.
  public func classicEpsilon(delta: Double) throws(DifferentialPrivacyError) -> EpsilonAtOrder {
    try Validation.delta(delta)
    var best = EpsilonAtOrder(epsilon: .infinity, delta: delta, order: nil)
    for (order, value) in zip(orders, rdp) {
      let epsilon = value - log(delta) / (order - 1)
      if epsilon < best.epsilon {
        best = EpsilonAtOrder(epsilon: max(0, epsilon), delta: delta, order: order)
      }
    }
    return best
  }

  /// The tighter RDP-to-(ε, δ) conversion for any RDP curve sampled at `orders`.
  ///
  /// - Parameters:
  ///   - orders: Rényi orders, each > 1.
  ///   - rdp: the RDP at each order (≥ 0, +∞ allowed), as many as `orders`.
  ///   - delta: 0 < δ < 1.
  public static func epsilon(
    orders: [Double],
    rdp: [Double],
    delta: Double
  ) throws(DifferentialPrivacyError) -> EpsilonAtOrder {
    try Validation.delta(delta)
    guard orders.count == rdp.count, !orders.isEmpty else {
      throw .invalidParameter(
        name: "rdp.count", value: "\(rdp.count)",
        expected: "one value per order (\(orders.count)), at least one")
    }
    var best = EpsilonAtOrder(epsilon: .infinity, delta: delta, order: nil)
    for (order, value) in zip(orders, rdp) {
      let epsilon: Double
      if delta * delta + expm1(-value) > 0 {
        // δ ≤ √(1 − e^{−KL}) already: ε = 0 suffices.
        epsilon = 0
      } else if order > 1.01 {
        // Not numerically useful as α → 1, where it is never optimal anyway.
        epsilon = value + log1p(-1 / order) - log(delta * order) / (order - 1)
      } else {
        epsilon = .infinity
      }
      if epsilon < best.epsilon {
        best = EpsilonAtOrder(epsilon: max(0, epsilon), delta: delta, order: order)
      }
    }
    return best
  }
}
