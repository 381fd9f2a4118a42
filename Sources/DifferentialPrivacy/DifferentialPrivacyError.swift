/// The errors of the differential-privacy module.
///
/// Each case names the parameter that failed and what would fit; none carries a secret or a
/// client's data.
public enum DifferentialPrivacyError: Error, Equatable, Sendable {
  /// A parameter outside its valid range.
  case invalidParameter(name: String, value: String, expected: String)

  // MARK: Transforms

  /// An input value that is NaN or infinite, at `index` of the flattened update (the value itself
  /// is left out: it is a client's data).
  case nonFiniteValue(index: Int)
  /// A vector or tensor list whose size does not match what the transform was built for.
  case dimensionMismatch(expected: Int, actual: Int)
  /// The element at `index` of a vector is larger in magnitude than `maximumMagnitude`, the
  /// most the operation supports (the value itself is left out: it may be a client's data).
  case valueOutOfRange(index: Int, maximumMagnitude: Double)
  /// A rounded coordinate does not fit in 64-bit integers: the scale is far too large.
  case roundingOverflow
  /// Conditional rounding found no rounding within the norm bound in `attempts` tries (each
  /// try fails with probability at most β, so this means the input exceeded the clip bound).
  case roundingAttemptsExhausted(attempts: Int)
  /// No noise multiplier in the searched range meets the target privacy: even the largest
  /// multiplier tried (`largestTried`) gives an ε above `targetEpsilon` at this δ. Raise the
  /// target ε or δ, or lower the rounds or sampling rate.
  case calibrationFailed(targetEpsilon: Double, delta: Double, largestTried: Double)
  /// A modulus of `bits` bits cannot hold the sum of `clients` clients' values with
  /// `standardDeviations` standard deviations of headroom (it needs 2^(2b) > n·k²). Use more
  /// bits, fewer clients per sum, or less headroom.
  case bitWidthTooSmall(bits: Int, clients: Int, standardDeviations: Double)
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
    case .nonFiniteValue(let index):
      return "element \(index) of the update is NaN or infinite; updates must be finite"
    case .dimensionMismatch(let expected, let actual):
      return "expected \(expected) elements, got \(actual)"
    case .valueOutOfRange(let index, let maximumMagnitude):
      return "element \(index) is beyond ±\(maximumMagnitude), the largest magnitude supported"
    case .roundingOverflow:
      return "a scaled coordinate does not fit in a 64-bit integer; use a smaller scale"
    case .roundingAttemptsExhausted(let attempts):
      return "no rounding met the norm bound in \(attempts) attempts; is the input clipped?"
    case .calibrationFailed(let targetEpsilon, let delta, let largestTried):
      return
        "no noise multiplier up to \(largestTried) reaches ε ≤ \(targetEpsilon) at δ = \(delta); "
        + "raise the target ε or δ, or lower the rounds or sampling rate"
    case .bitWidthTooSmall(let bits, let clients, let standardDeviations):
      return
        "\(bits) bits cannot hold the sum of \(clients) clients with \(standardDeviations) "
        + "standard deviations of headroom (needs 2^(2b) > n·k²); use more bits, fewer clients "
        + "or less headroom"
    case .parameterTooLarge(let name, let value, let maximum):
      return "\(name) = \(value) is too large; the maximum is \(maximum)"
    case .denominatorTooLarge(let name, let value, let limit):
      return "the denominator of \(name) = \(value) is too large; it needs \(limit)"
    }
  }
}
