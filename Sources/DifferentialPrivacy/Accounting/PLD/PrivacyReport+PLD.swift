import Foundation

extension PrivacyReport {
  /// The report for T rounds of a mechanism given by its privacy loss distribution per round at
  /// a sampling rate, with the optimistic estimate as a lower bound on the true ε.
  ///
  /// The ε with amplification composes T rounds of `round(q, …)` at the cohort's rate q, the ε
  /// without it T rounds of `round(1, …)`; under replace-one no amplified distribution is built
  /// (no amplification is claimed for it) and both are the unamplified value.
  ///
  /// - Parameters:
  ///   - accountant: a name for the report, e.g. "PLD (Poisson-subsampled Gaussian)".
  ///   - noiseMultiplier: σ_total / C, for the report.
  ///   - sampling: the cohort sampling; its rate is in [0, 1].
  ///   - rounds: T ≥ 0.
  ///   - delta: 0 < δ < 1.
  ///   - relation: the neighbouring relation the round's distribution was built for.
  ///   - lowerBound: whether to also compose the optimistic estimate, for
  ///     ``epsilonLowerBound`` (doubles the work); true by default.
  ///   - round: one round's distribution at a sampling rate and an estimate.
  public static func privacyLoss(
    accountant: String,
    noiseMultiplier: Double,
    sampling: CohortSampling,
    rounds: Int,
    delta: Double,
    relation: NeighboringRelation = .addOrRemoveOne,
    lowerBound: Bool = true,
    round: (_ samplingRate: Double, _ estimate: PrivacyLossDistribution.Estimate)
      throws(DifferentialPrivacyError) -> PrivacyLossDistribution
  ) throws(DifferentialPrivacyError) -> PrivacyReport {
    try Validation.positive(noiseMultiplier, "noiseMultiplier")
    try Validation.samplingRate(sampling.rate)
    try Validation.count(rounds, "rounds", minimum: 0)
    try Validation.delta(delta)
    let holds: Bool
    switch sampling {
    case .poisson: holds = relation == .addOrRemoveOne
    case .chosenByServer: holds = false
    }
    let amplified = relation == .addOrRemoveOne && sampling.rate < 1
    func epsilon(rate: Double, estimate: PrivacyLossDistribution.Estimate)
      throws(DifferentialPrivacyError) -> Double
    {
      try round(rate, estimate).composed(count: rounds).epsilon(delta: delta)
    }
    let without = try epsilon(rate: 1, estimate: .pessimistic)
    let with = amplified ? try epsilon(rate: sampling.rate, estimate: .pessimistic) : without
    var lower: Double?
    if lowerBound {
      lower = try epsilon(rate: holds && amplified ? sampling.rate : 1, estimate: .optimistic)
    }
    return PrivacyReport(
      relation: relation, accountant: accountant, noiseMultiplier: noiseMultiplier,
      sampling: sampling, rounds: rounds,
      epsilonWithAmplification: EpsilonAtOrder(epsilon: with, delta: delta, order: nil),
      epsilonWithoutAmplification: EpsilonAtOrder(epsilon: without, delta: delta, order: nil),
      amplificationHolds: holds, epsilonLowerBound: lower)
  }

  /// The report for T rounds of a distributed integer mechanism through the Gaussian that
  /// dominates its noise: ``privacyLoss(accountant:noiseMultiplier:sampling:rounds:delta:relation:lowerBound:round:)``
  /// of ``PrivacyLossDistribution/distributed(_:l2Sensitivity:dimension:samplingRate:relation:valueDiscretization:estimate:tailMass:)``.
  ///
  /// - Parameters:
  ///   - accountant: a name for the report.
  ///   - dominance: the summed noise's dominating Gaussian.
  ///   - sensitivity: the rounded sensitivities (Δ₂ and the padded dimension are used).
  ///   - noiseMultiplier: σ_total / C, for the report.
  ///   - sampling: the cohort sampling.
  ///   - rounds: T ≥ 0.
  ///   - delta: 0 < δ < 1.
  ///   - relation: the relation `sensitivity` was computed for.
  ///   - lowerBound: whether to compute ``epsilonLowerBound``; true by default.
  public static func distributed(
    accountant: String,
    dominance: GaussianDominance,
    sensitivity: RoundedSensitivity,
    noiseMultiplier: Double,
    sampling: CohortSampling,
    rounds: Int,
    delta: Double,
    relation: NeighboringRelation = .addOrRemoveOne,
    lowerBound: Bool = true
  ) throws(DifferentialPrivacyError) -> PrivacyReport {
    try privacyLoss(
      accountant: accountant, noiseMultiplier: noiseMultiplier, sampling: sampling,
      rounds: rounds, delta: delta, relation: relation, lowerBound: lowerBound
    ) { (rate, estimate) throws(DifferentialPrivacyError) in
      try PrivacyLossDistribution.distributed(
        dominance, l2Sensitivity: sensitivity.l2, dimension: sensitivity.paddedDimension,
        samplingRate: rate, relation: relation, estimate: estimate)
    }
  }
}
