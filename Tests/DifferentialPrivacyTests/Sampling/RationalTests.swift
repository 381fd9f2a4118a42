import Testing

@testable import DifferentialPrivacy

@Suite struct RationalTests {
  @Test func reducesToLowestTerms() throws {
    let value = try Rational(numerator: 12, denominator: 18)
    #expect(value.numerator == 2 && value.denominator == 3)
    #expect(try Rational(numerator: 0, denominator: 5) == Rational(0))
    #expect(value.description == "2/3")
    #expect(Rational(7).description == "7")
    #expect(try Rational(numerator: 1, denominator: 3) < value)
    #expect(throws: DifferentialPrivacyError.self) { try Rational(numerator: 1, denominator: 0) }
  }

  /// Dyadic values with small denominators are read exactly; others are the best approximation
  /// within 1/(N + 1).
  @Test func approximatesDoubles() throws {
    #expect(try Rational(approximating: 0.25) == Rational(numerator: 1, denominator: 4))
    #expect(try Rational(approximating: 3) == Rational(3))
    #expect(try Rational(approximating: 1e12) == Rational(1_000_000_000_000))
    #expect(try Rational(approximating: 0) == Rational(0))
    // The best approximations of π with denominators up to 1000 and 100.
    #expect(
      try Rational(approximating: .pi, maximumDenominator: 1_000)
        == Rational(numerator: 355, denominator: 113))
    #expect(
      try Rational(approximating: .pi, maximumDenominator: 100)
        == Rational(numerator: 311, denominator: 99))
    for value in [0.1, 1.0 / 3, 2.0.squareRoot(), 1_234.567_89, 1e-3] {
      let approximation = try Rational(approximating: value)
      #expect(approximation.denominator <= Rational.defaultMaximumDenominator)
      #expect(
        abs(approximation.doubleValue - value)
          <= 1 / Double(Rational.defaultMaximumDenominator + 1) + value * 0x1p-52)
    }
    for invalid in [-1, .nan, .infinity, 0x1p64] as [Double] {
      #expect(throws: DifferentialPrivacyError.self) { try Rational(approximating: invalid) }
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try Rational(approximating: 1, maximumDenominator: 0)
    }
  }
}
