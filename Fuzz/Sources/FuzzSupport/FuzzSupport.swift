// What the fuzz targets share: the fixed session configurations an input chooses from, a reader
// for the bytes of an input, and `fuzzFailure`, the trap that marks a finding.
//
// None of this is fuzzer-specific: FuzzSeeds (built without the fuzzer flags) uses the same
// configurations to write its seed corpus.

public import SecureAggregation

/// The session configurations the message decoders are fuzzed against.
///
/// The first byte of a ClientMessage or ServerMessage input picks one (modulo the count), so one
/// corpus reaches every mode, graph and modulus. They differ where decoding looks: the client
/// count (participant ids, bitmaps, per-client counts, the size limit), the vector length and the
/// modulus (the packed vector's length, bit width and range check).
public enum FuzzConfigurations {
  /// One entry of ``all``, with a name for reports.
  public struct Entry: Sendable {
    /// A short description, for the seed generator's output and the README.
    public let name: String
    /// The validated configuration.
    public let configuration: AggregationConfiguration
  }

  /// Every configuration, in the order the selector byte indexes them. Built once; a
  /// configuration that the library refuses stops the process, since every input would otherwise
  /// silently test less than it claims.
  public static let all: [Entry] = {
    func entry(
      _ name: String, clientCount: Int, vectorLength: Int, modulus: () throws -> Modulus,
      graph: AggregationConfiguration.Graph, threshold: Int? = nil,
      securityMode: AggregationConfiguration.SecurityMode, corruptedClientBound: Int
    ) -> Entry {
      do {
        let configuration = try AggregationConfiguration(
          clientCount: clientCount, vectorLength: vectorLength, modulus: try modulus(),
          graph: graph, threshold: threshold, securityMode: securityMode,
          corruptedClientBound: corruptedClientBound)
        return Entry(name: name, configuration: configuration)
      } catch {
        fatalError("fuzz configuration \(name) is refused: \(error)")
      }
    }
    return [
      entry(
        "semi-honest, complete, n = 10, m = 64, R = 2^16", clientCount: 10, vectorLength: 64,
        modulus: { try Modulus(bitWidth: 16) }, graph: .complete, securityMode: .semiHonest,
        corruptedClientBound: 0),
      entry(
        "semi-honest, Harary k = 4, n = 10, m = 64, R = 1_000_003", clientCount: 10,
        vectorLength: 64, modulus: { try Modulus(1_000_003) }, graph: .harary(degree: 4),
        securityMode: .semiHonest, corruptedClientBound: 0),
      entry(
        "active, complete, n = 10, m = 64, R = 2^32, n_C = 1", clientCount: 10, vectorLength: 64,
        modulus: { try Modulus(bitWidth: 32) }, graph: .complete, securityMode: .active,
        corruptedClientBound: 1),
      // 2t > k + n_C with k = 4, n_C = 1: t = 3.
      entry(
        "active, Harary k = 4, n = 10, m = 64, R = 1_000_003, n_C = 1, t = 3", clientCount: 10,
        vectorLength: 64, modulus: { try Modulus(1_000_003) }, graph: .harary(degree: 4),
        threshold: 3, securityMode: .active, corruptedClientBound: 1),
      entry(
        "semi-honest, complete, n = 2, m = 1, R = 3", clientCount: 2, vectorLength: 1,
        modulus: { try Modulus(3) }, graph: .complete, securityMode: .semiHonest,
        corruptedClientBound: 0),
      entry(
        "semi-honest, Harary k = 2, n = 4, m = 100, R = 2^64", clientCount: 4, vectorLength: 100,
        modulus: { try Modulus(bitWidth: 64) }, graph: .harary(degree: 2),
        securityMode: .semiHonest, corruptedClientBound: 0),
      entry(
        "active, complete, n = 3, m = 7, R = 2^61 − 1, n_C = 0", clientCount: 3, vectorLength: 7,
        modulus: { try Modulus((1 << 61) - 1) }, graph: .complete, securityMode: .active,
        corruptedClientBound: 0),
      entry(
        "semi-honest, complete, n = 10, m = 64, R = 2", clientCount: 10, vectorLength: 64,
        modulus: { try Modulus(bitWidth: 1) }, graph: .complete, securityMode: .semiHonest,
        corruptedClientBound: 0),
    ]
  }()

  /// The configuration `selector` picks.
  public static func configuration(selectedBy selector: UInt8) -> AggregationConfiguration {
    all[Int(selector) % all.count].configuration
  }

  /// The largest message any of the configurations accepts.
  public static var maximumMessageByteCount: Int {
    all.map { WireFormat.maximumMessageByteCount(for: $0.configuration) }.max() ?? 0
  }
}

/// Stops the process with `message`: libFuzzer reports the trap as a crash and saves the input.
public func fuzzFailure(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never
{
  fatalError("fuzz property failed: \(message)", file: file, line: line)
}

/// The input libFuzzer passes, as an array (empty for a null pointer).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
  guard let data, size > 0 else { return [] }
  return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Reads fixed-width fields off the front of an input; past the end it reads zeros, so every
/// input has a meaning.
public struct FuzzReader {
  /// The unread bytes.
  public private(set) var remaining: ArraySlice<UInt8>

  /// A reader of `bytes`.
  public init(_ bytes: [UInt8]) {
    remaining = bytes[...]
  }

  /// The next byte, or zero.
  public mutating func byte() -> UInt8 {
    remaining.popFirst() ?? 0
  }

  /// The next eight bytes as a little-endian integer (missing bytes are zero).
  public mutating func uint64() -> UInt64 {
    var value: UInt64 = 0
    for index in 0..<8 { value |= UInt64(byte()) << (8 * UInt64(index)) }
    return value
  }

  /// The rest of the input.
  public mutating func rest() -> [UInt8] {
    defer { remaining = [] }
    return Array(remaining)
  }
}

/// The input format of FuzzPackedVector: a header that fixes the modulus and the element count,
/// then the packed bytes. FuzzSeeds writes the same format.
///
/// - byte 0: bits 0–5 give b − 1 (b = 1...64); bit 6 set: R is read from the next eight bytes
///   (little endian), clamped into 2^(b−1)...2^b − 1 so that it needs b bits, else R = 2^b;
///   bit 7 set: the count is read from the next eight bytes as a signed integer, else it is
///   ⌊8·(bytes left) / b⌋, the most elements the rest holds.
/// - the rest: the packed elements.
public struct PackedVectorInput {
  /// The modulus R.
  public let modulus: Modulus
  /// The count passed to the decoder (may be negative or huge in explicit mode).
  public let count: Int
  /// The packed bytes.
  public let bytes: [UInt8]

  /// The header fields for `modulus` and, when `explicitCount` is set, that count.
  public static func header(modulus: Modulus, explicitCount: Int?) -> [UInt8] {
    let bitWidth = modulus.elementBitWidth
    var first = UInt8(bitWidth - 1)
    var header: [UInt8] = []
    if !modulus.isPowerOfTwo, let value = modulus.value {
      first |= 0x40
      header += (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
    if let explicitCount {
      first |= 0x80
      let raw = UInt64(bitPattern: Int64(explicitCount))
      header += (0..<8).map { UInt8(truncatingIfNeeded: raw >> (8 * UInt64($0))) }
    }
    return [first] + header
  }

  /// Parses an input; `nil` when the header names no valid modulus.
  public init?(_ input: [UInt8]) {
    var reader = FuzzReader(input)
    let first = reader.byte()
    let bitWidth = Int(first & 0x3F) + 1
    let modulus: Modulus
    do {
      if first & 0x40 != 0 {
        let top: UInt64 = 1 << UInt64(bitWidth - 1)
        let mask: UInt64 = bitWidth == 64 ? .max : (1 << UInt64(bitWidth)) - 1
        // In [2^(b−1), 2^b): b bits, or exactly 2^(b−1), which is the power of two 2^(b−1).
        modulus = try Modulus(Swift.max(reader.uint64() & mask | top, 2))
      } else {
        modulus = try Modulus(bitWidth: bitWidth)
      }
    } catch {
      return nil
    }
    if first & 0x80 != 0 {
      count = Int(Int64(bitPattern: reader.uint64()))
    } else {
      count = reader.remaining.count * 8 / modulus.elementBitWidth
    }
    self.modulus = modulus
    bytes = reader.rest()
  }
}
