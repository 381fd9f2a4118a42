/// Moving integer vectors into Z_{2^b} (for secure aggregation) and back to centred integers.
///
/// A sum that stays within [−2^(b−1), 2^(b−1)) survives the round trip exactly; anything larger
/// wraps around, which is why the bit width must leave headroom for n clients and the noise.
public enum ModularClipping {
  /// Each value reduced modulo 2^`bitWidth` (two's complement wrap), in 0..<2^b.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` unless
  ///   1 ≤ bitWidth ≤ 64.
  public static func wrap(_ values: [Int64], bitWidth: Int) throws(DifferentialPrivacyError)
    -> [UInt64]
  {
    let mask = try self.mask(bitWidth: bitWidth)
    return values.map { UInt64(bitPattern: $0) & mask }
  }

  /// Each value of Z_{2^b} as the centred integer in [−2^(b−1), 2^(b−1)) congruent to it.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` unless
  ///   1 ≤ bitWidth ≤ 64.
  public static func centred(_ values: [UInt64], bitWidth: Int) throws(DifferentialPrivacyError)
    -> [Int64]
  {
    let mask = try self.mask(bitWidth: bitWidth)
    let half = bitWidth == 64 ? UInt64(1) << 63 : UInt64(1) << UInt64(bitWidth - 1)
    return values.map { raw in
      let value = raw & mask
      // Values at or above 2^(b−1) stand for value − 2^b: sign-extend from bit b − 1.
      return Int64(bitPattern: value >= half ? value | ~mask : value)
    }
  }

  private static func mask(bitWidth: Int) throws(DifferentialPrivacyError) -> UInt64 {
    guard (1...64).contains(bitWidth) else {
      throw .invalidParameter(name: "bitWidth", value: "\(bitWidth)", expected: "1...64")
    }
    return bitWidth == 64 ? .max : (UInt64(1) << UInt64(bitWidth)) - 1
  }
}
