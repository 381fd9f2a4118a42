/// Rényi differential privacy (Mironov, "Rényi Differential Privacy", CSF 2017): the curves
/// α ↦ RDP(α) of the mechanisms this module accounts for, and the standard order grid.
///
/// A mechanism is (α, r)-RDP when the Rényi divergence of order α between its outputs on
/// neighbouring datasets is at most r. RDP composes by adding curves (Proposition 1 of the
/// paper); ``RDPAccountant`` does the adding and the conversion to (ε, δ).
///
/// Every curve here has sensitivity normalised to 1 by the noise multiplier z = σ/Δ, where Δ is
/// the L2 sensitivity under the chosen ``NeighboringRelation``.
public enum RDP {
  /// The orders of Google's dp-accounting (`dp_accounting.rdp.DEFAULT_RDP_ORDERS`, version
  /// 0.6.0): 1.1, 1.2, …, 10.9, then 11, 12, …, 63, then 128, 256, 512 and 1024.
  ///
  /// Using the same grid makes this module's ε comparable with dp-accounting's to within the
  /// floating-point differences of the two implementations.
  public static let defaultOrders: [Double] =
    (1..<100).map { 1 + Double($0) / 10 } + (11..<64).map { Double($0) } + [128, 256, 512, 1024]

  /// The RDP of the Gaussian mechanism at order α: α/(2z²) for noise multiplier z = σ/Δ
  /// (Mironov 2017, Table 2).
  ///
  /// - Parameters:
  ///   - noiseMultiplier: z = σ/Δ > 0.
  ///   - order: α > 1.
  public static func gaussian(
    noiseMultiplier: Double,
    order: Double
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.positive(noiseMultiplier, "noiseMultiplier")
    try Validation.order(order)
    return order / (2 * noiseMultiplier * noiseMultiplier)
  }
}
