/// A client's id within one aggregation: 1...65535, the x-coordinate of the Shamir shares it
/// receives. Zero is never an id (it is where shared secrets sit).
public struct ParticipantID: RawRepresentable, Hashable, Comparable, Sendable {
  /// The id as a number, 1...65535.
  public let rawValue: UInt16

  /// The id `rawValue`, or `nil` for zero.
  public init?(rawValue: UInt16) {
    guard rawValue != 0 else { return nil }
    self.rawValue = rawValue
  }

  /// The id `value`, or `nil` unless `1 ≤ value ≤ 65535`.
  public init?(_ value: Int) {
    guard let raw = UInt16(exactly: value), raw != 0 else { return nil }
    rawValue = raw
  }

  /// Orders ids by number.
  public static func < (lhs: ParticipantID, rhs: ParticipantID) -> Bool {
    lhs.rawValue < rhs.rawValue
  }

  /// The largest number of participants in one aggregation.
  public static let maximumCount = Int(UInt16.max)

  /// The id as an `Int`.
  public var index: Int { Int(rawValue) }

  /// The id as two big-endian bytes, for key-derivation contexts and associated data.
  public var bytes: [UInt8] {
    [UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue)]
  }
}

extension ParticipantID: CustomStringConvertible {
  /// The id's number.
  public var description: String { "\(rawValue)" }
}
