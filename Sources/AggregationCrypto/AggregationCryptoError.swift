/// The errors of the cryptographic layer.
///
/// No case carries secret material: they name the parameter or input that failed and, where it
/// helps, the size or range that would fit.
public enum AggregationCryptoError: Error, Equatable, Sendable {
  /// A key, nonce or other fixed-size input had the wrong length.
  case invalidByteCount(parameter: String, expected: Int, actual: Int)
  /// An input shorter than the least its format allows.
  case inputTooShort(parameter: String, minimum: Int, actual: Int)
  /// A public key is not a valid point (or is of small order) on its curve.
  case invalidPublicKey
  /// An X25519 agreement produced the all-zero shared secret: the peer's public key has small
  /// order, so the result would not be secret.
  case weakSharedSecret
  /// An authenticated ciphertext failed verification: it, its tag, its nonce or its associated
  /// data were altered, or the wrong key was used.
  case authenticationFailure
  /// A requested output length is outside what the primitive can produce.
  case outputLengthOutOfRange(parameter: String, requested: Int, maximum: Int)
  /// A modulus outside the supported range `2 ≤ R ≤ 2^64`.
  case invalidModulus(reason: String)
  /// A mask request reaches past the keystream of one ChaCha20 key (2^32 blocks of 64 bytes).
  case keystreamExhausted(elementOffset: Int, elementCount: Int, maximumElements: Int)
  /// A buffer holds an integer type too narrow for the modulus' elements.
  case elementTypeTooNarrow(modulusBits: Int, elementBits: Int)
  /// A negative element offset or count.
  case negativeCount(parameter: String, value: Int)
}

extension AggregationCryptoError: CustomStringConvertible {
  /// A sentence that says what failed and what would fit.
  public var description: String {
    switch self {
    case .invalidByteCount(let parameter, let expected, let actual):
      return "\(parameter) must be \(expected) bytes long, got \(actual)"
    case .inputTooShort(let parameter, let minimum, let actual):
      return "\(parameter) must be at least \(minimum) bytes long, got \(actual)"
    case .invalidPublicKey:
      return "the public key is not a valid curve point of full order"
    case .weakSharedSecret:
      return "the key agreement produced an all-zero secret (peer public key of small order)"
    case .authenticationFailure:
      return "authentication failed: ciphertext, tag, nonce or associated data do not verify"
    case .outputLengthOutOfRange(let parameter, let requested, let maximum):
      return "\(parameter) of \(requested) is out of range; it must be between 1 and \(maximum)"
    case .invalidModulus(let reason):
      return "invalid modulus: \(reason); it must satisfy 2 ≤ R ≤ 2^64"
    case .keystreamExhausted(let elementOffset, let elementCount, let maximumElements):
      return
        "\(elementCount) elements starting at element \(elementOffset) exceed the "
        + "\(maximumElements) elements one key's keystream can produce"
    case .elementTypeTooNarrow(let modulusBits, let elementBits):
      return
        "a \(elementBits)-bit buffer cannot hold elements of a \(modulusBits)-bit modulus; "
        + "use UInt64 elements"
    case .negativeCount(let parameter, let value):
      return "\(parameter) must not be negative, got \(value)"
    }
  }
}
