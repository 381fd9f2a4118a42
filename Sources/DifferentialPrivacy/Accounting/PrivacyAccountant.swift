/// Which accountant turns a mechanism's rounds into an (ε, δ) guarantee.
///
/// Both are valid upper bounds. ``pld`` is tight up to a discretization error it reports (the
/// true ε lies between its optimistic and pessimistic estimates); ``rdp``'s conversion from
/// Rényi DP to (ε, δ) loses 1–26 % (median 10 %) on the library's mechanisms, so for the same
/// noise PLD reports less ε, and calibration to a target ε needs less noise.
public enum PrivacyAccountant: String, Sendable, Hashable, Codable, CaseIterable {
  /// Privacy loss distributions (``PrivacyLossDistribution``): tight; the default.
  case pld
  /// Rényi differential privacy (``RDPAccountant``) with the tighter conversion.
  case rdp

  /// The default accountant: ``pld``.
  public static let `default` = PrivacyAccountant.pld
}
