internal import CSodium

/// HMAC-SHA256 (RFC 2104, FIPS 198-1), on libsodium's `crypto_auth_hmacsha256`.
public enum HMACSHA256 {
  /// The tag length in bytes.
  public static let byteCount = 32

  /// The HMAC-SHA256 tag of `message` under `key` (any key length).
  public static func authenticationCode(for message: SecureBytes, key: SecureBytes) -> SecureBytes {
    message.withUnsafeBytes { messageBytes in
      authenticationCode(for: [messageBytes], key: key)
    }
  }

  /// The HMAC-SHA256 tag of the concatenation of `parts` under `key`.
  static func authenticationCode(for parts: [UnsafeRawBufferPointer], key: SecureBytes)
    -> SecureBytes
  {
    Sodium.initialize()
    var tag = SecureBytes(zeroedCount: byteCount)
    var state = crypto_auth_hmacsha256_state()
    defer { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) } }
    key.withUInt8Pointer { keyBytes in
      _ = crypto_auth_hmacsha256_init(&state, keyBytes, key.count)
    }
    for part in parts {
      guard let base = part.baseAddress, part.count > 0 else { continue }
      _ = crypto_auth_hmacsha256_update(
        &state, base.assumingMemoryBound(to: UInt8.self), UInt64(part.count))
    }
    tag.withMutableUInt8Pointer { out in
      _ = crypto_auth_hmacsha256_final(&state, out)
    }
    return tag
  }
}

/// HKDF with SHA-256 (RFC 5869), built on ``HMACSHA256``.
///
/// libsodium 1.0.18 has no `crypto_kdf_hkdf_*`, so extract and expand are written here on HMAC.
public enum HKDF {
  /// The largest output one expansion can give: 255 blocks of 32 bytes.
  public static let maximumOutputByteCount = 255 * HMACSHA256.byteCount

  /// HKDF-Extract: a pseudorandom key from input keying material and a salt (RFC 5869 §2.2).
  ///
  /// An empty salt stands for 32 zero bytes, as the RFC specifies.
  public static func extract(inputKeyMaterial: SecureBytes, salt: [UInt8]) -> SecureBytes {
    let saltKey = salt.isEmpty ? SecureBytes(zeroedCount: HMACSHA256.byteCount) : SecureBytes(salt)
    return HMACSHA256.authenticationCode(for: inputKeyMaterial, key: saltKey)
  }

  /// HKDF-Expand: `outputByteCount` bytes from a pseudorandom key and `info` (RFC 5869 §2.3).
  ///
  /// - Throws: ``AggregationCryptoError/outputLengthOutOfRange(parameter:requested:maximum:)``
  ///   unless `1 ≤ outputByteCount ≤ 8160`.
  public static func expand(
    pseudoRandomKey: SecureBytes, info: [UInt8], outputByteCount: Int
  ) throws(AggregationCryptoError) -> SecureBytes {
    guard outputByteCount >= 1, outputByteCount <= maximumOutputByteCount else {
      throw .outputLengthOutOfRange(
        parameter: "outputByteCount", requested: outputByteCount, maximum: maximumOutputByteCount)
    }
    var output = SecureBytes(zeroedCount: outputByteCount)
    var previous = SecureBytes(zeroedCount: 0)
    var written = 0
    var counter: UInt8 = 1
    while written < outputByteCount {
      var counterByte = counter
      let block = previous.withUnsafeBytes { previousBytes in
        info.withUnsafeBytes { infoBytes in
          withUnsafeBytes(of: &counterByte) { counterBytes in
            HMACSHA256.authenticationCode(
              for: [previousBytes, infoBytes, counterBytes], key: pseudoRandomKey)
          }
        }
      }
      let take = min(HMACSHA256.byteCount, outputByteCount - written)
      output.withUnsafeMutableBytes { out in
        block.withUnsafeBytes { blockBytes in
          UnsafeMutableRawBufferPointer(rebasing: out[written..<(written + take)])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: blockBytes[0..<take]))
        }
      }
      written += take
      previous = block
      counter &+= 1
    }
    return output
  }

  /// Extract then expand (RFC 5869 §2).
  public static func deriveKey(
    inputKeyMaterial: SecureBytes, salt: [UInt8], info: [UInt8], outputByteCount: Int
  ) throws(AggregationCryptoError) -> SecureBytes {
    let pseudoRandomKey = extract(inputKeyMaterial: inputKeyMaterial, salt: salt)
    return try expand(
      pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: outputByteCount)
  }
}

/// The domain-separation context of one key derivation: a purpose label and the public values the
/// key is bound to (session, party ids, public keys).
///
/// Its encoding, used as HKDF's `info`, is injective: a fixed library prefix, then the purpose and
/// each field, each preceded by its length as four big-endian bytes. Two different contexts can
/// never produce the same `info`, so keys derived for one purpose never equal keys for another.
public struct KeyDerivationContext: Sendable, Hashable {
  /// The label every derivation in this library starts with.
  public static let libraryLabel = "swift-private-aggregation/v1"

  /// What the key is for, such as `"pairwise-mask"` or `"share-encryption"`.
  public let purpose: String
  /// The public values the key is bound to, in a fixed order.
  public let fields: [[UInt8]]

  /// Creates a context for `purpose`, bound to `fields`.
  public init(purpose: String, fields: [[UInt8]] = []) {
    self.purpose = purpose
    self.fields = fields
  }

  /// The injective encoding used as HKDF `info`.
  public var encoded: [UInt8] {
    var encoder = LengthPrefixedEncoder()
    encoder.append(Array(Self.libraryLabel.utf8))
    encoder.append(Array(purpose.utf8))
    for field in fields { encoder.append(field) }
    return encoder.bytes
  }
}

/// Builds injective byte encodings: each field is preceded by its length (four bytes, big endian).
package struct LengthPrefixedEncoder: Sendable {
  /// The encoding so far.
  package private(set) var bytes: [UInt8] = []

  /// An empty encoding.
  package init() {}

  /// Appends one length-prefixed field.
  package mutating func append(_ field: [UInt8]) {
    let length = UInt32(truncatingIfNeeded: field.count)
    bytes.append(contentsOf: [
      UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
      UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
    ])
    bytes.append(contentsOf: field)
  }

  /// Appends a 64-bit integer as an eight-byte field.
  package mutating func append(_ value: UInt64) {
    append((0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
  }
}

extension SymmetricKey {
  /// A key derived from `secret` with HKDF-SHA256 for the purpose and bindings in `context`.
  ///
  /// - Parameters:
  ///   - secret: Input keying material (a shared secret or a seed).
  ///   - salt: The HKDF salt; empty by default (RFC 5869 then uses 32 zero bytes).
  ///   - context: What the key is for and what it is bound to.
  ///   - byteCount: The key length; 32 by default.
  public convenience init(
    derivedFrom secret: SecureBytes, salt: [UInt8] = [], context: KeyDerivationContext,
    byteCount: Int = 32
  ) throws(AggregationCryptoError) {
    let bytes = try HKDF.deriveKey(
      inputKeyMaterial: secret, salt: salt, info: context.encoded, outputByteCount: byteCount)
    self.init(bytes: bytes)
  }
}
