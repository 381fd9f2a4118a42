/// The id of one aggregation session: SHA-256 of the configuration and a nonce the server
/// announces before round 0.
///
/// Every derived key, every encrypted share's associated data and every message carries it, so
/// nothing from one session can be replayed in another. The neighbour graph of SecAgg+ is also
/// derived from it: the server fixes the nonce before any client key exists, so it cannot choose
/// the graph after seeing the keys.
public struct SessionID: Hashable, Sendable {
  /// The id's length in bytes.
  public static let byteCount = 32
  /// The announced nonce's length in bytes.
  public static let nonceByteCount = 32

  /// The 32 bytes of the id.
  public let bytes: [UInt8]

  /// The id of the session with `configuration` and the server's `nonce`.
  ///
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` when the nonce is
  ///   not 32 bytes.
  public init(configuration: AggregationConfiguration, nonce: [UInt8])
    throws(SecureAggregationError)
  {
    guard nonce.count == Self.nonceByteCount else {
      throw .invalidParameter(
        name: "session nonce", value: "\(nonce.count) bytes",
        expected: "\(Self.nonceByteCount) bytes")
    }
    var encoder = LengthPrefixedEncoder()
    encoder.append(Array("\(KeyDerivationContext.libraryLabel)/session-id".utf8))
    encoder.append(configuration.encoded)
    encoder.append(nonce)
    bytes = SHA256.hash(encoder.bytes)
  }

  /// A session id received from elsewhere.
  ///
  /// - Throws: ``SecureAggregationError/invalidMessage(reason:)`` unless exactly 32 bytes.
  public init(bytes: [UInt8]) throws(SecureAggregationError) {
    guard bytes.count == Self.byteCount else {
      throw .invalidMessage(
        reason: "a session id of \(bytes.count) bytes; expected \(Self.byteCount)")
    }
    self.bytes = bytes
  }

  /// The public seed of the session's neighbour graph.
  var graphSeed: [UInt8] {
    SHA256.hash(concatenating: [Array("\(KeyDerivationContext.libraryLabel)/graph".utf8), bytes])
  }
}

extension SessionID: CustomStringConvertible {
  /// The first eight bytes in hexadecimal.
  public var description: String { Array(bytes.prefix(8)).hexString }
}
