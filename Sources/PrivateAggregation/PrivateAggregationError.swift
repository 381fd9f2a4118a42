public import DifferentialPrivacy
public import SecureAggregation

/// The errors of the private-aggregation module.
///
/// Each case names the parameter or input that failed and what would fit; none carries a secret
/// or a client's data (an update's values, its norm or its weight never appear).
public enum PrivateAggregationError: Error, Equatable, Sendable {
  /// A configuration parameter outside its valid range.
  case invalidParameter(name: String, value: String, expected: String)
  /// The modulus of `bits` bits cannot hold what the sum must carry: `needed` explains the range
  /// (clients × range per client, with headroom for noise) and `minimumBits` is the smallest
  /// width that fits, or `nil` when no width up to 62 does.
  case bitWidthTooSmall(bits: Int, minimumBits: Int?, needed: String)
  /// The update's element at `index` is NaN or infinite (the value is left out).
  case nonFiniteValue(index: Int)
  /// The update has `actual` elements (or tensors) where the configuration says `expected`.
  case dimensionMismatch(expected: Int, actual: Int)
  /// A client's input other than the update (its weight, say) is invalid: `name` says which,
  /// `expected` what would fit; the value is left out.
  case invalidInput(name: String, expected: String)
  /// Starting the round would take the ε spent from `spent` to `wouldBe`, above the ledger's
  /// `budget` (all at the ledger's δ). The ledger is unchanged.
  case privacyBudgetExceeded(budget: Double, spent: Double, wouldBe: Double)
  /// A call that the aggregation's state does not allow now (`expected` says what comes next).
  case wrongPhase(expected: String)
  /// An error of the secure-aggregation protocol.
  case secureAggregation(SecureAggregationError)
  /// An error of the differential-privacy module (a transform, a sampler or an accountant).
  case differentialPrivacy(DifferentialPrivacyError)
}

extension PrivateAggregationError: CustomStringConvertible {
  /// A sentence that says which parameter or input failed and what would fit.
  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) = \(value); expected \(expected)"
    case .bitWidthTooSmall(let bits, let minimumBits, let needed):
      let fit = minimumBits.map { "use --bits \($0) or more" } ?? "no bit width up to 62 fits"
      return "\(bits) bits cannot hold \(needed); \(fit), or fewer clients or a smaller range"
    case .nonFiniteValue(let index):
      return "element \(index) of the update is NaN or infinite; updates must be finite"
    case .dimensionMismatch(let expected, let actual):
      return "expected \(expected) elements, got \(actual)"
    case .invalidInput(let name, let expected):
      return "invalid \(name); expected \(expected)"
    case .privacyBudgetExceeded(let budget, let spent, let wouldBe):
      return
        "the round would take ε from \(spent) to \(wouldBe), above the budget \(budget); "
        + "stop here, or raise the budget or the noise"
    case .wrongPhase(let expected):
      return "not allowed now; expected \(expected)"
    case .secureAggregation(let error):
      return "secure aggregation: \(error)"
    case .differentialPrivacy(let error):
      return "differential privacy: \(error)"
    }
  }
}

extension PrivateAggregationError {
  /// Runs `body` and lifts the protocol's error into this module's: the one place where a
  /// ``SecureAggregationError`` becomes ``secureAggregation(_:)``.
  static func liftingProtocolError<T>(_ body: () throws(SecureAggregationError) -> T)
    throws(PrivateAggregationError) -> T
  {
    do {
      return try body()
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Runs `body` and lifts the differential-privacy module's error into this module's: the one
  /// place where a ``DifferentialPrivacyError`` becomes ``differentialPrivacy(_:)``.
  static func liftingPrivacyError<T>(_ body: () throws(DifferentialPrivacyError) -> T)
    throws(PrivateAggregationError) -> T
  {
    do {
      return try body()
    } catch {
      throw .differentialPrivacy(error)
    }
  }
}
