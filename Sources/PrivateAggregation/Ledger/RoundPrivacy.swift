public import DifferentialPrivacy

/// One round's privacy, as a ``PrivacyLedger`` records it: the round's RDP at the ledger's
/// orders and, when the round is accounted by PLD, its privacy loss distribution, each with and
/// without amplification by sampling.
///
/// The round is given by its mechanism's unsampled RDP curve — a `DistributedDiscreteGaussian`,
/// a `DistributedSkellam` or `RDP/gaussian(noiseMultiplier:order:)`, say — and optionally by
/// its pessimistic privacy loss distribution at a sampling rate (e.g.
/// `PrivacyLossDistribution/distributed(_:l2Sensitivity:dimension:samplingRate:relation:valueDiscretization:estimate:tailMass:)`),
/// both already using the sensitivity of `relation` (2C for replace-one).
/// ``AggregationPlan/roundPrivacy(orders:)`` gives the round of a plan. The curve and the
/// distributions are evaluated once, here: the value keeps only the numbers, so it is
/// `Sendable` and `Hashable`.
public struct RoundPrivacy: Sendable, Hashable {
  /// A name for the accounting used, e.g. "RDP (distributed discrete Gaussian)".
  public let accountant: String
  /// The standard deviation of the round's total noise over the clip bound (σ_total / C), for
  /// display; the accounting uses the curve.
  public let noiseMultiplier: Double
  /// How the round's cohort is chosen.
  public let sampling: CohortSampling
  /// Which datasets the round's guarantee makes indistinguishable.
  public let relation: NeighboringRelation
  /// The Rényi orders at which ``unsampledRDP`` and ``sampledRDP`` are given.
  public let orders: [Double]
  /// The mechanism's own RDP at each of ``orders``: the round counted in full, as if the client
  /// took part in it.
  public let unsampledRDP: [Double]
  /// The RDP at each of ``orders`` with amplification by Poisson sampling at the cohort's rate
  /// (the general bound of `RDP/poissonSubsampled(samplingRate:orders:curve:)`), never more
  /// than ``unsampledRDP``. It is a guarantee only when ``amplificationHolds``.
  public let sampledRDP: [Double]
  /// Whether ``sampledRDP`` is a valid guarantee: true only for a `CohortSampling/poisson(rate:)`
  /// cohort under `NeighboringRelation/addOrRemoveOne` — the rule of
  /// `PrivacyReport/amplificationHolds`.
  public let amplificationHolds: Bool
  /// The round's pessimistic privacy loss distribution without sampling — the round counted in
  /// full — or `nil` for a round accounted by RDP only.
  public let privacyLoss: PrivacyLossDistribution?
  /// The round's pessimistic privacy loss distribution at the cohort's Poisson rate; `nil`
  /// when the round has no ``privacyLoss``, when amplification does not hold (none is claimed,
  /// so none is built) or when the rate is 1 (it would equal ``privacyLoss``).
  public let sampledPrivacyLoss: PrivacyLossDistribution?

  /// Evaluates one round's RDP curve at `orders`, with and without amplification by sampling.
  ///
  /// - Parameters:
  ///   - accountant: a name for the accounting, e.g. "RDP (distributed discrete Gaussian)".
  ///   - noiseMultiplier: σ_total / C, finite and > 0, for display.
  ///   - sampling: the cohort sampling; its rate is in [0, 1].
  ///   - relation: the neighbouring relation the curve's sensitivities were computed for;
  ///     add-or-remove-one by default.
  ///   - orders: Rényi orders, each finite and > 1; `RDP/defaultOrders` by default. They must
  ///     be the orders of the ledger the round is recorded in.
  ///   - privacyLoss: the round's pessimistic privacy loss distribution at a sampling rate: called
  ///     with 1, and with the cohort's rate when amplification holds and the rate is below 1;
  ///     `nil` (the default) for a round accounted by RDP only. Every distribution must be
  ///     pessimistic and on one grid.
  ///   - curve: the round's RDP at an order α, without sampling; ≥ 0 (+∞ allowed). When the
  ///     rate is below 1 it is also evaluated at the integer orders 2 … ⌈max(orders)⌉.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `noiseMultiplier`, `sampling`, `orders`, `curve(α)` or `privacyLoss`, or
  ///   the curve's or the distribution's own error as
  ///   ``PrivateAggregationError/init(_:)-(DifferentialPrivacyError)`` converts it (wrapped in
  ///   ``PrivateAggregationError/differentialPrivacy(_:)``, most cases).
  public init(
    accountant: String,
    noiseMultiplier: Double,
    sampling: CohortSampling,
    relation: NeighboringRelation = .addOrRemoveOne,
    orders: [Double] = RDP.defaultOrders,
    privacyLoss: (
      (_ samplingRate: Double) throws(DifferentialPrivacyError) -> PrivacyLossDistribution
    )? = nil,
    curve: (Double) throws(DifferentialPrivacyError) -> Double
  ) throws(PrivateAggregationError) {
    guard noiseMultiplier.isFinite, noiseMultiplier > 0 else {
      throw .invalidParameter(
        name: "noiseMultiplier", value: "\(noiseMultiplier)", expected: "a finite number > 0")
    }
    guard sampling.rate >= 0, sampling.rate <= 1 else {
      throw .invalidParameter(
        name: "sampling", value: "\(sampling)", expected: "a rate (or fraction) in [0, 1]")
    }
    try PrivacyLedger.validate(orders: orders)
    var unsampled: [Double] = []
    unsampled.reserveCapacity(orders.count)
    for order in orders {
      let value = try PrivateAggregationError.liftingPrivacyError {
        () throws(DifferentialPrivacyError) in try curve(order)
      }
      guard value >= 0 else {
        throw .invalidParameter(
          name: "curve(\(order))", value: "\(value)", expected: "a Rényi divergence ≥ 0")
      }
      unsampled.append(value)
    }
    let sampled = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try RDP.poissonSubsampled(samplingRate: sampling.rate, orders: orders, curve: curve)
    }
    let holds = Self.amplificationHolds(sampling: sampling, relation: relation)
    var loss: PrivacyLossDistribution?
    var sampledLoss: PrivacyLossDistribution?
    if let privacyLoss {
      try PrivateAggregationError.liftingPrivacyError { () throws(DifferentialPrivacyError) in
        loss = try privacyLoss(1)
        if holds, sampling.rate < 1 { sampledLoss = try privacyLoss(sampling.rate) }
      }
      for distribution in [loss, sampledLoss].compactMap({ $0 }) {
        guard distribution.estimate == .pessimistic else {
          throw .invalidParameter(
            name: "privacyLoss", value: distribution.estimate.rawValue,
            expected: "a pessimistic distribution (an upper bound on the round's privacy)")
        }
        guard distribution.valueDiscretization == loss?.valueDiscretization else {
          throw .invalidParameter(
            name: "privacyLoss", value: "grid \(distribution.valueDiscretization)",
            expected: "one grid for the round at every sampling rate")
        }
      }
    }
    self.accountant = accountant
    self.noiseMultiplier = noiseMultiplier
    self.sampling = sampling
    self.relation = relation
    self.orders = orders
    self.unsampledRDP = unsampled
    self.sampledRDP = sampled
    self.amplificationHolds = holds
    self.privacyLoss = loss
    self.sampledPrivacyLoss = sampledLoss
  }

  /// A round with the given values, checked by the caller (the decoder).
  init(
    accountant: String, noiseMultiplier: Double, sampling: CohortSampling,
    relation: NeighboringRelation, orders: [Double], unsampledRDP: [Double],
    sampledRDP: [Double], amplificationHolds: Bool, privacyLoss: PrivacyLossDistribution?,
    sampledPrivacyLoss: PrivacyLossDistribution?
  ) {
    self.accountant = accountant
    self.noiseMultiplier = noiseMultiplier
    self.sampling = sampling
    self.relation = relation
    self.orders = orders
    self.unsampledRDP = unsampledRDP
    self.sampledRDP = sampledRDP
    self.amplificationHolds = amplificationHolds
    self.privacyLoss = privacyLoss
    self.sampledPrivacyLoss = sampledPrivacyLoss
  }

  /// Whether amplification by sampling is a valid guarantee for a cohort chosen by `sampling`
  /// under `relation`: only a Poisson cohort under add-or-remove-one.
  static func amplificationHolds(sampling: CohortSampling, relation: NeighboringRelation) -> Bool {
    switch sampling {
    case .poisson: relation == .addOrRemoveOne
    case .chosenByServer: false
    }
  }

  /// The RDP this round adds to the guarantee that holds: ``sampledRDP`` when
  /// ``amplificationHolds``, else ``unsampledRDP``.
  var effectiveRDP: [Double] {
    amplificationHolds ? sampledRDP : unsampledRDP
  }

  /// The distribution this round adds to the guarantee that holds: ``sampledPrivacyLoss`` when
  /// there is one (amplification holds), else ``privacyLoss``.
  var effectivePrivacyLoss: PrivacyLossDistribution? {
    sampledPrivacyLoss ?? privacyLoss
  }
}
