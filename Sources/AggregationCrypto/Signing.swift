internal import CSodium

/// Ed25519 signatures (RFC 8032), on libsodium's `crypto_sign_*`: the identity keys of the
/// active-security mode.
public enum Signing {
  /// The public-key length in bytes.
  public static let publicKeyByteCount = 32
  /// The seed (private-key) length in bytes.
  public static let seedByteCount = 32
  /// The signature length in bytes.
  public static let signatureByteCount = 64

  /// An Ed25519 public key: a participant's long-term identity, which callers load from their own
  /// directory (PKI) and hand to the protocol.
  public struct PublicKey: Sendable, Hashable {
    /// The 32-byte encoded point.
    public let rawRepresentation: [UInt8]

    /// Loads a public key from its 32 bytes.
    ///
    /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` for a
    ///   wrong length and ``AggregationCryptoError/invalidPublicKey`` for bytes that are not a
    ///   valid point of full order.
    public init(rawRepresentation: [UInt8]) throws(AggregationCryptoError) {
      guard rawRepresentation.count == Signing.publicKeyByteCount else {
        throw .invalidByteCount(
          parameter: "Ed25519 public key", expected: Signing.publicKeyByteCount,
          actual: rawRepresentation.count)
      }
      Sodium.initialize()
      guard crypto_core_ed25519_is_valid_point(rawRepresentation) == 1 else {
        throw .invalidPublicKey
      }
      self.rawRepresentation = rawRepresentation
    }

    init(validatedRawRepresentation: [UInt8]) {
      rawRepresentation = validatedRawRepresentation
    }

    /// Whether `signature` is a valid signature of `message` under this key.
    ///
    /// Malformed signatures (wrong length, non-canonical encodings) are simply invalid.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
      guard signature.count == Signing.signatureByteCount else { return false }
      Sodium.initialize()
      return message.withUnsafeBufferPointer { messageBytes in
        crypto_sign_verify_detached(
          signature, messageBytes.baseAddress, UInt64(messageBytes.count), rawRepresentation) == 0
      }
    }
  }

  /// An Ed25519 private key. A `final class` whose secret is wiped when it is released.
  public final class PrivateKey: Sendable {
    /// libsodium's 64-byte secret key: seed ‖ public key.
    private let secretKey: SecureBytes
    /// The matching public key.
    public let publicKey: PublicKey

    /// A fresh identity key drawn from `source` (the system's secure generator by default).
    public convenience init(from source: RandomSource = .system) {
      self.init(validatedSeed: SecureBytes(randomCount: Signing.seedByteCount, from: source))
    }

    /// Loads a private key from its 32-byte seed.
    ///
    /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` unless
    ///   exactly 32 bytes are given.
    public convenience init(seed: SecureBytes) throws(AggregationCryptoError) {
      guard seed.count == Signing.seedByteCount else {
        throw .invalidByteCount(
          parameter: "Ed25519 seed", expected: Signing.seedByteCount, actual: seed.count)
      }
      self.init(validatedSeed: seed)
    }

    /// The 32-byte seed this key derives from, in wiping storage: store it (encrypted) to keep an
    /// identity across runs, and load it with ``init(seed:)``.
    public var seed: SecureBytes { secretKey.extracting(0..<Signing.seedByteCount) }

    private init(validatedSeed seed: SecureBytes) {
      Sodium.initialize()
      var secret = SecureBytes(zeroedCount: 64)
      var publicBytes = [UInt8](repeating: 0, count: Signing.publicKeyByteCount)
      secret.withMutableUInt8Pointer { secretBytes in
        seed.withUInt8Pointer { seedBytes in
          _ = crypto_sign_seed_keypair(&publicBytes, secretBytes, seedBytes)
        }
      }
      secretKey = secret
      publicKey = PublicKey(validatedRawRepresentation: publicBytes)
    }

    /// The 64-byte Ed25519 signature of `message`.
    public func signature(for message: [UInt8]) -> [UInt8] {
      var signature = [UInt8](repeating: 0, count: Signing.signatureByteCount)
      secretKey.withUInt8Pointer { secretBytes in
        _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretBytes)
      }
      return signature
    }
  }
}

extension Signing.PrivateKey: CustomStringConvertible {
  /// A description that never shows the secret.
  public var description: String { "Ed25519 private key (redacted)" }
}
