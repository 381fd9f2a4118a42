import Foundation

extension PrivacyLossDistribution {
  /// The distribution of a d-dimensional additive integer-noise mechanism — the distributed
  /// discrete Gaussian or Skellam — through the Gaussian that dominates its exact noise
  /// (``GaussianDominance``), with the noise's unchecked tails added to δ.
  ///
  /// The mechanism with L2 sensitivity Δ₂ (in integer units, for the relation already: see
  /// ``RoundedSensitivity``) is dominated by the Gaussian mechanism of standard deviation σ_eff
  /// and sensitivity Δ₂, composed with (0, d·β)-DP; the result is that Gaussian's distribution
  /// (Poisson-subsampled at rate q under add-or-remove-one) with d·β of its mass moved to an
  /// infinite loss.
  ///
  /// - Parameters:
  ///   - dominance: the noise's dominating Gaussian, computed for a largest shift ≥ Δ₂.
  ///   - l2Sensitivity: Δ₂ > 0, in integer units.
  ///   - dimension: d ≥ 1, the number of noised coordinates.
  ///   - samplingRate: q in [0, 1]; 1 by default.
  ///   - relation: the relation Δ₂ was computed for. Under replace-one Δ₂ is already doubled,
  ///     so only q = 1 is accepted (no amplification is claimed for replace-one).
  ///   - valueDiscretization: the grid interval h in (0, 1]; 10⁻⁴ by default.
  ///   - estimate: pessimistic (the default) or optimistic.
  ///   - tailMass: the mass each composition may cut from each tail; 10⁻¹⁵ by default.
  public static func distributed(
    _ dominance: GaussianDominance,
    l2Sensitivity: Double,
    dimension: Int,
    samplingRate: Double = 1,
    relation: NeighboringRelation = .addOrRemoveOne,
    valueDiscretization: Double = defaultValueDiscretization,
    estimate: Estimate = .pessimistic,
    tailMass: Double = defaultTailMass
  ) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    try Validation.positive(l2Sensitivity, "l2Sensitivity")
    try Validation.count(dimension, "dimension", minimum: 1)
    guard Double(dominance.largestShift) >= l2Sensitivity else {
      throw .invalidParameter(
        name: "dominance", value: "computed for shifts up to \(dominance.largestShift)",
        expected: "a largest shift ≥ the L2 sensitivity \(l2Sensitivity)")
    }
    if relation == .replaceOne, samplingRate != 1 {
      throw .invalidParameter(
        name: "samplingRate", value: "\(samplingRate)",
        expected: "1 under replace-one (amplification is claimed only for add-or-remove-one)")
    }
    var result = try gaussian(
      standardDeviation: dominance.standardDeviation, sensitivity: l2Sensitivity,
      samplingRate: samplingRate, relation: .addOrRemoveOne,
      valueDiscretization: valueDiscretization, estimate: estimate, tailMass: tailMass)
    let slack = min(1, Double(dimension) * dominance.slackPerCoordinate)
    if estimate == .pessimistic, slack > 0 {
      result.removal.addInfinityMass(slack)
      result.addition?.addInfinityMass(slack)
    }
    return result
  }
}

extension PrivacyLossMasses {
  /// Composes with (0, β)-DP: a fraction β of the mass moves to an infinite loss.
  mutating func addInfinityMass(_ beta: Double) {
    let keep = 1 - beta
    masses = masses.map { $0 * keep }
    infinityMass = min(1, infinityMass * keep + beta)
  }
}
