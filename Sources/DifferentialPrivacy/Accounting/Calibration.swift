/// The smallest noise multiplier that meets a privacy target, by bisection on an accountant
/// (privacy loss distributions by default, or RDP).
public enum Calibration {
  /// A calibrated noise multiplier and the privacy it achieves.
  public struct Result: Sendable, Hashable {
    /// The noise multiplier z = σ/C: the standard deviation of the total noise in the released
    /// sum divided by the clip bound C.
    public let noiseMultiplier: Double
    /// The ε (with δ and optimal order) that z achieves; at most the target.
    public let achieved: EpsilonAtOrder
  }

  /// The relative width at which the bisection stops for the RDP accountant: the returned z is
  /// within a factor (1 + 1e-6) of the exact smallest multiplier on the accountant's order grid,
  /// and never below it.
  public static let relativeTolerance = 1e-6

  /// The relative width at which the bisection stops for the PLD accountant, 10⁻⁵: each step
  /// composes a privacy loss distribution, and 10⁻⁵ keeps z well inside the 1 % a caller can
  /// see (ε at 0.99·z misses the target).
  public static let pldRelativeTolerance = 1e-5

  /// The largest noise multiplier tried before giving up.
  public static let largestNoiseMultiplier = 1e6

  /// The smallest noise multiplier z whose T rounds of the Poisson-subsampled Gaussian at rate
  /// q give ε ≤ `targetEpsilon` at δ, by `accountant`: privacy loss distributions (the default;
  /// the pessimistic estimate, so the target holds) or RDP with the tighter conversion.
  ///
  /// ε is non-increasing in z (every order's RDP is), so a bracket is found by doubling and
  /// halving from z = 1, then bisected in log z until the bracket's relative width is below
  /// ``relativeTolerance``; the upper end, which meets the target, is returned.
  ///
  /// - Parameters:
  ///   - targetEpsilon: ε > 0.
  ///   - delta: 0 < δ < 1.
  ///   - rounds: T ≥ 1.
  ///   - samplingRate: q in (0, 1]; pass 1 for no amplification (what holds when the server
  ///     chooses the cohort).
  ///   - relation: the neighbouring relation (replace-one doubles the sensitivity).
  ///   - orders: the Rényi orders of the RDP accountant; ``RDP/defaultOrders`` by default.
  ///   - accountant: ``PrivacyAccountant/pld`` (the default) or ``PrivacyAccountant/rdp``.
  /// - Throws: ``DifferentialPrivacyError/calibrationFailed(targetEpsilon:delta:largestTried:)``
  ///   when even ``largestNoiseMultiplier`` misses the target.
  public static func noiseMultiplier(
    targetEpsilon: Double,
    delta: Double,
    rounds: Int,
    samplingRate: Double,
    relation: NeighboringRelation = .addOrRemoveOne,
    orders: [Double] = RDP.defaultOrders,
    accountant: PrivacyAccountant = .default
  ) throws(DifferentialPrivacyError) -> Result {
    try Validation.positive(targetEpsilon, "targetEpsilon")
    try Validation.delta(delta)
    try Validation.count(rounds, "rounds", minimum: 1)
    guard samplingRate > 0, samplingRate <= 1 else {
      throw .invalidParameter(
        name: "samplingRate", value: "\(samplingRate)", expected: "0 < q ≤ 1")
    }
    let sensitivity = relation.l2Sensitivity(clipBound: 1)
    let tolerance = accountant == .pld ? pldRelativeTolerance : relativeTolerance
    func epsilon(_ z: Double) throws(DifferentialPrivacyError) -> EpsilonAtOrder {
      if accountant == .pld {
        let value = try PrivacyLossDistribution.gaussian(
          standardDeviation: z, samplingRate: samplingRate, relation: relation
        ).composed(count: rounds).epsilon(delta: delta)
        return EpsilonAtOrder(epsilon: value, delta: delta, order: nil)
      }
      var accountant = try RDPAccountant(orders: orders)
      try accountant.composePoissonSubsampledGaussian(
        samplingRate: samplingRate, noiseMultiplier: z / sensitivity, count: rounds)
      return try accountant.epsilon(delta: delta)
    }
    var high = 1.0
    var highEpsilon = try epsilon(high)
    var low = high
    while highEpsilon.epsilon > targetEpsilon {
      low = high
      high *= 2
      guard high <= largestNoiseMultiplier else {
        throw .calibrationFailed(
          targetEpsilon: targetEpsilon, delta: delta, largestTried: largestNoiseMultiplier)
      }
      highEpsilon = try epsilon(high)
    }
    if low == high {
      // z = 1 already meets the target: halve until it does not.
      while low > 1e-6, try epsilon(low).epsilon <= targetEpsilon {
        high = low
        low /= 2
      }
      highEpsilon = try epsilon(high)
    }
    while high - low > tolerance * high {
      let middle = (low * high).squareRoot()
      let middleEpsilon = try epsilon(middle)
      if middleEpsilon.epsilon <= targetEpsilon {
        high = middle
        highEpsilon = middleEpsilon
      } else {
        low = middle
      }
    }
    return Result(noiseMultiplier: high, achieved: highEpsilon)
  }
}
