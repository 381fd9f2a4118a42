/// The privacy of the sum of n clients' Skellam noise: the distributed Skellam mechanism of
/// Agarwal, Kairouz & Liu, "The Skellam Mechanism for Differentially Private Federated Learning"
/// (NeurIPS 2021; arXiv 2110.04995).
///
/// Skellam noise is closed under summation: if each of n clients adds symmetric Skellam noise of
/// per-coordinate variance μ_local, the released sum carries Skellam noise of variance
/// μ = n · μ_local, exactly. The paper's RDP bound for the multidimensional Skellam mechanism
/// (Theorem 3.5 and Corollary 3.6), with Δ₁, Δ₂ the L1 and L2 sensitivities of the integer sum, is
///
///     RDP(α) = α Δ₂²/(2μ) + min{ ((2α − 1)Δ₂² + 6Δ₁)/(4μ²), 3Δ₁/(2μ) }:
///
/// the Gaussian's α Δ₂²/(2μ) plus a discretisation term that vanishes as μ grows. It is stated
/// for integer orders; at a fractional order the value at ⌈α⌉ is used, which is valid because
/// RDP does not decrease with the order. All quantities are in integer units (after scaling);
/// see ``RoundedSensitivity`` for Δ₁, Δ₂ after rotation and rounding in the padded dimension.
/// Compose ``rdp(order:)`` with an ``RDPAccountant``; amplification by sampling is not applied
/// here.
public struct DistributedSkellam: Sendable, Hashable {
  /// The number n ≥ 1 of clients whose noise is certainly in the released sum.
  public let clients: Int
  /// Each client's per-coordinate noise variance μ_local > 0, in integer units.
  public let localVariance: Double
  /// The L1 sensitivity Δ₁ of the integer sum.
  public let l1Sensitivity: Double
  /// The L2 sensitivity Δ₂ of the integer sum.
  public let l2Sensitivity: Double

  /// Describes n clients each adding symmetric Skellam noise of variance μ_local per coordinate.
  ///
  /// - Parameters:
  ///   - clients: n ≥ 1; count only clients whose noise the adversary does not know.
  ///   - localVariance: μ_local > 0 per client, in integer units.
  ///   - l1Sensitivity: Δ₁ > 0.
  ///   - l2Sensitivity: Δ₂ > 0.
  public init(
    clients: Int,
    localVariance: Double,
    l1Sensitivity: Double,
    l2Sensitivity: Double
  ) throws(DifferentialPrivacyError) {
    try Validation.count(clients, "clients", minimum: 1)
    try Validation.positive(localVariance, "localVariance")
    try Validation.positive(l1Sensitivity, "l1Sensitivity")
    try Validation.positive(l2Sensitivity, "l2Sensitivity")
    self.clients = clients
    self.localVariance = localVariance
    self.l1Sensitivity = l1Sensitivity
    self.l2Sensitivity = l2Sensitivity
  }

  /// The variance μ = n μ_local of the summed noise per coordinate.
  public var centralVariance: Double {
    Double(clients) * localVariance
  }

  /// The noise multiplier in the library's common unit: the standard deviation of the total
  /// noise in the released sum divided by the clip bound, both in the same (unscaled) units —
  /// the central standard deviation over s·C for scale s.
  ///
  /// - Parameters:
  ///   - clipBound: the L2 clip bound C > 0, before scaling.
  ///   - scale: the scale s = 1/γ > 0 applied before rounding.
  public func noiseMultiplier(
    clipBound: Double,
    scale: Double
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.positive(clipBound, "clipBound")
    try Validation.positive(scale, "scale")
    return centralVariance.squareRoot() / (scale * clipBound)
  }

  /// The RDP of one release at order α (Agarwal, Kairouz & Liu 2021, Theorem 3.5), evaluated
  /// at ⌈α⌉.
  ///
  /// - Parameter order: α > 1.
  public func rdp(order: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.order(order)
    let alpha = order.rounded(.up)
    let mu = centralVariance
    let l2Squared = l2Sensitivity * l2Sensitivity
    let gaussian = alpha * l2Squared / (2 * mu)
    let tight = ((2 * alpha - 1) * l2Squared + 6 * l1Sensitivity) / (4 * mu * mu)
    let simple = 3 * l1Sensitivity / (2 * mu)
    return gaussian + min(tight, simple)
  }
}
