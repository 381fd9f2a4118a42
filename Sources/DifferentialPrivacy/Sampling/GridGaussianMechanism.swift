import Foundation

/// Gaussian noise for central differential privacy, drawn exactly on an integer grid: the
/// replacement for a floating-point Gaussian sampler.
///
/// Mironov ("On Significance of the Least Significant Bits for Differential Privacy", CCS 2012)
/// showed that adding a floating-point Gaussian or Laplace draw to a value leaks the value: the
/// set of doubles the sum can land on depends on the input's low-order bits. This mechanism never
/// adds a floating-point draw. It fixes a grid of step γ = σ / 2^k (the *resolution*: 2^k grid
/// steps per standard deviation, ``stepsPerStandardDeviation``), rounds each coordinate of the
/// released sum to the nearest grid point, and adds γ·Y with Y exactly N_Z(0, 4^k) drawn by
/// ``DiscreteGaussianSampler`` (whose variance 4^k is an exact integer, so no rational
/// approximation enters). The output is an integer number of grid steps — a function of the
/// rounded sum and the integer noise only, whatever the input's low-order bits — and
/// ``noisedGridPoints(_:using:)`` returns exactly those integers; ``addNoise(to:using:)`` turns
/// them into `Double`s by one multiplication by γ, which is post-processing.
///
/// **Privacy.** Rounding to the grid can move two neighbouring sums apart by up to one step per
/// coordinate, so the sensitivity the analysis uses is
///
///     Δ_grid = Δ + γ · √d · (1 + 2^−12),
///
/// (the last factor covers the floating-point division by γ, whose inputs are limited to 2^40
/// steps), and the mechanism is the discrete Gaussian with standard deviation 2^k on integer
/// vectors whose L2 distance is at most Δ_grid/γ. By Canonne, Kamath & Steinke (NeurIPS 2020,
/// Theorem 4) it is ρ-zCDP with ρ = Δ_grid²/(2σ²), so its RDP is ``rdp(order:)`` =
/// α·Δ_grid²/(2σ²), the same as a continuous Gaussian with noise multiplier σ/Δ_grid
/// (``effectiveNoiseMultiplier``). ``report(sampling:rounds:delta:orders:)`` composes it with the
/// general Poisson-subsampling bound (``RDP/poissonSubsampled(samplingRate:orders:curve:)``),
/// the accountant of the distributed mechanisms, so central and distributed DP compare under one
/// accountant.
///
/// **Resolution.** By default 2^k is the smallest power of two with γ·√d ≤ Δ/1000, so rounding
/// adds at most 0.1 % to the sensitivity, between 2^6 and 2^20 steps per σ (the sampler's limit
/// is variance 2^40); at the upper limit the added sensitivity is γ√d = σ√d/2^20, still stated in
/// ``gridSensitivity`` and accounted. The noise's variance is γ²·Var(N_Z(0, 4^k)), below σ² by a
/// relative amount under 10^−3000 for k ≥ 6 — indistinguishable from σ².
///
/// ```swift
/// let mechanism = try GridGaussianMechanism(
///   standardDeviation: 2.5, clipBound: 1, dimension: sum.count)
/// var generator = ChaChaRandomNumberGenerator()  // securely seeded
/// try mechanism.addNoise(to: &sum, using: &generator)
/// let report = try mechanism.report(sampling: .poisson(rate: 0.01), rounds: 1000, delta: 1e-5)
/// ```
public struct GridGaussianMechanism: Sendable {
  /// The most grid steps per standard deviation: 2^20 (the discrete Gaussian sampler's variance
  /// limit is 2^40).
  public static let maximumStepsPerStandardDeviation = 1 << 20
  /// The fewest grid steps per standard deviation the default resolution uses: 2^6.
  public static let minimumDefaultStepsPerStandardDeviation = 1 << 6
  /// The largest |value / γ| ``noisedGridPoints(_:using:)`` accepts: 2^40 grid steps.
  public static let maximumGridMagnitude = 0x1p40

  /// σ: the noise's standard deviation, in the units of the sum.
  public let standardDeviation: Double
  /// The clip bound C, for the noise multiplier σ/C the report shows.
  public let clipBound: Double
  /// Δ: the L2 sensitivity of the sum before rounding to the grid.
  public let l2Sensitivity: Double
  /// The neighbouring relation Δ was computed for.
  public let relation: NeighboringRelation
  /// d: the number of coordinates of the sum.
  public let dimension: Int
  /// 2^k: grid steps per standard deviation.
  public let stepsPerStandardDeviation: Int
  /// The sampler of N_Z(0, 4^k).
  let sampler: DiscreteGaussianSampler

  /// A mechanism adding N(0, σ²)-like noise on a grid to sums of `dimension` coordinates.
  ///
  /// - Parameters:
  ///   - standardDeviation: σ > 0, in the units of the sum.
  ///   - clipBound: C > 0, each contribution's L2 bound.
  ///   - dimension: d ≥ 1.
  ///   - relation: the neighbouring relation; add-or-remove-one by default.
  ///   - l2Sensitivity: Δ, the sum's L2 sensitivity before the grid; by default the relation's
  ///     sensitivity for C (C, or 2C for replace-one). Pass a larger value when the sum is of
  ///     values already rounded (``RoundedSensitivity``, divided by the scale).
  ///   - stepsPerStandardDeviation: 2^k, a power of two in 1...2^20; by default as described in
  ///     the type's documentation.
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` naming the
  ///   parameter out of range.
  public init(
    standardDeviation: Double,
    clipBound: Double,
    dimension: Int,
    relation: NeighboringRelation = .addOrRemoveOne,
    l2Sensitivity: Double? = nil,
    stepsPerStandardDeviation: Int? = nil
  ) throws(DifferentialPrivacyError) {
    try Validation.positive(standardDeviation, "standardDeviation")
    try Validation.positive(clipBound, "clipBound")
    try Validation.count(dimension, "dimension", minimum: 1)
    let sensitivity = l2Sensitivity ?? relation.l2Sensitivity(clipBound: clipBound)
    try Validation.positive(sensitivity, "l2Sensitivity")
    let steps: Int
    if let stepsPerStandardDeviation {
      guard stepsPerStandardDeviation > 0,
        stepsPerStandardDeviation <= Self.maximumStepsPerStandardDeviation,
        stepsPerStandardDeviation.nonzeroBitCount == 1
      else {
        throw .invalidParameter(
          name: "stepsPerStandardDeviation", value: "\(stepsPerStandardDeviation)",
          expected: "a power of two in 1...2^20")
      }
      steps = stepsPerStandardDeviation
    } else {
      steps = Self.defaultSteps(
        standardDeviation: standardDeviation, l2Sensitivity: sensitivity, dimension: dimension)
    }
    self.standardDeviation = standardDeviation
    self.clipBound = clipBound
    self.l2Sensitivity = sensitivity
    self.relation = relation
    self.dimension = dimension
    self.stepsPerStandardDeviation = steps
    sampler = try DiscreteGaussianSampler(variance: Rational(UInt64(steps) * UInt64(steps)))
  }

  /// The smallest power of two 2^k with σ√d/2^k ≤ Δ/1000, within 2^6...2^20.
  static func defaultSteps(standardDeviation: Double, l2Sensitivity: Double, dimension: Int)
    -> Int
  {
    let wanted = 1000 * standardDeviation * Double(dimension).squareRoot() / l2Sensitivity
    var steps = minimumDefaultStepsPerStandardDeviation
    while Double(steps) < wanted, steps < maximumStepsPerStandardDeviation { steps <<= 1 }
    return steps
  }

  /// γ = σ / 2^k: the grid step, in the units of the sum (an exact division by a power of two).
  public var resolution: Double { standardDeviation / Double(stepsPerStandardDeviation) }

  /// Δ_grid = Δ + γ·√d·(1 + 2^−12): the sensitivity after rounding to the grid, which the
  /// accounting uses.
  public var gridSensitivity: Double {
    l2Sensitivity + resolution * Double(dimension).squareRoot() * (1 + 0x1p-12)
  }

  /// σ / Δ_grid: the noise multiplier of the Gaussian with the same privacy.
  public var effectiveNoiseMultiplier: Double { standardDeviation / gridSensitivity }

  /// The rounded sum plus exact integer noise, in grid steps: round(x/γ) + Y per coordinate,
  /// Y ~ N_Z(0, 4^k).
  ///
  /// - Throws: ``DifferentialPrivacyError/dimensionMismatch(expected:actual:)`` unless `sum` has
  ///   ``dimension`` elements; ``DifferentialPrivacyError/nonFiniteValue(index:)`` for a NaN or
  ///   infinite element; ``DifferentialPrivacyError/valueOutOfRange(index:maximumMagnitude:)`` for
  ///   an element beyond ``maximumGridMagnitude`` grid steps. Nothing is drawn before every
  ///   element has been checked.
  public func noisedGridPoints(
    _ sum: [Double], using generator: inout some RandomNumberGenerator
  ) throws(DifferentialPrivacyError) -> [Int64] {
    guard sum.count == dimension else {
      throw .dimensionMismatch(expected: dimension, actual: sum.count)
    }
    let step = resolution
    var points = [Int64](repeating: 0, count: sum.count)
    for (index, value) in sum.enumerated() {
      guard value.isFinite else { throw .nonFiniteValue(index: index) }
      let scaled = value / step
      guard abs(scaled) <= Self.maximumGridMagnitude else {
        throw .valueOutOfRange(index: index, maximumMagnitude: Self.maximumGridMagnitude * step)
      }
      points[index] = Int64(scaled.rounded(.toNearestOrEven))
    }
    var noise = [Int64](repeating: 0, count: sum.count)
    noise.withUnsafeMutableBufferPointer { sampler.fill($0, using: &generator) }
    // |round(x/γ)| ≤ 2^40 and |Y| < 2^63 − 2^40 except with probability far below 2^−(2^40).
    for index in points.indices { points[index] = points[index] &+ noise[index] }
    return points
  }

  /// Replaces each coordinate x of `sum` by γ·(round(x/γ) + Y), Y ~ N_Z(0, 4^k) exactly.
  ///
  /// - Throws: the errors of ``noisedGridPoints(_:using:)``; `sum` is then unchanged.
  public func addNoise(
    to sum: inout [Double], using generator: inout some RandomNumberGenerator
  ) throws(DifferentialPrivacyError) {
    let points = try noisedGridPoints(sum, using: &generator)
    let step = resolution
    sum.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices { buffer[index] = Double(points[index]) * step }
    }
  }

  /// One release's RDP at order α: α·Δ_grid²/(2σ²).
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` unless α > 1.
  public func rdp(order: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.order(order)
    let ratio = gridSensitivity / standardDeviation
    return order * ratio * ratio / 2
  }

  /// The privacy of T releases, each on a cohort chosen by `sampling`, by the RDP accountant with
  /// the general Poisson-subsampling bound (the accountant of the distributed mechanisms). The
  /// report's noise multiplier is σ/C.
  ///
  /// - Parameters:
  ///   - sampling: how each round's cohort is chosen; amplification is claimed only for Poisson
  ///     sampling under add-or-remove-one.
  ///   - rounds: T ≥ 0.
  ///   - delta: 0 < δ < 1.
  ///   - orders: the Rényi orders; ``RDP/defaultOrders`` by default.
  public func report(
    sampling: CohortSampling, rounds: Int, delta: Double, orders: [Double] = RDP.defaultOrders
  ) throws(DifferentialPrivacyError) -> PrivacyReport {
    try PrivacyReport.mechanism(
      accountant: "RDP (discrete Gaussian on a grid)",
      noiseMultiplier: standardDeviation / clipBound, sampling: sampling, rounds: rounds,
      delta: delta, relation: relation, orders: orders
    ) { (order) throws(DifferentialPrivacyError) in try rdp(order: order) }
  }
}
