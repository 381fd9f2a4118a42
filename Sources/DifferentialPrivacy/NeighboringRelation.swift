/// Which pairs of datasets differential privacy makes indistinguishable, and so what the ε this
/// library reports protects.
///
/// The unit is always one client's whole contribution to a round (never one example), because
/// the protocol adds whole client vectors.
public enum NeighboringRelation: String, Sendable, Hashable, Codable, CaseIterable {
  /// Datasets differ by adding or removing one client's contribution: the L2 sensitivity of the
  /// sum is the clipping bound C. The default.
  case addOrRemoveOne = "add-or-remove-one"
  /// Datasets differ by replacing one client's contribution with another: the L2 sensitivity of
  /// the sum is 2C.
  case replaceOne = "replace-one"

  /// The L2 sensitivity of a sum of vectors each clipped to L2 norm `clipBound`.
  public func l2Sensitivity(clipBound: Double) -> Double {
    switch self {
    case .addOrRemoveOne: return clipBound
    case .replaceOne: return 2 * clipBound
    }
  }

  /// A phrase for reports: what a printed ε protects.
  public var protectionDescription: String {
    switch self {
    case .addOrRemoveOne: return "one client's whole contribution, added or removed"
    case .replaceOne: return "one client's whole contribution, replaced"
    }
  }
}
