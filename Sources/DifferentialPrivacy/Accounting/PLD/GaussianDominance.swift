internal import AggregationCrypto
import Foundation
import Synchronization

/// A Gaussian mechanism that dominates an additive integer-noise mechanism in any dimension:
/// the exact privacy of the integer noise, carried to d coordinates through Gaussian
/// differential privacy.
///
/// Adding i.i.d. integer noise Z (symmetric, with a log-concave mass function, as the sum of
/// discrete Gaussians and the Skellam distribution are) to each coordinate of an integer vector
/// is a product of one-dimensional mechanisms, and the privacy of a shift by x depends on the
/// whole vector x, not only on its norms. This type computes, from Z's exact distribution, the
/// tight Gaussian-DP parameter of one coordinate shifted by 1 (Dong, Roth & Su, "Gaussian
/// Differential Privacy", JRSS-B 2022):
///
///     μ₁ = max_o [ Φ̄⁻¹(P(Z ≥ o)) − Φ̄⁻¹(P(Z ≥ o − 1)) ],
///
/// the smallest μ for which every threshold test between Z and Z + 1 — the optimal tests, as
/// the likelihood ratio is monotone — has power at most that of the best test between N(0, 1)
/// and N(μ, 1) at the same size; the tests in between are randomized mixtures of thresholds,
/// covered because both trade-off curves are convex. A shift by k telescopes into k unit steps,
/// so μ_k ≤ k·μ₁, and Gaussian-DP composes exactly across coordinates: a shift by x ∈ ℤᵈ is
/// (μ₁‖x‖₂)-GDP. The d-dimensional mechanism with L2 sensitivity Δ₂ is therefore dominated by
/// the Gaussian mechanism with standard deviation ``standardDeviation`` = 1/μ₁ and
/// sensitivity Δ₂, and everything the Gaussian's privacy loss distribution gives — composition,
/// Poisson subsampling — carries over.
///
/// The thresholds are checked on [−B, B], with B chosen so that beyond it, for every shift up
/// to ``largestShift``, at most ``slackPerCoordinate`` (β, below 10⁻³⁰) of mass remains; the
/// unchecked tails make each coordinate μ-GDP composed with (0, β)-DP, which adds at most β
/// per coordinate and round to δ (``PrivacyLossDistribution/distributed(_:l2Sensitivity:dimension:samplingRate:relation:valueDiscretization:estimate:tailMass:)``
/// adds d·β as mass at an infinite loss). Where the mass function is known only to within a
/// factor e^{±η} (``logRatioBound``), every survival probability is widened by that factor
/// before the maximum is taken, so μ₁ stays an upper bound.
public struct GaussianDominance: Sendable, Hashable, Codable {
  /// σ_eff = 1/μ₁, in integer units: the dominating Gaussian's standard deviation per unit of
  /// L2 sensitivity.
  public let standardDeviation: Double
  /// β: the mass beyond the thresholds checked, which each coordinate adds to δ.
  public let slackPerCoordinate: Double
  /// The largest coordinate shift the slack was computed for (the L2 sensitivity, rounded up).
  public let largestShift: Int
  /// The half-width B of the thresholds checked.
  public let halfWidth: Int
  /// η: the bound on |log(computed mass / true mass)| the computation allowed for (0 for an
  /// exact mass function).
  public let logRatioBound: Double

  /// The slack β the range is chosen for: 10⁻⁴⁰.
  static let targetSlack = 1e-40

  /// What identifies a computation: the noise's kind and exact parameters, and the largest
  /// shift.
  struct CacheKey: Hashable {
    /// The noise: "ddg" or "skellam".
    var kind: String
    /// Its parameters' bit patterns (clients, σ or μ), so equal inputs only share an entry.
    var parameters: [UInt64]
    /// The largest shift.
    var largestShift: Int
  }

  /// Recent results, so that a calibration's final report and repeated plans do not recompute
  /// them; at most 512 entries, cleared when full.
  private static let cache = Mutex<[CacheKey: GaussianDominance]>([:])

  /// The largest shift a dominance is computed for when the L2 sensitivity is `sensitivity`:
  /// ⌈Δ₂⌉ rounded up to a power of two. Checking more thresholds than needed keeps the bound
  /// valid, and a calibration's many noise levels at one noise (the sensitivity in integer
  /// units varies with the scale) then share a few computations through the cache.
  static func checkedShift(_ sensitivity: Double) -> Int {
    let shift = max(1, sensitivity.rounded(.up))
    guard shift < 0x1p52 else { return 1 << 52 }
    var power = 1
    while Double(power) < shift { power <<= 1 }
    return power
  }

  /// The cached value for `key`, or `compute()`'s, stored. A value computed for the same noise
  /// and a larger shift serves too: its thresholds cover a wider range (so its μ₁ is at least
  /// as large) and its slack holds for every smaller shift.
  static func cached(
    _ key: CacheKey,
    _ compute: () throws(DifferentialPrivacyError) -> GaussianDominance
  ) throws(DifferentialPrivacyError) -> GaussianDominance {
    let hit = cache.withLock { entries in
      entries[key]
        ?? entries.first { entry in
          entry.key.kind == key.kind && entry.key.parameters == key.parameters
            && entry.key.largestShift >= key.largestShift
        }?.value
    }
    if let hit { return hit }
    let value = try compute()
    cache.withLock { entries in
      if entries.count >= 512 { entries.removeAll() }
      entries[key] = value
    }
    return value
  }

  /// The dominance computed from the noise's log mass function on 0…`count − 1` (symmetric, so
  /// only z ≥ 0 is given), known to within e^{±η}.
  ///
  /// - Parameters:
  ///   - logMass: log P(Z = z) for z = 0…count − 1; the mass beyond is taken as 0 (it must be
  ///     below 10⁻³⁰⁰ in total: the caller's range makes sure).
  ///   - logRatioBound: η ≥ 0.
  ///   - largestShift: K ≥ 1, the largest coordinate shift (⌈Δ₂⌉).
  static func compute(
    logMass: [Double],
    logRatioBound eta: Double,
    largestShift: Int
  ) throws(DifferentialPrivacyError) -> GaussianDominance {
    let count = logMass.count
    // log P(Z ≥ z) for z = 0…count−1 by a running log-sum from the top; by symmetry
    // P(Z ≤ −z) is the same.
    var logUpper = [Double](repeating: -.infinity, count: count + 1)
    var running = -Double.infinity
    for z in stride(from: count - 1, through: 0, by: -1) {
      running = SpecialFunctions.logAdd(running, logMass[z])
      logUpper[z] = running
    }
    // log P(Z ≥ o) and log P(Z ≤ o − 1) for any integer o, from the one-sided table.
    func logSurvival(_ o: Int) -> Double {  // P(Z ≥ o)
      if o >= 0 { return o < count ? logUpper[o] : -.infinity }
      // P(Z ≥ o) = 1 − P(Z ≤ o − 1) = 1 − P(Z ≥ 1 − o)
      let complement = 1 - o < count ? logUpper[1 - o] : -.infinity
      return log1p(-exp(complement))
    }
    func logCumulative(_ o: Int) -> Double {  // P(Z ≤ o − 1) = P(Z ≥ 1 − o)
      logSurvival(1 - o)
    }
    // The half-width: the smallest B with P(Z ≥ B − K) ≤ target, at most count − 1.
    let target = log(targetSlack)
    var halfWidth = largestShift
    while halfWidth - largestShift < count - 1, logSurvival(halfWidth - largestShift) > target {
      halfWidth += 1
    }
    guard halfWidth < count else {
      throw .invalidParameter(
        name: "logMass", value: "\(count) values",
        expected: "a mass function computed far enough into the tail for the slack")
    }
    let slack = exp(logSurvival(halfWidth - largestShift) + eta)
    // g(o) = Φ̄⁻¹(P(Z ≥ o)), bounded above and below when masses are known to e^{±η}; each
    // from the smaller of the two tails for accuracy.
    // Each inversion starts from the previous threshold's value, so Newton's method needs one
    // or two steps.
    var guess = (lower: 0.0, upper: 0.0)
    func bounds(_ o: Int) -> (lower: Double, upper: Double) {
      let logS = logSurvival(o)
      let logF = logCumulative(o)
      let result: (lower: Double, upper: Double)
      if eta == 0 {
        // One inversion: the two bounds coincide.
        let value =
          logS <= logF
          ? NormalQuantile.inverseSurvival(logProbability: logS, startingAt: guess.lower)
          : -NormalQuantile.inverseSurvival(logProbability: logF, startingAt: -guess.lower)
        result = (value, value)
      } else if logS <= logF {
        result = (
          NormalQuantile.inverseSurvival(
            logProbability: min(0, logS + eta), startingAt: guess.lower),
          NormalQuantile.inverseSurvival(logProbability: logS - eta, startingAt: guess.upper)
        )
      } else {
        result = (
          -NormalQuantile.inverseSurvival(
            logProbability: logF - eta, startingAt: -guess.lower),
          -NormalQuantile.inverseSurvival(
            logProbability: min(0, logF + eta), startingAt: -guess.upper)
        )
      }
      guess = result
      return result
    }
    var mu = 0.0
    var previous = bounds(-halfWidth)
    for o in (-halfWidth + 1)...halfWidth {
      let current = bounds(o)
      mu = max(mu, current.upper - previous.lower)
      previous = current
    }
    guard mu > 0, mu.isFinite else {
      throw .invalidParameter(
        name: "logMass", value: "a Gaussian-DP parameter of \(mu)",
        expected: "a noise whose unit shift is finitely private")
    }
    return GaussianDominance(
      standardDeviation: 1 / mu, slackPerCoordinate: slack, largestShift: largestShift,
      halfWidth: halfWidth, logRatioBound: eta)
  }
}

/// The standard normal quantile, from a log probability so that tails far below 10⁻³⁰⁸ keep
/// their precision.
enum NormalQuantile {
  /// log Φ̄(x) = log P(N(0, 1) > x).
  static func logSurvival(_ x: Double) -> Double {
    log(0.5) + SpecialFunctions.logErfc(x / 2.0.squareRoot())
  }

  /// The x with log Φ̄(x) = `logProbability` (< 0; +∞ for −∞), by Newton's method on log Φ̄
  /// from `start` (a nearby solution, when known), safeguarded by bisection, to a relative
  /// precision of about 10⁻¹⁴.
  static func inverseSurvival(logProbability target: Double, startingAt start: Double? = nil)
    -> Double
  {
    if target == -.infinity { return .infinity }
    if target >= 0 { return -.infinity }
    // Bracket: log Φ̄ is decreasing.
    var low = -40.0
    var high = 40.0
    if target < logSurvival(high) {
      high = (-2 * target).squareRoot() + 2
      while logSurvival(high) > target { high *= 2 }
      low = 0
    }
    // Start from the tail approximation or 0.
    let tailGuess =
      target < log(0.5) ? (-2 * target - log(-4 * Double.pi * target)).squareRoot() : 0
    var x = max(low, min(high, start.flatMap { $0.isFinite ? $0 : nil } ?? tailGuess))
    for _ in 0..<60 {
      let value = logSurvival(x) - target
      if value == 0 { return x }
      if value > 0 { low = max(low, x) } else { high = min(high, x) }
      // d/dx log Φ̄(x) = −φ(x)/Φ̄(x).
      let logDensity = -0.5 * x * x - 0.5 * log(2 * Double.pi)
      let slope = -exp(logDensity - logSurvival(x))
      var next = x - value / slope
      if !(next > low && next < high) || !next.isFinite {
        next = 0.5 * (low + high)
      }
      // Round-off in log Φ̄ limits x to about 10⁻¹⁵ relative; stop a little above it.
      if abs(next - x) <= 1e-14 * max(1, abs(x)) {
        return next
      }
      x = next
    }
    return x
  }
}
