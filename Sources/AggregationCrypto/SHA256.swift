internal import CSodium

/// SHA-256 (FIPS 180-4), on libsodium's `crypto_hash_sha256`, for hashing public data such as
/// session transcripts.
public enum SHA256 {
  /// The digest length in bytes.
  public static let byteCount = 32

  /// The SHA-256 digest of `prefix` followed by `secret`, read in place from its wiping storage
  /// (for commitments to secrets: nothing secret is copied out).
  package static func hash(prefix: [UInt8], secret: SecureBytes) -> [UInt8] {
    Sodium.initialize()
    var state = crypto_hash_sha256_state()
    _ = crypto_hash_sha256_init(&state)
    _ = crypto_hash_sha256_update(&state, prefix, UInt64(prefix.count))
    secret.withUInt8Pointer { _ = crypto_hash_sha256_update(&state, $0, UInt64(secret.count)) }
    var digest = [UInt8](repeating: 0, count: byteCount)
    _ = crypto_hash_sha256_final(&state, &digest)
    withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) }
    return digest
  }

  /// The SHA-256 digest of the concatenation of `parts`.
  public static func hash(concatenating parts: [[UInt8]]) -> [UInt8] {
    Sodium.initialize()
    var state = crypto_hash_sha256_state()
    _ = crypto_hash_sha256_init(&state)
    for part in parts where !part.isEmpty {
      _ = crypto_hash_sha256_update(&state, part, UInt64(part.count))
    }
    var digest = [UInt8](repeating: 0, count: byteCount)
    _ = crypto_hash_sha256_final(&state, &digest)
    return digest
  }

  /// The SHA-256 digest of `bytes`.
  public static func hash(_ bytes: [UInt8]) -> [UInt8] {
    hash(concatenating: [bytes])
  }
}
