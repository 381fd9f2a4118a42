/// The errors of the differential-privacy module.
///
/// Each case names the parameter that failed and what would fit; none carries a secret or a
/// client's data.
public enum DifferentialPrivacyError: Error, Equatable, Sendable {
  /// A parameter outside its valid range.
  case invalidParameter(name: String, value: String, expected: String)
  /// A parameter above the largest value a sampler supports (a discrete Gaussian variance above
  /// 2^40, say), so that its exact integer arithmetic cannot overflow. `maximum` states the limit.
  case parameterTooLarge(name: String, value: String, maximum: String)
  /// A rational parameter whose denominator is too large for a sampler's exact integer
  /// arithmetic. `limit` states the condition it must meet; a rational with a smaller
  /// denominator (for example from ``Rational/init(approximating:maximumDenominator:)``) fits.
  case denominatorTooLarge(name: String, value: String, limit: String)
}

extension DifferentialPrivacyError: CustomStringConvertible {
  /// A sentence that says which parameter failed and what would fit.
  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) = \(value); expected \(expected)"
    case .parameterTooLarge(let name, let value, let maximum):
      return "\(name) = \(value) is too large; the maximum is \(maximum)"
    case .denominatorTooLarge(let name, let value, let limit):
      return "the denominator of \(name) = \(value) is too large; it needs \(limit)"
    }
  }
}
