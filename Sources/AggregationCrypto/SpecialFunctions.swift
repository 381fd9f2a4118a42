#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(ucrt)
  import ucrt
#endif

/// Numerically robust special functions for the accountants: everything that can underflow is
/// computed in log space.
///
/// `package`: shared through this module, which every other module depends on; it is part of no
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

  /// log(eˣ + eʸ) without overflow; −∞ is the log of zero.
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
}
