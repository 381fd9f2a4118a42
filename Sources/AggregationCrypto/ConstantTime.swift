internal import CSodium

/// Comparisons and selections whose running time does not depend on secret values.
public enum ConstantTime {
  /// Whether two byte buffers are equal, in time that depends only on their lengths.
  ///
  /// Buffers of different lengths compare unequal at once (lengths are public).
  public static func isEqual(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
    guard lhs.count == rhs.count else { return false }
    guard let left = lhs.baseAddress, let right = rhs.baseAddress, lhs.count > 0 else {
      return true
    }
    return sodium_memcmp(left, right, lhs.count) == 0
  }

  /// Whether two byte arrays are equal, in time that depends only on their lengths.
  public static func isEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in isEqual(left, right) } }
  }

  /// An all-ones mask when `condition` is true and zero otherwise, without a branch.
  @inlinable
  public static func mask(_ condition: Bool) -> UInt64 {
    0 &- UInt64(unsafeBitCast(condition, to: UInt8.self))
  }

  /// `ifTrue` when `condition` is true, else `ifFalse`, chosen without a branch.
  @inlinable
  public static func select(_ condition: Bool, _ ifTrue: UInt64, _ ifFalse: UInt64) -> UInt64 {
    let mask = mask(condition)
    return (ifTrue & mask) | (ifFalse & ~mask)
  }

  /// An all-ones mask when `value` is nonzero and zero otherwise, without a branch.
  @inlinable
  public static func nonzeroMask(_ value: UInt64) -> UInt64 {
    // (v | -v) has its top bit set exactly when v ≠ 0.
    0 &- ((value | (0 &- value)) >> 63)
  }
}
