/// Arithmetic in the prime field GF(p) with the Mersenne prime p = 2^61 − 1.
///
/// Elements are `UInt64` values in `0..<p`. Every operation is branch-free and uses only
/// additions, shifts, masks and 64×64→128-bit multiplications, so it runs in time independent of
/// the (secret) values. Reduction uses 2^61 ≡ 1 (mod p).
enum PrimeField {
  /// The modulus p = 2^61 − 1.
  static let modulus: UInt64 = (1 << 61) - 1

  /// Reduces a value below 2^62 (such as a sum of two elements) into `0..<p`.
  @inline(__always)
  static func reduceOnce(_ value: UInt64) -> UInt64 {
    let folded = (value & modulus) &+ (value >> 61)  // < 2^61 + 2, ≡ value
    let candidate = folded &- modulus
    // candidate's top bit is set exactly when folded < p: then keep folded.
    let keepFolded = 0 &- (candidate >> 63)
    return (folded & keepFolded) | (candidate & ~keepFolded)
  }

  /// (a + b) mod p.
  @inline(__always)
  static func add(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
    reduceOnce(lhs &+ rhs)
  }

  /// (a − b) mod p.
  @inline(__always)
  static func subtract(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
    reduceOnce(lhs &+ (modulus &- rhs))
  }

  /// Reduces a 128-bit value below 2^122 into `0..<p`.
  @inline(__always)
  static func reduce(high: UInt64, low: UInt64) -> UInt64 {
    // value = high·2^64 + low = (high·2^3 + low>>61)·2^61 + (low mod 2^61)
    let top = (high << 3) | (low >> 61)  // < 2^61 for value < 2^122
    return reduceOnce((low & modulus) &+ top)
  }

  /// (a · b) mod p.
  @inline(__always)
  static func multiply(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
    let product = lhs.multipliedFullWidth(by: rhs)  // < 2^122
    return reduce(high: product.high, low: product.low)
  }

  /// a^(p−2) = a⁻¹ mod p (Fermat), with a fixed sequence of operations; zero maps to zero.
  static func inverse(_ value: UInt64) -> UInt64 {
    // p − 2 = 2^61 − 3: binary 1…1101 (58 ones, then 101). Square-and-multiply over a public
    // exponent, so the sequence of operations never depends on `value`.
    var result: UInt64 = 1
    let exponent = modulus - 2
    for bit in stride(from: 60, through: 0, by: -1) {
      result = multiply(result, result)
      if (exponent >> UInt64(bit)) & 1 == 1 {  // branch on the public exponent only
        result = multiply(result, value)
      }
    }
    return result
  }

  /// A uniform element from 16 random bytes: 122 of the bits, reduced mod p; the distance from
  /// uniform is below 2^-60.
  @inline(__always)
  static func element(fromRandom low: UInt64, _ high: UInt64) -> UInt64 {
    reduce(high: high & ((1 << 58) - 1), low: low)
  }
}
