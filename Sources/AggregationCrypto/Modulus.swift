/// The modulus R of the ring Z_R that masked vectors live in, for any 2 ≤ R ≤ 2^64.
///
/// Powers of two (R = 2^b, 1 ≤ b ≤ 64) are the fast, common case: reduction is a bit mask. Any
/// other R reduces with a constant-time conditional subtraction. Elements are held in `UInt64`
/// (or a narrower unsigned type when it is wide enough) with values in `0..<R`.
public struct Modulus: Sendable, Hashable {
  /// The bit width b when R = 2^b, else `nil`.
  public let powerOfTwoExponent: Int?
  /// R when R < 2^64; zero stands for 2^64.
  @usableFromInline let rawValue: UInt64
  /// R − 1, the largest element.
  public let maximumElement: UInt64

  /// R = 2^`bitWidth`.
  ///
  /// - Throws: ``AggregationCryptoError/invalidModulus(reason:)`` unless
  ///   `1 ≤ bitWidth ≤ 64`.
  public init(bitWidth: Int) throws(AggregationCryptoError) {
    guard (1...64).contains(bitWidth) else {
      throw .invalidModulus(reason: "bit width \(bitWidth) is not in 1...64")
    }
    powerOfTwoExponent = bitWidth
    rawValue = bitWidth == 64 ? 0 : UInt64(1) << bitWidth
    maximumElement = bitWidth == 64 ? .max : (UInt64(1) << bitWidth) - 1
  }

  /// R = `value` (use ``init(bitWidth:)`` with 64 for 2^64).
  ///
  /// - Throws: ``AggregationCryptoError/invalidModulus(reason:)`` when `value < 2`.
  public init(_ value: UInt64) throws(AggregationCryptoError) {
    guard value >= 2 else {
      throw .invalidModulus(reason: "R = \(value) is below 2")
    }
    if value.nonzeroBitCount == 1 {
      self = try Modulus(bitWidth: value.trailingZeroBitCount)
    } else {
      powerOfTwoExponent = nil
      rawValue = value
      maximumElement = value - 1
    }
  }

  /// Whether R is a power of two.
  public var isPowerOfTwo: Bool { powerOfTwoExponent != nil }

  /// R as a `UInt64`, or `nil` for R = 2^64.
  public var value: UInt64? { rawValue == 0 ? nil : rawValue }

  /// The number of bits an element needs: ⌈log2 R⌉.
  public var elementBitWidth: Int {
    powerOfTwoExponent ?? (64 - maximumElement.leadingZeroBitCount)
  }

  /// Whether `element` lies in `0..<R`.
  @inlinable
  public func contains(_ element: UInt64) -> Bool { element <= maximumElement }

  /// (a + b) mod R for a, b in `0..<R`, without a data-dependent branch.
  @inlinable
  public func add(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
    if powerOfTwoExponent != nil {  // public property of the modulus, not of the data
      return (lhs &+ rhs) & maximumElement
    }
    let (sum, carry) = lhs.addingReportingOverflow(rhs)
    let (reduced, borrow) = sum.subtractingReportingOverflow(rawValue)
    // Keep `reduced` when the sum overflowed 64 bits or was at least R.
    let keepReduced = ConstantTime.mask(carry) | ~ConstantTime.mask(borrow)
    return (reduced & keepReduced) | (sum & ~keepReduced)
  }

  /// (a − b) mod R for a, b in `0..<R`, without a data-dependent branch.
  @inlinable
  public func subtract(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
    if powerOfTwoExponent != nil {
      return (lhs &- rhs) & maximumElement
    }
    let (difference, borrow) = lhs.subtractingReportingOverflow(rhs)
    return ConstantTime.select(borrow, difference &+ rawValue, difference)
  }

  /// (−a) mod R for a in `0..<R`.
  @inlinable
  public func negate(_ element: UInt64) -> UInt64 { subtract(0, element) }
}

extension Modulus: CustomStringConvertible {
  /// `2^b` for powers of two, else the decimal value.
  public var description: String {
    if let exponent = powerOfTwoExponent { return "2^\(exponent)" }
    return "\(rawValue)"
  }
}
