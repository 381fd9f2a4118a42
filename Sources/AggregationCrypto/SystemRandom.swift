internal import CSodium

/// The operating system's secure random generator, through libsodium's `randombytes_buf`.
///
/// Use it wherever randomness protects a secret. It conforms to `RandomNumberGenerator`, so it
/// works with the standard library's `random(in:using:)`.
public struct SystemRandom: RandomNumberGenerator, Sendable {
  /// Creates a handle to the system generator; it holds no state.
  public init() {}

  /// Fills `buffer` with secure random bytes.
  public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    Sodium.initialize()
    randombytes_buf(base, buffer.count)
  }

  /// A uniformly random 64-bit value.
  public mutating func next() -> UInt64 {
    var value: UInt64 = 0
    withUnsafeMutableBytes(of: &value) { SystemRandom.fill($0) }
    return value
  }
}
