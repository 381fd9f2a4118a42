/// How each round's cohort is chosen, which decides whether amplification by sampling may be
/// claimed.
public enum CohortSampling: Sendable, Hashable, Codable {
  /// Every client joins each round independently with probability `rate`, by a coin the server
  /// does not control: Poisson sampling, for which amplification by sampling holds.
  case poisson(rate: Double)
  /// The server (or anyone the client does not trust) picks the cohort, a fraction `fraction` of
  /// the clients on average. No amplification is claimed: the server may put the same client in
  /// every round.
  case chosenByServer(fraction: Double)

  /// The fraction of clients in a round.
  public var rate: Double {
    switch self {
    case .poisson(let rate): return rate
    case .chosenByServer(let fraction): return fraction
    }
  }

  private enum CodingKeys: String, CodingKey {
    case kind, rate
  }

  /// Encodes the sampling as `{"kind": "poisson" | "chosenByServer", "rate": r}`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .poisson: try container.encode("poisson", forKey: .kind)
    case .chosenByServer: try container.encode("chosenByServer", forKey: .kind)
    }
    try container.encode(rate, forKey: .rate)
  }

  /// Decodes what ``encode(to:)`` writes.
  ///
  /// - Throws: `DecodingError.dataCorrupted` for an unknown kind or a rate outside [0, 1].
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let kind = try container.decode(String.self, forKey: .kind)
    let rate = try container.decode(Double.self, forKey: .rate)
    guard rate >= 0, rate <= 1 else {
      throw DecodingError.dataCorruptedError(
        forKey: .rate, in: container, debugDescription: "\(rate); expected a rate in [0, 1]")
    }
    switch kind {
    case "poisson": self = .poisson(rate: rate)
    case "chosenByServer": self = .chosenByServer(fraction: rate)
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .kind, in: container,
        debugDescription: "\(kind); expected poisson or chosenByServer")
    }
  }
}

/// The privacy of T rounds of a Gaussian sum, with ε both with and without amplification by
/// sampling, the δ, the accountant and the neighbouring relation it protects.
///
/// ``epsilonWithoutAmplification`` counts every round as if the client took part in it: it holds
/// against a server that chooses the cohort itself. ``epsilonWithAmplification`` applies the
/// Poisson-subsampled Gaussian analysis at the cohort's rate; it is the guarantee only when
/// ``amplificationHolds`` (a Poisson-sampled cohort under add-or-remove-one neighbours), and
/// ``epsilon`` picks the one that holds.
public struct PrivacyReport: Sendable, Hashable {
  /// Which datasets are indistinguishable: what the ε protects.
  public let relation: NeighboringRelation
  /// A name for the accounting used, e.g. "RDP (Poisson-subsampled Gaussian)".
  public let accountant: String
  /// The noise multiplier z: the standard deviation of the total noise in the released sum
  /// divided by the clip bound C.
  public let noiseMultiplier: Double
  /// How the cohorts were chosen.
  public let sampling: CohortSampling
  /// The number of rounds T composed.
  public let rounds: Int
  /// ε (with its δ and optimal order) with amplification by sampling at the cohort's rate.
  public let epsilonWithAmplification: EpsilonAtOrder
  /// ε (with its δ and optimal order) without amplification: every round counted in full.
  public let epsilonWithoutAmplification: EpsilonAtOrder
  /// Whether ``epsilonWithAmplification`` is a valid guarantee: true only for Poisson-sampled
  /// cohorts under ``NeighboringRelation/addOrRemoveOne`` (the subsampled-Gaussian analysis is
  /// for adding or removing one client).
  public let amplificationHolds: Bool
  /// For a PLD accountant: the optimistic estimate of the ε that holds, a lower bound on the
  /// true ε, so the reported ``epsilon`` exceeds the truth by at most ``epsilon`` − this (the
  /// discretization error, bounded). `nil` for the other accountants (RDP's slack is not
  /// measured; the analytic Gaussian is exact).
  public let epsilonLowerBound: Double?

  init(
    relation: NeighboringRelation,
    accountant: String,
    noiseMultiplier: Double,
    sampling: CohortSampling,
    rounds: Int,
    epsilonWithAmplification: EpsilonAtOrder,
    epsilonWithoutAmplification: EpsilonAtOrder,
    amplificationHolds: Bool,
    epsilonLowerBound: Double? = nil
  ) {
    self.relation = relation
    self.accountant = accountant
    self.noiseMultiplier = noiseMultiplier
    self.sampling = sampling
    self.rounds = rounds
    self.epsilonWithAmplification = epsilonWithAmplification
    self.epsilonWithoutAmplification = epsilonWithoutAmplification
    self.amplificationHolds = amplificationHolds
    self.epsilonLowerBound = epsilonLowerBound
  }

  /// The ε that holds: with amplification when ``amplificationHolds``, else without it.
  public var epsilon: EpsilonAtOrder {
    amplificationHolds ? epsilonWithAmplification : epsilonWithoutAmplification
  }

  /// The report for T rounds of Gaussian noise with multiplier z = σ/C, each round's cohort
  /// chosen by `sampling`, accounted by `accountant`: privacy loss distributions
  /// (``PrivacyLossDistribution/gaussian(standardDeviation:sensitivity:samplingRate:relation:valueDiscretization:estimate:tailMass:)``,
  /// the default) or RDP on `orders` with the tighter conversion.
  ///
  /// Under ``NeighboringRelation/replaceOne`` the L2 sensitivity is 2C, so each round is a
  /// Gaussian with noise multiplier z/2 for the accountant, and no amplification is claimed.
  ///
  /// - Parameters:
  ///   - noiseMultiplier: z > 0.
  ///   - sampling: the cohort sampling; its rate is in [0, 1].
  ///   - rounds: T ≥ 0.
  ///   - delta: 0 < δ < 1.
  ///   - relation: the neighbouring relation; add-or-remove-one by default.
  ///   - orders: the Rényi orders of the RDP accountant; ``RDP/defaultOrders`` by default.
  ///   - accountant: ``PrivacyAccountant/pld`` (the default) or ``PrivacyAccountant/rdp``.
  public static func gaussian(
    noiseMultiplier: Double,
    sampling: CohortSampling,
    rounds: Int,
    delta: Double,
    relation: NeighboringRelation = .addOrRemoveOne,
    orders: [Double] = RDP.defaultOrders,
    accountant: PrivacyAccountant = .default
  ) throws(DifferentialPrivacyError) -> PrivacyReport {
    if accountant == .pld {
      try Validation.positive(noiseMultiplier, "noiseMultiplier")
      return try privacyLoss(
        accountant: "PLD (Poisson-subsampled Gaussian)", noiseMultiplier: noiseMultiplier,
        sampling: sampling, rounds: rounds, delta: delta, relation: relation
      ) { (rate, estimate) throws(DifferentialPrivacyError) in
        try PrivacyLossDistribution.gaussian(
          standardDeviation: noiseMultiplier, samplingRate: rate, relation: relation,
          estimate: estimate)
      }
    }
    try Validation.positive(noiseMultiplier, "noiseMultiplier")
    try Validation.samplingRate(sampling.rate)
    try Validation.count(rounds, "rounds", minimum: 0)
    try Validation.delta(delta)
    let effective = noiseMultiplier / relation.l2Sensitivity(clipBound: 1)
    var full = try RDPAccountant(orders: orders)
    try full.composeGaussian(noiseMultiplier: effective, count: rounds)
    var sampled = try RDPAccountant(orders: orders)
    try sampled.composePoissonSubsampledGaussian(
      samplingRate: sampling.rate, noiseMultiplier: effective, count: rounds)
    let holds: Bool
    switch sampling {
    case .poisson: holds = relation == .addOrRemoveOne
    case .chosenByServer: holds = false
    }
    return PrivacyReport(
      relation: relation,
      accountant: "RDP (Poisson-subsampled Gaussian)",
      noiseMultiplier: noiseMultiplier,
      sampling: sampling,
      rounds: rounds,
      epsilonWithAmplification: try sampled.epsilon(delta: delta),
      epsilonWithoutAmplification: try full.epsilon(delta: delta),
      amplificationHolds: holds
    )
  }

  /// The report for T rounds of any mechanism given by its unsampled RDP curve per round — a
  /// ``DistributedDiscreteGaussian`` or ``DistributedSkellam``, say — with amplification by
  /// Poisson sampling from the general bound of Zhu & Wang 2019
  /// (``RDP/poissonSubsampled(samplingRate:orders:curve:)``).
  ///
  /// The curve must already use the sensitivity of `relation` (2C for replace-one); amplification
  /// holds only for Poisson-sampled cohorts under add-or-remove-one, as for
  /// ``gaussian(noiseMultiplier:sampling:rounds:delta:relation:orders:accountant:)``.
  ///
  /// - Parameters:
  ///   - accountant: a name for the report, e.g. "RDP (distributed discrete Gaussian)".
  ///   - noiseMultiplier: the total noise's standard deviation over the clip bound, for the
  ///     report (see ``DistributedDiscreteGaussian/noiseMultiplier(clipBound:scale:)``).
  ///   - sampling: the cohort sampling; its rate is in [0, 1].
  ///   - rounds: T ≥ 0.
  ///   - delta: 0 < δ < 1.
  ///   - relation: the neighbouring relation the curve's sensitivities were computed for.
  ///   - orders: the Rényi orders; ``RDP/defaultOrders`` by default.
  ///   - curve: one round's RDP at an order, without sampling.
  public static func mechanism(
    accountant: String,
    noiseMultiplier: Double,
    sampling: CohortSampling,
    rounds: Int,
    delta: Double,
    relation: NeighboringRelation = .addOrRemoveOne,
    orders: [Double] = RDP.defaultOrders,
    curve: (Double) throws(DifferentialPrivacyError) -> Double
  ) throws(DifferentialPrivacyError) -> PrivacyReport {
    try Validation.positive(noiseMultiplier, "noiseMultiplier")
    try Validation.samplingRate(sampling.rate)
    try Validation.count(rounds, "rounds", minimum: 0)
    try Validation.delta(delta)
    var full = try RDPAccountant(orders: orders)
    try full.compose(count: rounds, curve: curve)
    var sampled = try RDPAccountant(orders: orders)
    try sampled.composePoissonSubsampled(samplingRate: sampling.rate, count: rounds, curve: curve)
    let holds: Bool
    switch sampling {
    case .poisson: holds = relation == .addOrRemoveOne
    case .chosenByServer: holds = false
    }
    return PrivacyReport(
      relation: relation,
      accountant: accountant,
      noiseMultiplier: noiseMultiplier,
      sampling: sampling,
      rounds: rounds,
      epsilonWithAmplification: try sampled.epsilon(delta: delta),
      epsilonWithoutAmplification: try full.epsilon(delta: delta),
      amplificationHolds: holds
    )
  }
}

extension PrivacyReport {
  /// The report for one release of Gaussian noise N(0, σ²) on a query of L2 sensitivity Δ,
  /// calibrated by the analytic Gaussian mechanism (``AnalyticGaussian``): the exact ε of one
  /// continuous Gaussian release, the reference no accountant of many rounds can beat. One round,
  /// every client in it, no amplification; ``EpsilonAtOrder/order`` is `nil`.
  ///
  /// - Parameters:
  ///   - standardDeviation: σ > 0.
  ///   - sensitivity: Δ > 0, already for `relation`.
  ///   - delta: 0 < δ < 1.
  ///   - noiseMultiplier: σ/C for the report.
  ///   - relation: the neighbouring relation Δ was computed for.
  ///   - accountant: a name for the report; "analytic Gaussian" by default.
  public static func analyticGaussian(
    standardDeviation: Double,
    sensitivity: Double,
    delta: Double,
    noiseMultiplier: Double,
    relation: NeighboringRelation = .addOrRemoveOne,
    accountant: String = "analytic Gaussian (one release)"
  ) throws(DifferentialPrivacyError) -> PrivacyReport {
    try Validation.positive(noiseMultiplier, "noiseMultiplier")
    let epsilon = try AnalyticGaussian.epsilon(
      standardDeviation: standardDeviation, sensitivity: sensitivity, delta: delta)
    let value = EpsilonAtOrder(epsilon: epsilon, delta: delta, order: nil)
    return PrivacyReport(
      relation: relation, accountant: accountant, noiseMultiplier: noiseMultiplier,
      sampling: .poisson(rate: 1), rounds: 1, epsilonWithAmplification: value,
      epsilonWithoutAmplification: value, amplificationHolds: false)
  }
}
