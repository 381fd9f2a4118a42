/// A nonnegative rational number `numerator / denominator` with 64-bit parts, in lowest terms.
///
/// The exact samplers take their parameters (a variance, a scale, a mean) as rationals, so that
/// every accept/reject decision can be made in integer arithmetic. Build one from integers with
/// ``init(numerator:denominator:)``, or from a `Double` with
/// ``init(approximating:maximumDenominator:)``, which says how close it is.
public struct Rational: Sendable, Hashable {
  /// The numerator, in lowest terms.
  public let numerator: UInt64
  /// The denominator, in lowest terms; never zero.
  public let denominator: UInt64

  /// The largest denominator ``init(approximating:maximumDenominator:)`` uses by default: 2^20.
  public static let defaultMaximumDenominator: UInt64 = 1 << 20

  /// The rational `numerator / denominator`, reduced to lowest terms.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` when
  ///   `denominator` is zero.
  public init(numerator: UInt64, denominator: UInt64 = 1) throws(DifferentialPrivacyError) {
    guard denominator != 0 else {
      throw .invalidParameter(
        name: "denominator", value: "0", expected: "a positive integer")
    }
    let divisor = greatestCommonDivisor(numerator, denominator)
    self.numerator = numerator / divisor
    self.denominator = denominator / divisor
  }

  /// The integer `value` as a rational.
  public init(_ value: UInt64) {
    numerator = value
    denominator = 1
  }

  /// Already reduced parts with a nonzero denominator.
  private init(reducedNumerator: UInt64, denominator: UInt64) {
    numerator = reducedNumerator
    self.denominator = denominator
  }

  /// The closest rational to `value` whose denominator is at most `maximumDenominator`.
  ///
  /// The value is read exactly (a `Double` is an integer times a power of two) and expanded in a
  /// continued fraction in integer arithmetic; the result is the best approximation among the
  /// last convergent and semiconvergent that fit, so
  /// `|value − numerator/denominator| ≤ 1 / (maximumDenominator + 1)` (Dirichlet's
  /// approximation theorem), and the result equals `value` whenever `value` is a fraction with
  /// denominator at most `maximumDenominator` (0.25, 3, 1.5, …). With the default 2^20 the error
  /// is below 9.6 × 10⁻⁷. Bits of `value` below 2^−63 are dropped first, which adds at most
  /// 2^−63 to the error.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` when `value`
  ///   is negative, not finite, or at least 2^64, or `maximumDenominator` is zero.
  public init(
    approximating value: Double, maximumDenominator: UInt64 = Rational.defaultMaximumDenominator
  ) throws(DifferentialPrivacyError) {
    guard maximumDenominator > 0 else {
      throw .invalidParameter(
        name: "maximumDenominator", value: "0", expected: "a positive integer")
    }
    guard value.isFinite, value >= 0, value < 0x1p64 else {
      throw .invalidParameter(
        name: "value", value: "\(value)", expected: "a finite number in [0, 2^64)")
    }
    guard value > 0 else {
      self.init(0)
      return
    }
    // value = significand · 2^(−shift) exactly.
    var significand: UInt64
    var shift: Int
    if value.isNormal {
      significand = UInt64(value.significandBitPattern) | (1 << 52)
      shift = 52 - Int(value.exponent)
    } else {
      significand = UInt64(value.significandBitPattern)
      shift = 1074
    }
    if shift <= 0 {
      self.init(significand << UInt64(-shift))  // an integer below 2^64
      return
    }
    if shift > 63 {
      significand = shift - 63 >= 64 ? 0 : significand >> UInt64(shift - 63)
      shift = 63
    }
    self = Rational.bestApproximation(
      numerator: significand, denominator: 1 << UInt64(shift),
      maximumDenominator: maximumDenominator)
  }

  /// The best approximation of `numerator / denominator` with denominator at most
  /// `maximumDenominator`, from its continued fraction.
  private static func bestApproximation(
    numerator: UInt64, denominator: UInt64, maximumDenominator: UInt64
  ) -> Rational {
    // Convergents p₋₂/q₋₂ = 0/1 and p₋₁/q₋₁ = 1/0.
    var (previousP, previousQ, currentP, currentQ): (UInt64, UInt64, UInt64, UInt64) = (0, 1, 1, 0)
    var (remainderNumerator, remainderDenominator) = (numerator, denominator)
    while remainderDenominator != 0 {
      let term = remainderNumerator / remainderDenominator
      let (termQ, overflowQ) = term.multipliedReportingOverflow(by: currentQ)
      let (nextQ, carryQ) = termQ.addingReportingOverflow(previousQ)
      let (termP, overflowP) = term.multipliedReportingOverflow(by: currentP)
      let (nextP, carryP) = termP.addingReportingOverflow(previousP)
      if overflowQ || carryQ || nextQ > maximumDenominator || overflowP || carryP { break }
      (previousP, previousQ, currentP, currentQ) = (currentP, currentQ, nextP, nextQ)
      (remainderNumerator, remainderDenominator) = (
        remainderDenominator, remainderNumerator - term * remainderDenominator
      )
    }
    let convergent = Rational(reducedNumerator: currentP, denominator: currentQ)
    guard remainderDenominator != 0 else { return convergent }  // exact
    // The semiconvergent (previousP + j·currentP) / (previousQ + j·currentQ) with the largest
    // j that fits may be closer than the last convergent.
    var multiplier = (maximumDenominator - previousQ) / currentQ
    if currentP > 0 { multiplier = min(multiplier, (UInt64.max - previousP) / currentP) }
    guard multiplier > 0 else { return convergent }
    let semiconvergent = Rational(
      reducedNumerator: previousP + multiplier * currentP,
      denominator: previousQ + multiplier * currentQ)
    // Compare |x − p/q| exactly: |numerator·q − p·denominator| / q, cross-multiplied.
    func scaledError(_ candidate: Rational) -> BigUInt {
      var exact = BigUInt(numerator)
      exact.multiply(by: candidate.denominator)
      var approximate = BigUInt(candidate.numerator)
      approximate.multiply(by: denominator)
      if exact < approximate { swap(&exact, &approximate) }
      exact.subtract(approximate)
      return exact
    }
    var convergentError = scaledError(convergent)
    convergentError.multiply(by: semiconvergent.denominator)
    var semiconvergentError = scaledError(semiconvergent)
    semiconvergentError.multiply(by: convergent.denominator)
    return semiconvergentError < convergentError ? semiconvergent : convergent
  }

  /// Whether the value is zero.
  public var isZero: Bool { numerator == 0 }

  /// The nearest `Double`, for display and for tests; no sampler decides anything with it.
  public var doubleValue: Double { Double(numerator) / Double(denominator) }
}

extension Rational: Comparable {
  /// Orders by value, comparing the cross products exactly in 128-bit arithmetic.
  public static func < (lhs: Rational, rhs: Rational) -> Bool {
    Wide128.product(lhs.numerator, rhs.denominator)
      < Wide128.product(rhs.numerator, lhs.denominator)
  }
}

extension Rational: CustomStringConvertible {
  /// `numerator/denominator`, or just the numerator for an integer.
  public var description: String {
    denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)"
  }
}
