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
    ///   exactly 32 bytes are given. The point itself is not checked here: use
    ///   ``init(validatingRawRepresentation:)`` or ``isSafeForKeyAgreement`` for a key from a
    ///   peer (an agreement with a small-order key also fails, see
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

  /// Loads a public key from its 32 bytes and refuses any key a peer should never accept.
  ///
  /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` unless 32
  ///   bytes, and ``AggregationCryptoError/invalidPublicKey`` unless ``isSafeForKeyAgreement``.
  public init(validatingRawRepresentation bytes: [UInt8]) throws(AggregationCryptoError) {
    try self.init(rawRepresentation: bytes)
    guard isSafeForKeyAgreement else { throw .invalidPublicKey }
  }

  /// Whether the key is canonical and not of small order, so that an agreement with it is secret
  /// and there is exactly one encoding of it.
  ///
  /// Canonical: the u-coordinate is below p = 2^255 − 19 and the unused top bit is clear (RFC 7748
  /// masks that bit; refusing it leaves one encoding per key). Small order: the u-coordinates of
  /// the points whose order divides 8, on the curve or its twist — 0, 1, p − 1 and the two points
  /// of order 8 — for which every agreement is all zeros. Keys made by ``KeyAgreement/PrivateKey``
  /// always pass. The check is on public data and runs in variable time.
  public var isSafeForKeyAgreement: Bool {
    let bytes = rawRepresentation
    guard bytes.count == KeyAgreement.byteCount else { return false }
    if bytes[31] & 0x80 != 0 { return false }
    // u ≥ p exactly when the value is 2^255 − 19 ... 2^255 − 1: 0x7f, thirty 0xff, ≥ 0xed.
    if bytes[31] == 0x7f, bytes[1..<31].allSatisfy({ $0 == 0xff }), bytes[0] >= 0xed {
      return false
    }
    return !KeyAgreement.smallOrderCoordinates.contains(bytes)
  }
}

extension KeyAgreement {
  /// The canonical little-endian u-coordinates of the points of order dividing 8 on Curve25519
  /// and its twist: 0 (order 2), 1 (order 4), p − 1 (order 4, on the twist), and the two points of
  /// order 8, u = 325606250916557431795983626356110631294008115727848805560023387167927233504 and
  /// u = 39382357235489614581723060781553021112529911719440698176882885853963445705823 (the roots
  /// of x([2]P) = 1, where [2]P has order 4).
  static let smallOrderCoordinates: Set<[UInt8]> = [
    [UInt8](repeating: 0, count: 32),
    [1] + [UInt8](repeating: 0, count: 31),
    [0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f],
    [UInt8](hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800") ?? [],
    [UInt8](hex: "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157") ?? [],
  ]
}

extension KeyAgreement.PrivateKey: CustomStringConvertible {
  /// A description that never shows the key.
  public var description: String { "X25519 private key (redacted)" }
}

extension KeyAgreement.SharedSecret: CustomStringConvertible {
  /// A description that never shows the secret.
  public var description: String { "X25519 shared secret (redacted)" }
}
