import AggregationCrypto
import Foundation
import Testing

@Suite struct SpecialFunctionsTests {
  @Test func logFactorialMatchesLogGamma() {
    for m in [0, 1, 2, 10, 32, 33, 34, 100, 1000, 65_535, 1_000_000] {
      let (expected, _) = lgamma(Double(m) + 1)  // lgamma_r: no shared sign state
      #expect(
        abs(SpecialFunctions.logFactorial(m) - expected) <= 1e-13 * max(1, expected), "m=\(m)")
    }
  }

  // The integer overload (log-factorials, for the SecAgg+ parameter search) and the real one
  // (log-gamma, for fractional Rényi orders) compute the same quantity.
  @Test func integerAndRealLogBinomialsAgree() {
    for (n, k) in [(0, 0), (5, 2), (40, 13), (100, 50), (1000, 3), (65_535, 200), (1_000_000, 500)]
    {
      let integer = SpecialFunctions.logBinomial(n, k)
      let real = SpecialFunctions.logBinomial(Double(n), Double(k))
      #expect(abs(integer - real) <= 1e-9 * max(1, abs(real)), "n=\(n) k=\(k)")
    }
    #expect(abs(SpecialFunctions.logBinomial(5, 2) - log(10.0)) <= 1e-15)
  }

  @Test func logAddHandlesTheLogOfZero() {
    #expect(SpecialFunctions.logAdd(-.infinity, -.infinity) == -.infinity)
    #expect(SpecialFunctions.logAdd(-.infinity, 1.5) == 1.5)
    #expect(SpecialFunctions.logAdd(1.5, -.infinity) == 1.5)
    #expect(abs(SpecialFunctions.logAdd(log(2.0), log(3.0)) - log(5.0)) <= 1e-15)
    // Far apart, the smaller term vanishes without underflow; far out, no overflow.
    #expect(SpecialFunctions.logAdd(0, -800) == 0)
    #expect(abs(SpecialFunctions.logAdd(1000, 1000) - (1000 + log(2.0))) <= 1e-12)
  }

  @Test func logErfcContinuesPastUnderflow() {
    // Below x = 25 the library's erfc, above it the series; erfc(30) ≈ 2.6e-393 underflows a
    // Double. References: mpmath at 30 digits, log(erfc(x)).
    let references: [(x: Double, logErfc: Double)] = [
      (20, -403.56934333410423496), (25, -628.79203917407168537), (26, -679.83119976319423026),
      (30, -903.97411711064387808), (40, -1604.2615566532735557),
    ]
    for (x, expected) in references {
      let value = SpecialFunctions.logErfc(x)
      #expect(abs(value - expected) <= 1e-13 * abs(expected), "x=\(x)")
    }
    #expect(abs(SpecialFunctions.logNormalCDF(0) - log(0.5)) <= 1e-15)
  }
}
