internal import CSodium

/// X25519 Diffie–Hellman key agreement (RFC 7748), on libsodium's `crypto_scalarmult`.
public enum KeyAgreement {
  /// The length of keys and shared secrets in bytes.
  public static let byteCount = 32

  /// An X25519 public key: 32 bytes, safe to publish.
  public struct PublicKey: Sendable, Hashable {
    /// The 32-byte little-endian u-coordinate.
    public let rawRepresentation: [UInt8]

    /// Loads a public key from its 32 bytes.
    ///
    /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` unless
    ///   exactly 32 bytes are given. Keys of small order are caught when they are used (see
    ///   ``PrivateKey/sharedSecret(with:)``).
    public init(rawRepresentation: [UInt8]) throws(AggregationCryptoError) {
      guard rawRepresentation.count == KeyAgreement.byteCount else {
        throw .invalidByteCount(
          parameter: "X25519 public key", expected: KeyAgreement.byteCount,
          actual: rawRepresentation.count)
      }
      self.rawRepresentation = rawRepresentation
    }
  }

  /// An X25519 private key. A `final class` whose scalar is wiped when it is released.
  public final class PrivateKey: Sendable {
    private let scalar: SecureBytes
    /// The matching public key.
    public let publicKey: PublicKey

    /// A fresh private key drawn from `source` (the system's secure generator by default).
    public convenience init(from source: RandomSource = .system) {
      // Any 32-byte string is a valid X25519 scalar (clamping happens inside the function).
      self.init(validatedScalar: SecureBytes(randomCount: KeyAgreement.byteCount, from: source))
    }

    /// Loads a private key from its 32-byte scalar.
    ///
    /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` unless
    ///   exactly 32 bytes are given.
    public convenience init(rawRepresentation: SecureBytes) throws(AggregationCryptoError) {
      guard rawRepresentation.count == KeyAgreement.byteCount else {
        throw .invalidByteCount(
          parameter: "X25519 private key", expected: KeyAgreement.byteCount,
          actual: rawRepresentation.count)
      }
      self.init(validatedScalar: rawRepresentation)
    }

    private init(validatedScalar: SecureBytes) {
      Sodium.initialize()
      scalar = validatedScalar
      var publicBytes = [UInt8](repeating: 0, count: KeyAgreement.byteCount)
      validatedScalar.withUInt8Pointer { scalarBytes in
        _ = crypto_scalarmult_base(&publicBytes, scalarBytes)
      }
      publicKey = PublicKey(validatedRawRepresentation: publicBytes)
    }

    /// The 32-byte scalar, in wiping storage (to Shamir-share it, for example).
    public var rawRepresentation: SecureBytes { scalar }

    /// The X25519 shared secret with `peer`.
    ///
    /// - Throws: ``AggregationCryptoError/weakSharedSecret`` when the result is all zeros, which
    ///   happens exactly when `peer` has small order; such a "secret" is known to everyone.
    public func sharedSecret(with peer: PublicKey) throws(AggregationCryptoError) -> SharedSecret {
      var secret = SecureBytes(zeroedCount: KeyAgreement.byteCount)
      let status = secret.withMutableUInt8Pointer { out in
        scalar.withUInt8Pointer { scalarBytes in
          crypto_scalarmult(out, scalarBytes, peer.rawRepresentation)
        }
      }
      guard status == 0 else { throw .weakSharedSecret }
      return SharedSecret(bytes: secret)
    }
  }

  /// The raw output of an X25519 agreement. Never use it as a key directly: derive keys from it
  /// with ``deriveSymmetricKey(salt:context:byteCount:)``, which binds each key to its purpose.
  public final class SharedSecret: Sendable {
    private let bytes: SecureBytes

    init(bytes: SecureBytes) {
      self.bytes = bytes
    }

    /// A key derived from this secret with HKDF-SHA256 for `context`.
    public func deriveSymmetricKey(
      salt: [UInt8] = [], context: KeyDerivationContext, byteCount: Int = 32
    ) throws(AggregationCryptoError) -> SymmetricKey {
      try SymmetricKey(derivedFrom: bytes, salt: salt, context: context, byteCount: byteCount)
    }

    /// The raw shared secret, for known-answer tests.
    package var unprotectedBytes: [UInt8] { bytes.unprotectedArray }
  }
}

extension KeyAgreement.PublicKey {
  init(validatedRawRepresentation: [UInt8]) {
    rawRepresentation = validatedRawRepresentation
  }
}

extension KeyAgreement.PrivateKey: CustomStringConvertible {
  /// A description that never shows the key.
  public var description: String { "X25519 private key (redacted)" }
}

extension KeyAgreement.SharedSecret: CustomStringConvertible {
  /// A description that never shows the secret.
  public var description: String { "X25519 shared secret (redacted)" }
}
