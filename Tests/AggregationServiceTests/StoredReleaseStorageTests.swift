import Foundation
import Testing

@testable import AggregationService

/// The stored form of a release: exact, readable from the JSON that earlier stores wrote, and
/// refused (never trapped on) when damaged.
@Suite struct StoredReleaseStorageTests {
  static let release = StoredRelease(
    sum: [
      0, -0.0, 1.5, -3e300, .infinity, -.infinity, Double(nan: 0x1234, signaling: false),
      .leastNonzeroMagnitude,
    ],
    mean: [0.25, .pi], survivors: [1, 2, 7, 65_535])

  static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

  /// Every double comes back bit for bit (signed zero, infinities, a NaN payload, a subnormal),
  /// and the layout is the documented one: version 1, three little-endian `UInt32` counts, then
  /// 8 bytes per value.
  @Test func roundTripsBitForBit() throws {
    let bytes = Self.release.storageBytes()
    #expect(bytes.count == 1 + 12 + 8 * (8 + 2 + 4))
    #expect(Array(bytes.prefix(13)) == [1, 8, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0])
    // The first value of the mean, 0.25 = 0x3FD0000000000000, little-endian after the sum.
    let meanStart = 13 + 8 * 8
    #expect(Array(bytes[meanStart..<(meanStart + 8)]) == [0, 0, 0, 0, 0, 0, 0xd0, 0x3f])
    let decoded = try #require(StoredRelease(storageBytes: bytes))
    #expect(Self.bits(decoded.sum) == Self.bits(Self.release.sum))
    #expect(Self.bits(decoded.mean) == Self.bits(Self.release.mean))
    #expect(decoded.survivors == Self.release.survivors)
    let empty = StoredRelease(sum: [], mean: [], survivors: [])
    #expect(StoredRelease(storageBytes: empty.storageBytes()) == empty)
  }

  /// A release stored as JSON (before the binary form) still reads.
  @Test func readsTheEarlierJSONForm() throws {
    let finite = StoredRelease(sum: [1, -2.5], mean: [0.5, -1.25], survivors: [3, 4])
    let json = Array(try JSONEncoder().encode(finite))
    #expect(StoredRelease(storageBytes: json) == finite)
  }

  /// Every truncation, any extra byte, another version, counts that claim more than is there,
  /// and broken JSON are refused.
  @Test func refusesDamagedForms() {
    let bytes = Self.release.storageBytes()
    for length in 0..<bytes.count {
      #expect(StoredRelease(storageBytes: Array(bytes.prefix(length))) == nil, "length \(length)")
    }
    #expect(StoredRelease(storageBytes: bytes + [0]) == nil)
    #expect(StoredRelease(storageBytes: [2] + bytes.dropFirst()) == nil)
    #expect(
      StoredRelease(storageBytes: [1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]) == nil)
    #expect(StoredRelease(storageBytes: Array("{\"sum\":[1]".utf8)) == nil)
  }
}
