/// What can go wrong loading the digits or setting up a federated training.
public enum DigitsTrainingError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The data file cannot be found, opened or decompressed.
  case dataUnavailable(String)
  /// The data do not parse: the line (1-based) and what is wrong.
  case malformedData(line: Int, reason: String)
  /// A training parameter is out of range: its name, its value and what would fit.
  case invalidParameter(name: String, value: String, expected: String)

  /// A one-line explanation.
  public var description: String {
    switch self {
    case .dataUnavailable(let reason): "digits data unavailable: \(reason)"
    case .malformedData(let line, let reason): "digits data, line \(line): \(reason)"
    case .invalidParameter(let name, let value, let expected):
      "\(name) = \(value) is invalid: expected \(expected)"
    }
  }
}
