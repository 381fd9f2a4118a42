/// An unsigned 128-bit integer as two 64-bit halves: the few operations the exact samplers need.
///
/// The standard library's `UInt128` needs macOS 15 / iOS 18; this type needs nothing, and every
/// operation here is checked or provably in range, so none can trap.
struct Wide128: Comparable, Hashable, Sendable {
  /// The upper 64 bits.
  var high: UInt64
  /// The lower 64 bits.
  var low: UInt64

  init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  init(_ value: UInt64) {
    high = 0
    low = value
  }

  /// The full 128-bit product of two 64-bit values.
  static func product(_ lhs: UInt64, _ rhs: UInt64) -> Wide128 {
    let (high, low) = lhs.multipliedFullWidth(by: rhs)
    return Wide128(high: high, low: low)
  }

  static func < (lhs: Wide128, rhs: Wide128) -> Bool {
    lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
  }

  var isZero: Bool { high == 0 && low == 0 }

  /// The number of significant bits (0 for zero).
  var bitWidth: Int {
    high != 0 ? 128 - high.leadingZeroBitCount : 64 - low.leadingZeroBitCount
  }

  /// `self − other`; the caller guarantees `self ≥ other`.
  func subtracting(_ other: Wide128) -> Wide128 {
    let (low, borrow) = low.subtractingReportingOverflow(other.low)
    return Wide128(high: high &- other.high &- (borrow ? 1 : 0), low: low)
  }

  /// `|self − other|`.
  func distance(to other: Wide128) -> Wide128 {
    self < other ? other.subtracting(self) : subtracting(other)
  }
}

/// Exact `⌊x·u·v / (d₁·d₂)⌋` or `⌈x·u·v / (d₁·d₂)⌉` through a 192-bit intermediate, or `nil` when
/// a divisor is zero or the result does not fit in 64 bits.
///
/// Used when building the Poisson tables, where the products of a table entry and a ratio's
/// parts can exceed 128 bits.
func scaledQuotient(
  _ x: UInt64, times u: UInt64, _ v: UInt64, dividedBy d1: UInt64, _ d2: UInt64,
  roundingUp: Bool
) -> UInt64? {
  guard d1 != 0, d2 != 0 else { return nil }
  // x·u·v as three 64-bit limbs, most significant first.
  let (xuHigh, xuLow) = x.multipliedFullWidth(by: u)
  let (lowProductHigh, limb0) = xuLow.multipliedFullWidth(by: v)
  let (highProductHigh, highProductLow) = xuHigh.multipliedFullWidth(by: v)
  let (limb1, carry) = lowProductHigh.addingReportingOverflow(highProductLow)
  // No overflow: x·u·v < 2^192, so the top limb absorbs the carry.
  let limb2 = highProductHigh &+ (carry ? 1 : 0)
  var limbs = (limb2, limb1, limb0)
  // ⌈⌈y/d₁⌉/d₂⌉ = ⌈y/(d₁d₂)⌉ and likewise for ⌊·⌋, so rounding at each step is exact.
  divide(&limbs, by: d1, roundingUp: roundingUp)
  divide(&limbs, by: d2, roundingUp: roundingUp)
  guard limbs.0 == 0, limbs.1 == 0 else { return nil }
  return limbs.2
}

/// Divides a 192-bit value (most significant limb first) in place by a nonzero 64-bit divisor,
/// rounding down or up.
private func divide(
  _ limbs: inout (UInt64, UInt64, UInt64), by divisor: UInt64, roundingUp: Bool
) {
  let (quotient2, remainder2) = limbs.0.quotientAndRemainder(dividingBy: divisor)
  let (quotient1, remainder1) = divisor.dividingFullWidth((remainder2, limbs.1))
  let (quotient0, remainder0) = divisor.dividingFullWidth((remainder1, limbs.2))
  limbs = (quotient2, quotient1, quotient0)
  guard roundingUp && remainder0 != 0 else { return }
  let (sum0, carry0) = limbs.2.addingReportingOverflow(1)
  let (sum1, carry1) = limbs.1.addingReportingOverflow(carry0 ? 1 : 0)
  // The top limb cannot overflow: with a remainder, the divisor is at least 2.
  limbs = (limbs.0 &+ (carry1 ? 1 : 0), sum1, sum0)
}

/// `⌊√value⌋`, exactly.
func integerSquareRoot(_ value: UInt64) -> UInt64 {
  // A floating-point first guess, corrected with exact integer comparisons.
  var root = UInt64(Double(value).squareRoot())
  while root > 0 {
    let (square, overflow) = root.multipliedReportingOverflow(by: root)
    if !overflow && square <= value { break }
    root -= 1
  }
  while true {
    let next = root + 1
    let (square, overflow) = next.multipliedReportingOverflow(by: next)
    if overflow || square > value { break }
    root = next
  }
  return root
}

/// The greatest common divisor of two unsigned integers (`gcd(0, 0) = 0`).
func greatestCommonDivisor(_ a: UInt64, _ b: UInt64) -> UInt64 {
  var (x, y) = (a, b)
  while y != 0 { (x, y) = (y, x % y) }
  return x
}
