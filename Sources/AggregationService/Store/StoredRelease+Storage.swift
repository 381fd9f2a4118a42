import Foundation

extension StoredRelease {
  /// The first byte of the stored form (a JSON release begins with `{`, 0x7b).
  static let storageFormatVersion: UInt8 = 1

  /// The release as the stores keep it: version 1, then the counts of the sum, the mean and the
  /// survivors as little-endian `UInt32`s, then the sum's and the mean's IEEE 754 bits and the
  /// survivors' ids, each a little-endian `UInt64`.
  ///
  /// Binary, because the release is written in the transaction that finishes the round, while
  /// its clients wait: at 10⁵ coordinates JSON took a tenth of a second to write, and its
  /// decimal text is three times the size. Every double (NaN payloads included) comes back bit
  /// for bit.
  func storageBytes() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(13 + 8 * (sum.count + mean.count + survivors.count))
    bytes.append(Self.storageFormatVersion)
    for count in [sum.count, mean.count, survivors.count] {
      Self.append(UInt64(UInt32(truncatingIfNeeded: count)), byteCount: 4, to: &bytes)
    }
    for value in sum { Self.append(value.bitPattern, byteCount: 8, to: &bytes) }
    for value in mean { Self.append(value.bitPattern, byteCount: 8, to: &bytes) }
    for id in survivors {
      Self.append(UInt64(bitPattern: Int64(id)), byteCount: 8, to: &bytes)
    }
    return bytes
  }

  /// A release from ``storageBytes()``, or from the JSON that stores written before it; `nil`
  /// for anything else (a truncated, padded or unknown form): never traps.
  init?(storageBytes bytes: [UInt8]) {
    guard let version = bytes.first else { return nil }
    guard version == Self.storageFormatVersion else {
      guard version == UInt8(ascii: "{"),
        let decoded = try? JSONDecoder().decode(StoredRelease.self, from: Data(bytes))
      else { return nil }
      self = decoded
      return
    }
    var offset = 1
    func read(_ byteCount: Int) -> UInt64? {
      guard byteCount <= bytes.count - offset else { return nil }
      var value: UInt64 = 0
      for index in 0..<byteCount {
        value |= UInt64(bytes[offset + index]) << (8 * index)
      }
      offset += byteCount
      return value
    }
    guard let sumCount = read(4).flatMap({ Int(exactly: $0) }),
      let meanCount = read(4).flatMap({ Int(exactly: $0) }),
      let survivorCount = read(4).flatMap({ Int(exactly: $0) })
    else { return nil }
    let (partial, first) = sumCount.addingReportingOverflow(meanCount)
    let (total, second) = partial.addingReportingOverflow(survivorCount)
    let (byteCount, third) = total.multipliedReportingOverflow(by: 8)
    guard !first, !second, !third, byteCount == bytes.count - offset else { return nil }
    var sum: [Double] = []
    var mean: [Double] = []
    var survivors: [Int] = []
    sum.reserveCapacity(sumCount)
    mean.reserveCapacity(meanCount)
    survivors.reserveCapacity(survivorCount)
    for _ in 0..<sumCount {
      guard let bits = read(8) else { return nil }
      sum.append(Double(bitPattern: bits))
    }
    for _ in 0..<meanCount {
      guard let bits = read(8) else { return nil }
      mean.append(Double(bitPattern: bits))
    }
    for _ in 0..<survivorCount {
      guard let bits = read(8) else { return nil }
      survivors.append(Int(Int64(bitPattern: bits)))
    }
    self.init(sum: sum, mean: mean, survivors: survivors)
  }

  private static func append(_ value: UInt64, byteCount: Int, to bytes: inout [UInt8]) {
    for index in 0..<byteCount {
      bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index)))
    }
  }
}
