/// The errors of the secure-aggregation module.
///
/// Every case says what failed and what would fit, and none carries secret material: no key, seed,
/// share value or masked input ever appears in an error.
public enum SecureAggregationError: Error, Equatable, Sendable {
  /// A Shamir threshold outside `1...shareCount`.
  case invalidThreshold(threshold: Int, shareCount: Int)
  /// More shares requested than share ids exist (ids are nonzero 16-bit values).
  case tooManyShares(requested: Int, maximum: Int)
  /// A share id of zero: zero is where the secret sits, so it can never be a share's point.
  case zeroShareID
  /// The same share id appears twice.
  case duplicateShareID(UInt16)
  /// Fewer shares than the threshold were given for reconstruction.
  case tooFewShares(needed: Int, received: Int)
  /// A share that cannot be parsed or does not belong with the others.
  case malformedShare(reason: String)
  /// A secret of a length that cannot be shared.
  case invalidSecretLength(byteCount: Int, maximum: Int)
  /// A configuration or call parameter outside its valid range: which one, its value, and what
  /// would fit.
  case invalidParameter(name: String, value: String, expected: String)
  /// An element that does not lie in `0..<R`: its index in the input array or packed vector, and
  /// the modulus. The value itself is left out, since it may be a client's private input.
  case elementOutOfRange(index: Int, modulus: Modulus)
  /// Two operands that must live in the same ring Z_R (two vectors, or a vector and a mask
  /// generator) do not: the receiver's modulus, then the other operand's.
  case modulusMismatch(expected: Modulus, actual: Modulus)
  /// Two vectors that must have the same number of elements do not: the receiver's count, then
  /// the other vector's.
  case countMismatch(expected: Int, actual: Int)
  /// Packed vector bytes of the wrong length for their element count and modulus.
  case packedByteCountMismatch(expected: Int, actual: Int)
  /// Packed vector bytes whose padding bits — the bits of the last byte after the last element —
  /// are not all zero. A packed vector has exactly one encoding.
  case nonzeroPaddingBits
  /// The mask generator rejected the request (a negative element offset, or a range past the
  /// keystream of its key); its error says which.
  case maskGeneration(AggregationCryptoError)
}

extension SecureAggregationError: CustomStringConvertible {
  /// A sentence that says what failed and what would fit.
  public var description: String {
    switch self {
    case .invalidThreshold(let threshold, let shareCount):
      return "threshold \(threshold) must be between 1 and the share count \(shareCount)"
    case .tooManyShares(let requested, let maximum):
      return "\(requested) shares requested; at most \(maximum) are possible"
    case .zeroShareID:
      return "share id 0 is reserved for the secret; use ids 1...65535"
    case .duplicateShareID(let id):
      return "share id \(id) appears more than once"
    case .tooFewShares(let needed, let received):
      return "reconstruction needs \(needed) shares, received \(received)"
    case .malformedShare(let reason):
      return "malformed share: \(reason)"
    case .invalidSecretLength(let byteCount, let maximum):
      return "a secret of \(byteCount) bytes cannot be shared; use 1...\(maximum) bytes"
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) = \(value); expected \(expected)"
    case .elementOutOfRange(let index, let modulus):
      return "element \(index) is not in 0..<R for R = \(modulus)"
    case .modulusMismatch(let expected, let actual):
      return "the operands' moduli differ: expected R = \(expected), got R = \(actual)"
    case .countMismatch(let expected, let actual):
      return "the vectors' lengths differ: expected \(expected) elements, got \(actual)"
    case .packedByteCountMismatch(let expected, let actual):
      return "a packed vector of this count and modulus is \(expected) bytes long, got \(actual)"
    case .nonzeroPaddingBits:
      return "the padding bits after the last packed element must be zero"
    case .maskGeneration(let error):
      return "mask generation failed: \(error)"
    }
  }
}
