internal import AggregationCrypto
import Foundation

/// Conditional randomized rounding of a scaled vector to integers (Kairouz, Liu & Steinke, "The
/// Distributed Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation",
/// ICML 2021, §4.1 and Theorem 2).
///
/// Each coordinate x rounds up with probability x − ⌊x⌋ and down otherwise, so the rounding is
/// unbiased; the whole rounding is repeated until its squared L2 norm is at most
///
///     Δ² = min{ (c + √d)², c² + d/4 + √(2 ln(1/β)) · (c + √d/2) }
///
/// for an input of norm at most c in d dimensions. The bound is data-independent, so it is the
/// L2 sensitivity the privacy analysis uses; a single try fails it with probability at most β, so
/// the expected number of tries is at most 1/(1 − β). The acceptance test compares the exact
/// integer squared norm (128-bit) with ⌊Δ²⌋. β = 0 keeps only the first term, which every
/// rounding meets.
public struct ConditionalRounding: Sendable, Hashable {
  /// The bound β on the probability that one try is rejected, in [0, 1).
  public let beta: Double
  /// The most tries before ``round(_:normBound:using:)`` gives up.
  public let maximumAttempts: Int

  /// Conditional rounding with rejection probability at most `beta` per try (by default
  /// e^(−1/2) ≈ 0.607, the value Kairouz et al. use).
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` unless
  ///   0 ≤ β < 1 and `maximumAttempts` ≥ 1.
  public init(beta: Double = 0.606_530_659_712_633_4, maximumAttempts: Int = 1000)
    throws(DifferentialPrivacyError)
  {
    guard beta.isFinite, beta >= 0, beta < 1 else {
      throw .invalidParameter(name: "beta", value: "\(beta)", expected: "0 ≤ β < 1")
    }
    guard maximumAttempts >= 1 else {
      throw .invalidParameter(
        name: "maximumAttempts", value: "\(maximumAttempts)", expected: "at least 1")
    }
    self.beta = beta
    self.maximumAttempts = maximumAttempts
  }

  /// The squared L2 norm bound Δ² after rounding an input of norm at most `normBound` in
  /// `dimension` dimensions: the L2 sensitivity (squared) of the rounded contribution.
  public func squaredNormBound(normBound c: Double, dimension: Int) -> Double {
    let d = Double(dimension)
    let always = (c + d.squareRoot()) * (c + d.squareRoot())
    guard beta > 0 else { return always }
    let likely = c * c + d / 4 + (2 * log(1 / beta)).squareRoot() * (c + d.squareRoot() / 2)
    return Swift.min(always, likely)
  }

  /// Rounds `vector` (whose L2 norm must be at most `normBound`) to integers whose squared norm is
  /// at most ``squaredNormBound(normBound:dimension:)``.
  ///
  /// - Returns: the integers and how many tries it took.
  /// - Throws: ``DifferentialPrivacyError/nonFiniteValue(index:)``,
  ///   ``DifferentialPrivacyError/roundingOverflow`` for coordinates beyond ±2^62, and
  ///   ``DifferentialPrivacyError/roundingAttemptsExhausted(attempts:)``.
  public func round(
    _ vector: [Double], normBound: Double, using generator: inout some RandomNumberGenerator
  ) throws(DifferentialPrivacyError) -> (values: [Int64], attempts: Int) {
    guard normBound.isFinite, normBound >= 0 else {
      throw .invalidParameter(
        name: "normBound", value: "\(normBound)", expected: "a finite value ≥ 0")
    }
    var floors = [Int64](repeating: 0, count: vector.count)
    var fractions = [Double](repeating: 0, count: vector.count)
    for (index, value) in vector.enumerated() {
      guard value.isFinite else { throw .nonFiniteValue(index: index) }
      let floor = value.rounded(.down)
      guard abs(floor) < 0x1p62 else { throw .roundingOverflow }
      floors[index] = Int64(floor)
      fractions[index] = value - floor
    }
    let bound = squaredNormBound(normBound: normBound, dimension: vector.count)
    guard bound < 0x1p120 else { throw .roundingOverflow }
    let limit = UInt128(bound.rounded(.down))
    var values = floors
    for attempt in 1...maximumAttempts {
      var squaredNorm: UInt128 = 0
      for index in values.indices {
        let up = generator.nextUnitInterval() < fractions[index]
        let value = floors[index] + (up ? 1 : 0)
        values[index] = value
        let magnitude = UInt128(value.magnitude)
        squaredNorm &+= magnitude * magnitude  // < 2^124 · 2^30 terms: no wrap below 2^128
      }
      if squaredNorm <= limit { return (values, attempt) }
    }
    throw .roundingAttemptsExhausted(attempts: maximumAttempts)
  }
}
