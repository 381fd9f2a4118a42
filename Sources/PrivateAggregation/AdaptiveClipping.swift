import Foundation

/// Adaptive clipping by private quantile estimation: the clip bound C follows a target quantile
/// γ of the clients' update norms, from a noised count of the clients whose updates it did not
/// clip.
///
/// This is the method of Andrew, Thakkar, McMahan & Ramaswamy, "Differentially Private Learning
/// with Adaptive Clipping" (NeurIPS 2021). Each client reports, alongside its update, the bit
/// bᵢ = 1 when its update's L2 norm is at most the current bound C (``unclippedBit(norm:bound:)``)
/// and 0 otherwise. The server receives the noised count B̃ = Σ bᵢ + N(0, σ_b²) — the noise is
/// added by the pipeline, as for the update, not by this type — and, with b̄ = B̃ / n for the n
/// clients whose bits are in the sum, takes the geometric step
///
///     C ← C · exp(−η · (b̄ − γ)),
///
/// clamped into [``minimumBound``, ``maximumBound``] (``update(noisedUnclippedCount:clients:)``).
/// Too many unclipped updates (b̄ > γ) shrink the bound, too few grow it.
///
/// Privacy: centred as bᵢ − 1/2, the bit sum has sensitivity 1/2, so releasing it with noise σ_b
/// alongside the update sum with noise multiplier z_Δ costs exactly what one Gaussian sum with
/// multiplier z costs when 1/z² = 1/z_Δ² + 1/(2σ_b)²: ``updateNoiseMultiplier(total:countStandardDeviation:)``
/// gives the z_Δ to use for the update when the accountant is told z.
///
/// The value is a state machine: ``update(noisedUnclippedCount:clients:)`` is `mutating` and
/// leaves the value unchanged when it throws.
public struct AdaptiveClipping: Sendable, Hashable {
  /// The target quantile γ of the update norms, in (0, 1): the fraction of updates the bound
  /// should leave unclipped. The paper's default is 0.5 (the median).
  public let targetQuantile: Double
  /// The learning rate η > 0 of the geometric step. The paper's default is 0.2.
  public let learningRate: Double
  /// σ_b > 0, the standard deviation of the noise the pipeline adds to the count Σ bᵢ. The paper
  /// recommends about the expected number of clients per round over 20.
  public let countStandardDeviation: Double
  /// The smallest bound the update may reach (> 0): a step below it stops here, so that a run of
  /// noisy counts cannot drive the bound to 0, from which the geometric step needs many rounds
  /// to recover.
  public let minimumBound: Double
  /// The largest bound the update may reach (finite, ≥ ``minimumBound``): a step above it stops
  /// here, so that the bound stays finite and within what the pipeline's encoding can carry.
  public let maximumBound: Double
  /// The current clip bound C, always in [``minimumBound``, ``maximumBound``].
  public private(set) var bound: Double

  /// Starts adaptive clipping at `initialBound`.
  ///
  /// - Parameters:
  ///   - initialBound: the first clip bound C, finite, in [`minimumBound`, `maximumBound`].
  ///   - targetQuantile: γ in (0, 1); 0.5 by default.
  ///   - learningRate: η, finite and > 0; 0.2 by default.
  ///   - countStandardDeviation: σ_b, the standard deviation of the noise on the count,
  ///     finite and > 0.
  ///   - minimumBound: the smallest bound, finite and > 0; 10⁻⁶ by default.
  ///   - maximumBound: the largest bound, finite and ≥ `minimumBound`; 10⁶ by default.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming the
  ///   parameter that is out of range.
  public init(
    initialBound: Double,
    targetQuantile: Double = 0.5,
    learningRate: Double = 0.2,
    countStandardDeviation: Double,
    minimumBound: Double = 1e-6,
    maximumBound: Double = 1e6
  ) throws(PrivateAggregationError) {
    guard targetQuantile > 0, targetQuantile < 1 else {
      throw .invalidParameter(
        name: "targetQuantile", value: "\(targetQuantile)", expected: "a quantile 0 < γ < 1")
    }
    guard learningRate.isFinite, learningRate > 0 else {
      throw .invalidParameter(
        name: "learningRate", value: "\(learningRate)", expected: "a finite η > 0")
    }
    guard countStandardDeviation.isFinite, countStandardDeviation > 0 else {
      throw .invalidParameter(
        name: "countStandardDeviation", value: "\(countStandardDeviation)",
        expected: "a finite σ_b > 0")
    }
    guard minimumBound.isFinite, minimumBound > 0 else {
      throw .invalidParameter(
        name: "minimumBound", value: "\(minimumBound)", expected: "a finite bound > 0")
    }
    guard maximumBound.isFinite, maximumBound >= minimumBound else {
      throw .invalidParameter(
        name: "maximumBound", value: "\(maximumBound)",
        expected: "a finite bound ≥ minimumBound = \(minimumBound)")
    }
    guard initialBound.isFinite, initialBound >= minimumBound, initialBound <= maximumBound
    else {
      throw .invalidParameter(
        name: "initialBound", value: "\(initialBound)",
        expected:
          "a finite bound in [minimumBound, maximumBound] = [\(minimumBound), \(maximumBound)]"
      )
    }
    self.targetQuantile = targetQuantile
    self.learningRate = learningRate
    self.countStandardDeviation = countStandardDeviation
    self.minimumBound = minimumBound
    self.maximumBound = maximumBound
    self.bound = initialBound
  }

  /// The noise multiplier z_Δ of the update sum that, together with the count's noise σ_b,
  /// costs what one Gaussian sum with multiplier z costs: z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2)
  /// (Andrew et al. 2021).
  ///
  /// Account for the round with z (the pair's cost) and add noise z_Δ · C to the update sum;
  /// z_Δ > z, the price of the bits.
  ///
  /// - Parameters:
  ///   - z: the noise multiplier the accountant is told, finite and > 0.
  ///   - countStandardDeviation: σ_b, finite, > z/2.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming `total`
  ///   or `countStandardDeviation` (when 2σ_b ≤ z the bits alone cost more than z allows).
  public static func updateNoiseMultiplier(
    total z: Double,
    countStandardDeviation: Double
  ) throws(PrivateAggregationError) -> Double {
    guard z.isFinite, z > 0 else {
      throw .invalidParameter(name: "total", value: "\(z)", expected: "a finite z > 0")
    }
    let twiceSigma = 2 * countStandardDeviation
    guard countStandardDeviation.isFinite, twiceSigma > z else {
      throw .invalidParameter(
        name: "countStandardDeviation", value: "\(countStandardDeviation)",
        expected: "a finite σ_b > z/2 = \(z / 2)")
    }
    // 2σ_b·z / √((2σ_b − z)(2σ_b + z)), the same as (z⁻² − (2σ_b)⁻²)^(−1/2) without the
    // cancellation of subtracting two nearly equal reciprocals.
    return twiceSigma * z / ((twiceSigma - z) * (twiceSigma + z)).squareRoot()
  }

  /// The bit a client reports: 1 when its update's L2 norm is at most `bound` (the update is not
  /// clipped), else 0. A NaN norm gives 0.
  public static func unclippedBit(norm: Double, bound: Double) -> Int {
    norm <= bound ? 1 : 0
  }

  /// Takes one geometric step from the round's noised count of unclipped updates:
  /// C ← clamp(C · exp(−η · (B̃/n − γ)), ``minimumBound``, ``maximumBound``).
  ///
  /// The noised fraction B̃/n is used as it is, even outside [0, 1]: clamping it would bias the
  /// step.
  ///
  /// - Parameters:
  ///   - noisedUnclippedCount: B̃ = Σ bᵢ + N(0, σ_b²), finite.
  ///   - clients: n ≥ 1, the number of clients whose bits are in the sum.
  /// - Returns: the new bound.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `clients` or `noisedUnclippedCount`; the value is then unchanged.
  @discardableResult
  public mutating func update(
    noisedUnclippedCount: Double,
    clients: Int
  ) throws(PrivateAggregationError) -> Double {
    guard clients >= 1 else {
      throw .invalidParameter(name: "clients", value: "\(clients)", expected: "an integer ≥ 1")
    }
    guard noisedUnclippedCount.isFinite else {
      throw .invalidParameter(
        name: "noisedUnclippedCount", value: "\(noisedUnclippedCount)",
        expected: "a finite noised count")
    }
    let fraction = noisedUnclippedCount / Double(clients)
    // C is finite and > 0 and exp(·) is in [0, +∞], so the product is in [0, +∞]: never NaN.
    let stepped = bound * exp(-learningRate * (fraction - targetQuantile))
    bound = min(max(stepped, minimumBound), maximumBound)
    return bound
  }
}
