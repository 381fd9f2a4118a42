/// A minimal arbitrary-precision unsigned integer for the samplers' rare exact paths.
///
/// The fast paths of the samplers decide almost every draw with 64- or 128-bit integers. When
/// they cannot (a table bound too loose to decide, a proposal far in a tail, a product that no
/// longer fits in 128 bits), the decision falls back to this type, so that every decision stays
/// exact whatever the operands' size. It holds only what those paths need: products, shifts,
/// subtraction, comparison and uniform draws below a bound. It is variable-time and allocates.
struct BigUInt: Comparable, Hashable, Sendable {
  /// Little-endian 64-bit limbs without trailing zeros; zero has no limbs.
  private(set) var limbs: [UInt64]

  init(_ value: UInt64) {
    limbs = value == 0 ? [] : [value]
  }

  init(_ value: Wide128) {
    limbs = [value.low, value.high]
    normalize()
  }

  private init(limbs: [UInt64]) {
    self.limbs = limbs
    normalize()
  }

  private mutating func normalize() {
    while let last = limbs.last, last == 0 { limbs.removeLast() }
  }

  var isZero: Bool { limbs.isEmpty }

  /// The number of significant bits (0 for zero).
  var bitWidth: Int {
    guard let last = limbs.last else { return 0 }
    return limbs.count * 64 - last.leadingZeroBitCount
  }

  /// The value as a 128-bit integer, or `nil` when it needs more than 128 bits.
  var wide128: Wide128? {
    switch limbs.count {
    case 0: return Wide128(0)
    case 1: return Wide128(limbs[0])
    case 2: return Wide128(high: limbs[1], low: limbs[0])
    default: return nil
    }
  }

  /// Multiplies in place by a 64-bit factor.
  mutating func multiply(by factor: UInt64) {
    guard factor != 1 else { return }
    guard factor != 0 else {
      limbs = []
      return
    }
    var carry: UInt64 = 0
    for index in limbs.indices {
      let (high, low) = limbs[index].multipliedFullWidth(by: factor)
      let (sum, overflow) = low.addingReportingOverflow(carry)
      limbs[index] = sum
      carry = high &+ (overflow ? 1 : 0)  // high ≤ 2^64 − 2, so no wrap
    }
    if carry != 0 { limbs.append(carry) }
  }

  /// Multiplies in place by every factor of `factors`, gathering small factors into one word
  /// before each multi-limb multiplication.
  mutating func multiply(byEach factors: some Sequence<UInt64>) {
    var gathered: UInt64 = 1
    for factor in factors {
      let (product, overflow) = gathered.multipliedReportingOverflow(by: factor)
      if overflow {
        multiply(by: gathered)
        gathered = factor
      } else {
        gathered = product
      }
    }
    multiply(by: gathered)
  }

  /// The product of two values (schoolbook).
  static func * (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
    guard !lhs.isZero, !rhs.isZero else { return BigUInt(0) }
    var result = [UInt64](repeating: 0, count: lhs.limbs.count + rhs.limbs.count)
    for (i, left) in lhs.limbs.enumerated() {
      var carry: UInt64 = 0
      for (j, right) in rhs.limbs.enumerated() {
        let (high, low) = left.multipliedFullWidth(by: right)
        let (sum1, overflow1) = low.addingReportingOverflow(result[i + j])
        let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
        result[i + j] = sum2
        // high ≤ 2^64 − 2, so adding two carry bits cannot wrap.
        carry = high &+ (overflow1 ? 1 : 0) &+ (overflow2 ? 1 : 0)
      }
      result[i + rhs.limbs.count] = carry
    }
    return BigUInt(limbs: result)
  }

  /// Multiplies in place by `2^bits`.
  mutating func shiftLeft(by bits: Int) {
    guard !isZero, bits > 0 else { return }
    let wordShift = bits / 64
    let bitShift = bits % 64
    if bitShift != 0 {
      var carry: UInt64 = 0
      for index in limbs.indices {
        let limb = limbs[index]
        limbs[index] = (limb << UInt64(bitShift)) | carry
        carry = limb >> UInt64(64 - bitShift)
      }
      if carry != 0 { limbs.append(carry) }
    }
    if wordShift > 0 {
      limbs.insert(contentsOf: repeatElement(0, count: wordShift), at: 0)
    }
  }

  /// Subtracts `other` in place; the caller guarantees `self ≥ other`.
  mutating func subtract(_ other: BigUInt) {
    var borrow = false
    for index in limbs.indices {
      let subtrahend = index < other.limbs.count ? other.limbs[index] : 0
      if subtrahend == 0 && !borrow { continue }
      let (difference1, overflow1) = limbs[index].subtractingReportingOverflow(subtrahend)
      let (difference2, overflow2) = difference1.subtractingReportingOverflow(borrow ? 1 : 0)
      limbs[index] = difference2
      borrow = overflow1 || overflow2
    }
    normalize()
  }

  static func < (lhs: BigUInt, rhs: BigUInt) -> Bool {
    if lhs.limbs.count != rhs.limbs.count { return lhs.limbs.count < rhs.limbs.count }
    for index in lhs.limbs.indices.reversed() where lhs.limbs[index] != rhs.limbs[index] {
      return lhs.limbs[index] < rhs.limbs[index]
    }
    return false
  }

  /// A uniformly random value in `0..<bound` (`bound > 0`), by rejection: draw as many random
  /// bits as `bound − 1` has and retry when the value is not below `bound` (fewer than two
  /// tries on average).
  static func uniform(
    below bound: BigUInt, using source: inout RandomBitSource
  ) -> BigUInt {
    let bitWidth = bound.bitWidth
    let limbCount = (bitWidth + 63) / 64
    let topBits = bitWidth - (limbCount - 1) * 64
    let topMask: UInt64 = topBits == 64 ? .max : (1 << UInt64(topBits)) - 1
    while true {
      var limbs = [UInt64](repeating: 0, count: limbCount)
      for index in limbs.indices { limbs[index] = source.nextWord() }
      if limbCount > 0 { limbs[limbCount - 1] &= topMask }
      let candidate = BigUInt(limbs: limbs)
      if candidate < bound { return candidate }
    }
  }

  /// `true` with probability exactly `numerator / denominator` (`numerator ≤ denominator`,
  /// `denominator > 0`).
  static func bernoulli(
    _ numerator: BigUInt, over denominator: BigUInt, using source: inout RandomBitSource
  ) -> Bool {
    guard !numerator.isZero else { return false }
    return uniform(below: denominator, using: &source) < numerator
  }
}
