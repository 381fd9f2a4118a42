public import DifferentialPrivacy

extension AggregationPlan {
  /// One round's privacy curve.
  enum Accounting: Sendable {
    case distributedGaussian(DistributedDiscreteGaussian)
    case distributedSkellam(DistributedSkellam)
    case central(GridGaussianMechanism)
    case local(DistributedDiscreteGaussian)
  }

  /// The most grid steps per standard deviation for which central DP is accounted by PLD,
  /// 2¹⁴: the dominating Gaussian's computation is linear in them. A plan accounted by PLD
  /// uses at most this many; a finer grid (RDP's default resolution) is accounted by RDP, and
  /// the report's accountant says so.
  static let largestPrivacyLossGridSteps = 1 << 14

  /// What only a plan with privacy has: its noise level, sensitivities, noise and the report of
  /// its rounds.
  struct Privacy: Sendable {
    /// z: the whole release's noise multiplier.
    let noiseMultiplier: Double
    /// z_u: the update's share of it.
    let updateNoiseMultiplier: Double
    let sensitivity: Sensitivity
    let noise: Noise
    let report: PrivacyReport
  }

  /// The neighbouring relation the accounting uses: the configuration's, except local DP, which
  /// protects each client's own data against any replacement.
  public var accountingRelation: NeighboringRelation { base.accountingRelation }

  /// The name of the accountant behind ``report``'s ε, e.g. "PLD (distributed discrete
  /// Gaussian)" — the report's own `accountant`; `nil` without privacy. A plan with
  /// ``PrivateAggregationConfiguration/analyticCentralAccounting`` reports one release by the
  /// analytic Gaussian, while a ``PrivacyLedger`` composes its rounds by PLD or RDP, which
  /// ``roundPrivacy(orders:)``'s `accountant` names.
  public var accountantName: String? { privacy?.report.accountant }

  /// One round's RDP at order α; `nil` without privacy (nothing is accounted).
  ///
  /// - Throws: ``PrivateAggregationError/differentialPrivacy(_:)`` for an order ≤ 1.
  public func rdp(order: Double) throws(PrivateAggregationError) -> Double? {
    guard let accounting = privacy?.noise.accounting else { return nil }
    return try PrivateAggregationError.liftingPrivacyError { () throws(DifferentialPrivacyError) in
      try accounting.rdp(order: order)
    }
  }

  /// One round of this plan, for a ``PrivacyLedger``: its RDP and, when the plan is accounted by
  /// PLD (``PrivateAggregationConfiguration/accountant``), its privacy loss distribution, each
  /// with and without amplification; `nil` without privacy (nothing to record).
  ///
  /// - Parameter orders: the ledger's Rényi orders.
  /// - Throws: ``PrivateAggregationError/differentialPrivacy(_:)`` when the accountant fails
  ///   (an order ≤ 1, say).
  public func roundPrivacy(orders: [Double] = RDP.defaultOrders) throws(PrivateAggregationError)
    -> RoundPrivacy?
  {
    guard let privacy else { return nil }
    let accounting = privacy.noise.accounting
    let usesPrivacyLoss = base.accountsByPrivacyLoss(accounting)
    let relation = accountingRelation
    var privacyLoss: ((Double) throws(DifferentialPrivacyError) -> PrivacyLossDistribution)?
    if usesPrivacyLoss {
      let (dominance, sensitivity) = try PrivateAggregationError.liftingPrivacyError {
        () throws(DifferentialPrivacyError) in
        try accounting.dominance(l2Sensitivity: privacy.sensitivity.l2)
      }
      let dimension = encodedLength
      privacyLoss = { (rate) throws(DifferentialPrivacyError) in
        try PrivacyLossDistribution.distributed(
          dominance, l2Sensitivity: sensitivity, dimension: dimension, samplingRate: rate,
          relation: relation)
      }
    }
    return try RoundPrivacy(
      accountant: accounting.name(configuration.accountant),
      noiseMultiplier: privacy.noiseMultiplier, sampling: configuration.sampling,
      relation: relation, orders: orders, privacyLoss: privacyLoss
    ) { (order) throws(DifferentialPrivacyError) in try accounting.rdp(order: order) }
  }
}

extension AggregationPlan.Accounting {
  /// One round's RDP at order α.
  func rdp(order: Double) throws(DifferentialPrivacyError) -> Double {
    switch self {
    case .distributedGaussian(let mechanism): return try mechanism.rdp(order: order)
    case .distributedSkellam(let mechanism): return try mechanism.rdp(order: order)
    case .central(let mechanism): return try mechanism.rdp(order: order)
    case .local(let mechanism): return try mechanism.rdp(order: order)
    }
  }

  /// A name for the accountant, e.g. "PLD (distributed discrete Gaussian)".
  func name(_ accountant: PrivacyAccountant) -> String {
    if accountant == .pld, !supportsPrivacyLoss {
      return "RDP (central discrete Gaussian on a grid finer than PLD supports)"
    }
    let prefix = accountant == .pld ? "PLD" : "RDP"
    switch self {
    case .distributedGaussian: return "\(prefix) (distributed discrete Gaussian)"
    case .distributedSkellam: return "\(prefix) (distributed Skellam)"
    case .central: return "\(prefix) (central discrete Gaussian on a grid)"
    case .local: return "\(prefix) (local discrete Gaussian, per client)"
    }
  }

  /// Whether the round can be accounted by PLD (see
  /// ``AggregationPlan/largestPrivacyLossGridSteps``).
  var supportsPrivacyLoss: Bool {
    if case .central(let mechanism) = self {
      return mechanism.stepsPerStandardDeviation <= AggregationPlan.largestPrivacyLossGridSteps
    }
    return true
  }

  /// The Gaussian that dominates one round's integer noise, with the L2 sensitivity in the
  /// noise's integer units: the summed noise of the distributed mechanisms (`l2`, the plan's),
  /// one client's noise for local DP, and for central DP the discrete Gaussian of 2^k steps per σ
  /// with the grid's sensitivity in steps.
  func dominance(l2Sensitivity l2: Double) throws(DifferentialPrivacyError)
    -> (GaussianDominance, Double)
  {
    switch self {
    case .distributedGaussian(let mechanism): return (try mechanism.gaussianDominance(), l2)
    case .distributedSkellam(let mechanism): return (try mechanism.gaussianDominance(), l2)
    case .local(let mechanism): return (try mechanism.gaussianDominance(), l2)
    case .central(let mechanism):
      let steps = Double(mechanism.stepsPerStandardDeviation)
      let sensitivity = mechanism.gridSensitivity / mechanism.resolution
      let noise = try DistributedDiscreteGaussian(
        clients: 1, localStandardDeviation: steps, l1Sensitivity: sensitivity,
        l2Sensitivity: sensitivity, dimension: 1)
      return (try noise.gaussianDominance(), sensitivity)
    }
  }
}

extension AggregationPlan.Base {
  /// Whether a round under `accounting` is accounted by PLD: asked for, and supported.
  func accountsByPrivacyLoss(_ accounting: AggregationPlan.Accounting) -> Bool {
    usesPrivacyLoss && accounting.supportsPrivacyLoss
  }

  /// The privacy of the configuration's rounds at noise multiplier z: by the analytic Gaussian
  /// (central DP, when asked), by PLD (when asked and supported), else by RDP. With PLD the
  /// optimistic lower bound is composed only when `lowerBound` (calibration's bisection skips
  /// it).
  func report(
    noiseMultiplier z: Double, noise: AggregationPlan.Noise,
    sensitivity: AggregationPlan.Sensitivity, lowerBound: Bool
  ) throws(PrivateAggregationError) -> PrivacyReport {
    try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) -> PrivacyReport in
      if configuration.analyticCentralAccounting, let central = noise.centralMechanism {
        return try PrivacyReport.analyticGaussian(
          standardDeviation: central.standardDeviation, sensitivity: central.gridSensitivity,
          delta: configuration.delta, noiseMultiplier: z, relation: accountingRelation,
          accountant: "analytic Gaussian (one release, continuous-Gaussian reference)")
      }
      if accountsByPrivacyLoss(noise.accounting) {
        return try privacyLossReport(
          noiseMultiplier: z, accounting: noise.accounting, l2Sensitivity: sensitivity.l2,
          lowerBound: lowerBound)
      }
      let accounting = noise.accounting
      return try PrivacyReport.mechanism(
        accountant: accounting.name(configuration.accountant), noiseMultiplier: z,
        sampling: configuration.sampling, rounds: configuration.rounds,
        delta: configuration.delta, relation: accountingRelation
      ) { (order) throws(DifferentialPrivacyError) in try accounting.rdp(order: order) }
    }
  }

  /// The report by PLD: the rounds' composed privacy loss distributions of the dominating
  /// Gaussian.
  func privacyLossReport(
    noiseMultiplier z: Double, accounting: AggregationPlan.Accounting, l2Sensitivity: Double,
    lowerBound: Bool
  ) throws(DifferentialPrivacyError) -> PrivacyReport {
    let (dominance, sensitivity) = try accounting.dominance(l2Sensitivity: l2Sensitivity)
    let relation = accountingRelation
    let dimension = encodedLength
    return try PrivacyReport.privacyLoss(
      accountant: accounting.name(.pld), noiseMultiplier: z, sampling: configuration.sampling,
      rounds: configuration.rounds, delta: configuration.delta, relation: relation,
      lowerBound: lowerBound
    ) { (rate, estimate) throws(DifferentialPrivacyError) in
      try PrivacyLossDistribution.distributed(
        dominance, l2Sensitivity: sensitivity, dimension: dimension, samplingRate: rate,
        relation: relation, estimate: estimate)
    }
  }
}
