public import AggregationCrypto

/// One party's share of a secret split by ``ShamirSecretSharing``.
///
/// The share's values are secret (any `threshold` of them rebuild the secret), so they live in
/// ``SecureBytes`` and never appear in `description`. The id and the secret's length are public.
public struct SecretShare: Sendable, Equatable {
  /// The share's point x (nonzero): the recipient's id.
  public let id: UInt16
  /// The length in bytes of the secret this share belongs to.
  public let secretByteCount: Int
  /// The evaluations f_c(id), one field element per 7-byte chunk of the secret, as little-endian
  /// 8-byte words.
  let values: SecureBytes

  /// The number of bytes of the serialized header: id (2) and secret length (4), big endian.
  static let headerByteCount = 6

  init(id: UInt16, secretByteCount: Int, values: SecureBytes) {
    self.id = id
    self.secretByteCount = secretByteCount
    self.values = values
  }

  /// The number of field elements in the share.
  var elementCount: Int { values.count / 8 }

  /// The field element for chunk `index`.
  func element(_ index: Int) -> UInt64 {
    values.withUnsafeBytes {
      UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
    }
  }

  /// The share as bytes for transport: id (2 bytes) ‖ secret length (4 bytes) ‖ elements
  /// (8 bytes each, little endian), all in wiping storage. Encrypt it before it leaves the client.
  public var serialized: SecureBytes {
    var header = [UInt8](repeating: 0, count: Self.headerByteCount)
    header[0] = UInt8(truncatingIfNeeded: id >> 8)
    header[1] = UInt8(truncatingIfNeeded: id)
    for index in 0..<4 {
      header[2 + index] = UInt8(truncatingIfNeeded: UInt32(secretByteCount) >> (24 - 8 * index))
    }
    return SecureBytes(header).appending(values)
  }

  /// Parses a share from ``serialized`` bytes, checking every field.
  ///
  /// - Throws: ``SecureAggregationError/malformedShare(reason:)`` when the length does not match
  ///   the secret length, an element is not below p = 2^61 − 1, or the length is zero; and
  ///   ``SecureAggregationError/zeroShareID`` for id 0.
  public init(serialized bytes: SecureBytes) throws(SecureAggregationError) {
    guard bytes.count >= Self.headerByteCount else {
      throw .malformedShare(
        reason: "\(bytes.count) bytes is shorter than the \(Self.headerByteCount)-byte header")
    }
    let (id, length) = bytes.withUnsafeBytes { raw in
      let id = UInt16(raw[0]) << 8 | UInt16(raw[1])
      var length = 0
      for index in 2..<6 { length = length << 8 | Int(raw[index]) }
      return (id, length)
    }
    guard id != 0 else { throw .zeroShareID }
    guard (1...ShamirSecretSharing.maximumSecretByteCount).contains(length) else {
      throw .malformedShare(
        reason:
          "secret length \(length) is outside 1...\(ShamirSecretSharing.maximumSecretByteCount)")
    }
    let expected =
      Self.headerByteCount + 8 * ShamirSecretSharing.chunkCount(forSecretByteCount: length)
    guard bytes.count == expected else {
      throw .malformedShare(
        reason: "a share of a \(length)-byte secret has \(expected) bytes, got \(bytes.count)")
    }
    let values = bytes.extracting(Self.headerByteCount..<bytes.count)
    // Check every element is below p without branching on any one element's value.
    let outOfRange = values.withUnsafeBytes { raw in
      var flags: UInt64 = 0
      for index in 0..<(raw.count / 8) {
        let element = UInt64(
          littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        // Nonzero exactly when element ≥ 2^61 − 1 = p.
        flags |= (element >> 61) | ((element &+ 1) >> 61)
      }
      return flags
    }
    guard outOfRange == 0 else {
      throw .malformedShare(reason: "an element is not below the field prime 2^61 − 1")
    }
    self.init(id: id, secretByteCount: length, values: values)
  }
}

extension SecretShare: CustomStringConvertible {
  /// The public facts only: id and secret length.
  public var description: String {
    "SecretShare(id: \(id), secret: \(secretByteCount) bytes, value redacted)"
  }
}
