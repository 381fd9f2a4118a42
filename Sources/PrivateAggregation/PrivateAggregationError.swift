/// The errors of the private-aggregation module.
///
/// Each case names the parameter or input that failed and what would fit; none carries a secret
/// or a client's data.
public enum PrivateAggregationError: Error, Equatable, Sendable {
  /// A configuration parameter outside its valid range.
  case invalidParameter(name: String, value: String, expected: String)
}

extension PrivateAggregationError: CustomStringConvertible {
  /// A sentence that says which parameter failed and what would fit.
  public var description: String {
    switch self {
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) = \(value); expected \(expected)"
    }
  }
}
