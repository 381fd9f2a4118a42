/// A secret symmetric key (for ChaCha20 masks or XChaCha20-Poly1305) that zeroizes on release.
///
/// A `final class`: its bytes live in ``SecureBytes`` storage, wiped with `sodium_memzero` when
/// the last reference goes. `description` never shows the key.
public final class SymmetricKey: Sendable {
  private let bytes: SecureBytes

  /// Wraps `bytes` as a key.
  public init(bytes: SecureBytes) {
    self.bytes = bytes
  }

  /// A fresh random key of `byteCount` bytes (32 by default).
  public convenience init(randomByteCount byteCount: Int = 32, from source: RandomSource = .system)
  {
    self.init(bytes: SecureBytes(randomCount: byteCount, from: source))
  }

  /// The key length in bytes.
  public var byteCount: Int { bytes.count }

  /// Calls `body` with the key bytes; the pointer is valid only during the call.
  public func withUnsafeBytes<Result, Failure: Error>(
    _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    try bytes.withUnsafeBytes(body)
  }

  func withUInt8Pointer<Result>(_ body: (UnsafePointer<UInt8>) throws -> Result) rethrows -> Result
  {
    try bytes.withUInt8Pointer(body)
  }

  /// The key bytes, still in wiping storage.
  public var secureBytes: SecureBytes { bytes }
}

extension SymmetricKey: CustomStringConvertible {
  /// A description that gives the length only.
  public var description: String { "SymmetricKey(\(byteCount) bytes, redacted)" }
}
