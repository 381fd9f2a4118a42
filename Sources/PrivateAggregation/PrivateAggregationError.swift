public import DifferentialPrivacy
public import SecureAggregation

/// The errors of the private-aggregation module.
///
/// Each case names the parameter or input that failed and what would fit; none carries a secret
/// or a client's data (an update's values, its norm or its weight never appear).
///
/// ## Errors of the lower modules
///
/// The errors of the modules this one builds on are converted in one place each, so a given
/// failure surfaces as the same case whichever call found it:
///
/// - A `DifferentialPrivacyError` goes through ``init(_:)-(DifferentialPrivacyError)``. Its
///   `nonFiniteValue(index:)` and `dimensionMismatch(expected:actual:)`, which in this module
///   always describe the caller's update (a NaN or infinite value, a wrong length), become this
///   module's ``nonFiniteValue(index:)`` and ``dimensionMismatch(expected:actual:)``. Every
///   other case stays wrapped in ``differentialPrivacy(_:)``: its parameter names are the
///   transform's, sampler's or accountant's, not this module's configuration, so its
///   `invalidParameter` is not this module's ``invalidParameter(name:value:expected:)`` and
///   its `bitWidthTooSmall` (which says nothing of the smallest width that fits) is not
///   ``bitWidthTooSmall(bits:minimumBits:needed:)``.
/// - A `SecureAggregationError` goes through ``init(_:)-(SecureAggregationError)`` and is
///   always wrapped in ``secureAggregation(_:)``.
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
    case .secureAggregation(let error):
      return "secure aggregation: \(error)"
    case .differentialPrivacy(let error):
      return "differential privacy: \(error)"
    }
  }
}

extension PrivateAggregationError {
  /// The differential-privacy module's error as this module's: the one place that decides
  /// which of its cases this module names itself.
  ///
  /// `nonFiniteValue(index:)` becomes ``nonFiniteValue(index:)``,
  /// `dimensionMismatch(expected:actual:)` becomes ``dimensionMismatch(expected:actual:)``, and
  /// every other case is wrapped in ``differentialPrivacy(_:)``.
  public init(_ error: DifferentialPrivacyError) {
    switch error {
    case .nonFiniteValue(let index):
      self = .nonFiniteValue(index: index)
    case .dimensionMismatch(let expected, let actual):
      self = .dimensionMismatch(expected: expected, actual: actual)
    case .invalidParameter, .valueOutOfRange, .roundingOverflow, .roundingAttemptsExhausted,
      .calibrationFailed, .bitWidthTooSmall, .parameterTooLarge, .denominatorTooLarge:
      self = .differentialPrivacy(error)
    }
  }

  /// The secure-aggregation protocol's error as this module's: always
  /// ``secureAggregation(_:)``.
  public init(_ error: SecureAggregationError) {
    self = .secureAggregation(error)
  }

  /// Runs `body` and converts the protocol's error with ``init(_:)-(SecureAggregationError)``.
  package static func liftingProtocolError<T>(_ body: () throws(SecureAggregationError) -> T)
    throws(PrivateAggregationError) -> T
  {
    do {
      return try body()
    } catch {
      throw PrivateAggregationError(error)
    }
  }

  /// Runs `body` and converts the differential-privacy module's error with
  /// ``init(_:)-(DifferentialPrivacyError)``.
  package static func liftingPrivacyError<T>(_ body: () throws(DifferentialPrivacyError) -> T)
    throws(PrivateAggregationError) -> T
  {
    do {
      return try body()
    } catch {
      throw PrivateAggregationError(error)
    }
  }
}
