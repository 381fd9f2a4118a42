#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(ucrt)
  import ucrt
#endif

/// Numerically robust special functions, shared by the accountants of `DifferentialPrivacy` and
/// the SecAgg+ parameter search of `SecureAggregation`: everything that can underflow is computed
/// in log space.
///
/// `package`: the two modules share it through this one, which both depend on; it is part of no
/// product's API.
package enum SpecialFunctions {
  /// log(erfc(x)), accurate for large positive x where erfc(x) underflows.
  ///
  /// Below x = 25 the library erfc has full relative precision; above it the Laurent series at
  /// infinity, erfc(x) ~ exp(−x² − 1/(2x²) + 5/(8x⁴) − …)/(x√π), errs by less than 1e-13.
  package static func logErfc(_ x: Double) -> Double {
    if x < 25 {
      return log(erfc(x))
    }
    let inverseSquare = 1 / (x * x)
    let series =
      -0.5 * inverseSquare + 0.625 * pow(inverseSquare, 2) - 37.0 / 24.0 * pow(inverseSquare, 3)
      + 353.0 / 64.0 * pow(inverseSquare, 4)
    return -0.5 * log(Double.pi) - log(x) - x * x + series
  }

  /// log Φ(x), the log of the standard normal CDF, accurate far into the lower tail.
  package static func logNormalCDF(_ x: Double) -> Double {
    log(0.5) + logErfc(-x / 2.0.squareRoot())
  }

  /// log(eˣ + eʸ) without overflow or underflow; −∞ is the log of zero.
  package static func logAdd(_ x: Double, _ y: Double) -> Double {
    let (larger, smaller) = x >= y ? (x, y) : (y, x)
    if smaller == -.infinity {
      return larger
    }
    return larger + log1p(exp(smaller - larger))
  }

  /// log |C(n, k)| through log-gamma, for real n (fractional Rényi orders) and integer k.
  package static func logBinomial(_ n: Double, _ k: Double) -> Double {
    lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
  }

  /// ln C(n, k) for integers 0 ≤ k ≤ n, through ``logFactorial(_:)`` rather than log-gamma: the
  /// counts of clients in the SecAgg+ parameter search.
  package static func logBinomial(_ n: Int, _ k: Int) -> Double {
    logFactorial(n) - logFactorial(k) - logFactorial(n - k)
  }

  /// ln m! for m ≥ 0: a sum of logarithms up to 32, and above it the Stirling series
  /// (m + ½) ln m − m + ½ ln 2π + 1/(12m) − 1/(360m³) + 1/(1260m⁵) − 1/(1680m⁷), whose error below
  /// 1/(1188m⁹) is far under one unit in the last place.
  package static func logFactorial(_ m: Int) -> Double {
    if m <= 32 { return smallLogFactorials[m] }
    let x = Double(m)
    let inverse = 1 / x
    let inverseSquared = inverse * inverse
    let series =
      inverse
      * (1.0 / 12 - inverseSquared
        * (1.0 / 360 - inverseSquared * (1.0 / 1260 - inverseSquared / 1680)))
    return (x + 0.5) * log(x) - x + 0.5 * log(2 * Double.pi) + series
  }
}

/// ln m! for m = 0...32.
private let smallLogFactorials: [Double] = {
  var table = [0.0]
  for m in 1...32 { table.append(table[m - 1] + log(Double(m))) }
  return table
}()
