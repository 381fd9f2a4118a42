import AggregationCrypto
import GRPCCore

/// Bearer credentials: how they are made, hashed, read from a call's metadata and checked.
///
/// A client's token is `PARTICIPANT.SECRET`, with 32 random bytes as hexadecimal for `SECRET`;
/// the participant id in front is public and only says which stored hash to compare with. The
/// store keeps the SHA-256 of the whole token, never the token, and every comparison is
/// constant-time.
enum Credentials {
  /// The metadata key of the bearer token.
  static let metadataKey = "authorization"

  /// A fresh token for `participant` and its hash.
  static func makeToken(participant: Int) -> (token: String, hash: [UInt8]) {
    let secret = SecureBytes(randomCount: 32).unprotectedArray.hexString
    let token = "\(participant).\(secret)"
    return (token, hash(token))
  }

  /// The SHA-256 of a token's UTF-8 bytes.
  static func hash(_ token: String) -> [UInt8] {
    SHA256.hash(Array(token.utf8))
  }

  /// The participant a client token names, when it has the form `PARTICIPANT.SECRET` with
  /// `PARTICIPANT` in 1...65535; `nil` otherwise (the token is then refused).
  static func participant(in token: String) -> Int? {
    guard let dot = token.firstIndex(of: "."), dot != token.startIndex else { return nil }
    let digits = token[..<dot]
    guard digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
      let participant = Int(digits), (1...Int(UInt16.max)).contains(participant)
    else { return nil }
    return participant
  }

  /// The bearer token of a call: the one `authorization: Bearer TOKEN` value; `nil` when there
  /// is none, several, or another scheme.
  static func bearerToken(in metadata: Metadata) -> String? {
    var found: String?
    for value in metadata[stringValues: metadataKey] {
      guard found == nil else { return nil }
      found = value
    }
    guard let value = found, value.hasPrefix("Bearer ") else { return nil }
    let token = String(value.dropFirst("Bearer ".count))
    guard !token.isEmpty, token.utf8.count <= 1024 else { return nil }
    return token
  }

  /// Whether `token` hashes to `expectedHash`, compared in constant time.
  static func matches(_ token: String, hash expectedHash: [UInt8]) -> Bool {
    ConstantTime.isEqual(hash(token), expectedHash)
  }

  /// Metadata that carries `token`.
  static func metadata(bearer token: String) -> Metadata {
    var metadata = Metadata()
    metadata.addString("Bearer \(token)", forKey: metadataKey)
    return metadata
  }
}
