/// The errors of the differential-privacy module.
///
/// Each case names the parameter that failed and what would fit; none carries a secret or a
/// client's data.
public enum DifferentialPrivacyError: Error, Equatable, Sendable {
  /// A parameter outside its valid range.
  case invalidParameter(name: String, value: String, expected: String)
}

extension DifferentialPrivacyError: CustomStringConvertible {
  /// A sentence that says which parameter failed and what would fit.
  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) = \(value); expected \(expected)"
    }
  }
}
