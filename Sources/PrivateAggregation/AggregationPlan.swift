public import DifferentialPrivacy
public import SecureAggregation

/// A validated, calibrated private aggregation: every number the clients' encoder and the
/// server's decoder need, derived once from a ``PrivateAggregationConfiguration`` before any
/// round starts.
///
/// The plan fixes, in integer units of the secure sum:
/// - the layout of the masked vector: the update's d coordinates (rotated and padded to a power
///   of two when there is noise), then the extra coordinates — the clipped-or-not bit for
///   adaptive clipping, the weight for a noised weighted-mean denominator;
/// - the scale s applied to the (clipped, weighted, rotated) update before rounding, chosen so
///   the sum of n clients' values and the noise fits in b bits with k standard deviations of
///   headroom (Kairouz, Liu & Steinke 2021, §4.2), and capped where the samplers need it;
/// - the noise: each client's share (distributed), the server's (central) or each client's whole
///   (local), as one standard deviation σ for every coordinate in integer units; the extra
///   coordinates are scaled by integers so that their own noise has the standard deviation the
///   configuration asks for;
/// - the sensitivities of the integer sum after rounding (update, bit and weight together) and
///   the privacy they give, by the RDP accountant of the mode (``report``).
///
/// With privacy ``PrivacyMode/none`` nothing is rotated or noised, the scale is the largest that
/// can never wrap, and ``quantizationErrorBound`` states the worst error.
public struct AggregationPlan: Sendable {
  /// The configuration the plan was made from.
  public let configuration: PrivateAggregationConfiguration
  /// The secure aggregation's parameters: n clients, vectors of ``encodedLength`` elements mod 2^b.
  public let secureAggregation: AggregationConfiguration
  /// The update's tensor layout.
  public let layout: TensorLayout
  /// m: the update's length.
  public var dimension: Int { layout.totalCount }
  /// Whether the update is rotated (every mode with noise).
  public let rotates: Bool
  /// d: the number of update coordinates in the masked vector (m, or m padded to a power of two
  /// when rotated).
  public let updateLength: Int
  /// The index of the clipped-or-not bit in the masked vector, when adaptive clipping is on.
  public let clippedBitIndex: Int?
  /// The index of the weight in the masked vector, for a noised weighted-mean denominator.
  public let weightIndex: Int?
  /// The masked vector's length: d plus the extra coordinates.
  public let encodedLength: Int
  /// The scale s: integer units per unit of the update.
  public let scale: Double
  /// The integer a_b that multiplies the centred bit 2b − 1 (1 and no centring without noise).
  public let clippedBitScale: Int64
  /// The scale a_w: integer units per unit of weight.
  public let weightScale: Double
  /// The most any client's update can weigh: w_max·C for weighted aggregation, else C.
  public let updateSensitivityBound: Double
  /// The noise multiplier z of the whole release (nil without privacy).
  public let noiseMultiplier: Double?
  /// The noise multiplier of the update part alone, after the extra coordinates' share.
  public let updateNoiseMultiplier: Double?
  /// The noise's standard deviation per coordinate of the released sum, in integer units, when
  /// the fewest clients allowed survive: what the privacy analysis counts on.
  public let noiseStandardDeviation: Double
  /// The standard deviation of the noise each client adds per coordinate, in integer units (the
  /// sampler's exact value; 0 for central DP and without privacy).
  public let clientNoiseStandardDeviation: Double
  /// The clients whose noise certainly reaches the released sum: minimumSurvivors −
  /// colludingClients (distributed DP).
  public let guaranteedNoisyClients: Int
  /// The L2 sensitivity of the integer sum (update and extra coordinates).
  public let l2Sensitivity: Double
  /// The L1 sensitivity of the integer sum.
  public let l1Sensitivity: Double
  /// The privacy of ``PrivateAggregationConfiguration/rounds`` rounds (nil without privacy).
  public let report: PrivacyReport?
  /// Without privacy: the largest error of any coordinate of the decoded sum, n/s (each
  /// client's stochastic rounding moves each coordinate by less than one integer unit); of the
  /// mean, that divided by the survivors. `nil` with privacy (the noise dominates).
  public let quantizationErrorBound: Double?

  /// The noise each client draws (distributed and local DP).
  let clientNoise: (any IntegerSampler)?
  /// The server's noise (central DP).
  let centralNoise: GridGaussianMechanism?
  /// The accountant of one round.
  let accounting: Accounting?

  /// One round's privacy curve.
  enum Accounting: Sendable {
    case distributedGaussian(DistributedDiscreteGaussian)
    case distributedSkellam(DistributedSkellam)
    case central(GridGaussianMechanism)
    case local(DistributedDiscreteGaussian)
  }

  /// Validates `configuration` and derives the plan, calibrating the noise for a target ε.
  ///
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming the first
  ///   parameter out of range and what would fit;
  ///   ``PrivateAggregationError/bitWidthTooSmall(bits:minimumBits:needed:)`` when b bits cannot
  ///   hold the sum; ``PrivateAggregationError/differentialPrivacy(_:)`` when no noise level meets
  ///   the target ε (`calibrationFailed`).
  public init(_ configuration: PrivateAggregationConfiguration) throws(PrivateAggregationError) {
    let base = try PlanBase(configuration)
    guard configuration.privacy != .none else {
      self.init(base: base, derived: try base.exactEncoding())
      return
    }
    switch configuration.noise {
    case .noiseMultiplier(let z):
      guard z.isFinite, z > 0 else {
        throw .invalidParameter(name: "noiseMultiplier", value: "\(z)", expected: "a finite z > 0")
      }
      guard let derived = try base.noisyEncoding(noiseMultiplier: z) else {
        throw try base.tooFewBitsError(noiseMultiplier: z)
      }
      self.init(base: base, derived: derived)
    case .targetEpsilon(let epsilon):
      guard epsilon.isFinite, epsilon > 0 else {
        throw .invalidParameter(
          name: "targetEpsilon", value: "\(epsilon)", expected: "a finite ε > 0")
      }
      self.init(base: base, derived: try base.calibrate(targetEpsilon: epsilon))
    case nil:
      throw .invalidParameter(
        name: "noise", value: "nil",
        expected: "a noise multiplier or a target ε for privacy \(configuration.privacy.name)")
    }
  }

  private init(base: PlanBase, derived: PlanBase.Derived) {
    configuration = base.configuration
    secureAggregation = base.secureAggregation
    layout = base.layout
    rotates = base.rotates
    updateLength = base.updateLength
    clippedBitIndex = base.clippedBitIndex
    weightIndex = base.weightIndex
    encodedLength = base.encodedLength
    updateSensitivityBound = base.updateBound
    guaranteedNoisyClients = base.guaranteedNoisyClients
    scale = derived.scale
    clippedBitScale = derived.clippedBitScale
    weightScale = derived.weightScale
    noiseMultiplier = derived.noiseMultiplier
    updateNoiseMultiplier = derived.updateNoiseMultiplier
    noiseStandardDeviation = derived.noiseStandardDeviation
    clientNoiseStandardDeviation = derived.clientNoiseStandardDeviation
    l2Sensitivity = derived.l2Sensitivity
    l1Sensitivity = derived.l1Sensitivity
    report = derived.report
    quantizationErrorBound = derived.quantizationErrorBound
    clientNoise = derived.clientNoise
    centralNoise = derived.centralNoise
    accounting = derived.accounting
  }

  /// The noise variance per coordinate of the decoded sum, in the update's units, when
  /// `survivors` clients' vectors are in it: what the noise alone adds to the squared error
  /// (rounding adds at most n/(4s²) more).
  public func noiseVariance(survivors: Int) -> Double {
    let s2 = scale * scale
    switch configuration.privacy {
    case .none: return 0
    case .central: return noiseStandardDeviation * noiseStandardDeviation / s2
    case .distributed, .local:
      return Double(survivors) * clientNoiseStandardDeviation * clientNoiseStandardDeviation / s2
    }
  }

  /// One round's RDP at order α.
  ///
  /// - Throws: ``PrivateAggregationError/wrongPhase(expected:)`` for a plan without privacy, and
  ///   ``PrivateAggregationError/differentialPrivacy(_:)`` for an order ≤ 1.
  public func rdp(order: Double) throws(PrivateAggregationError) -> Double {
    guard let accounting else { throw .wrongPhase(expected: "a plan with privacy") }
    do {
      return try PlanBase.rdp(accounting, order: order)
    } catch {
      throw .differentialPrivacy(error)
    }
  }

  /// One round of this plan, for a ``PrivacyLedger``: its RDP and, when the plan is accounted by
  /// PLD (``PrivateAggregationConfiguration/accountant``), its privacy loss distribution, each
  /// with and without amplification.
  ///
  /// - Parameter orders: the ledger's Rényi orders.
  /// - Throws: ``PrivateAggregationError/wrongPhase(expected:)`` for a plan without privacy.
  public func roundPrivacy(orders: [Double] = RDP.defaultOrders) throws(PrivateAggregationError)
    -> RoundPrivacy
  {
    guard let accounting, let noiseMultiplier else {
      throw .wrongPhase(expected: "a plan with privacy")
    }
    let usesPrivacyLoss =
      configuration.accountant == .pld && !configuration.analyticCentralAccounting
      && PlanBase.supportsPrivacyLoss(accounting)
    let relation = accountingRelation
    var privacyLoss: ((Double) throws(DifferentialPrivacyError) -> PrivacyLossDistribution)?
    if usesPrivacyLoss {
      let (dominance, sensitivity) = try Self.dominance(accounting, l2Sensitivity: l2Sensitivity)
      let dimension = encodedLength
      privacyLoss = { (rate) throws(DifferentialPrivacyError) in
        try PrivacyLossDistribution.distributed(
          dominance, l2Sensitivity: sensitivity, dimension: dimension, samplingRate: rate,
          relation: relation)
      }
    }
    return try RoundPrivacy(
      accountant: PlanBase.accountantName(accounting, usesPrivacyLoss ? .pld : .rdp),
      noiseMultiplier: noiseMultiplier, sampling: configuration.sampling, relation: relation,
      orders: orders, privacyLoss: privacyLoss
    ) { (order) throws(DifferentialPrivacyError) in try PlanBase.rdp(accounting, order: order) }
  }

  /// ``PlanBase/dominance(_:l2Sensitivity:)`` with its error wrapped.
  private static func dominance(
    _ accounting: Accounting, l2Sensitivity: Double
  ) throws(PrivateAggregationError) -> (GaussianDominance, Double) {
    do {
      return try PlanBase.dominance(accounting, l2Sensitivity: l2Sensitivity)
    } catch {
      throw .differentialPrivacy(error)
    }
  }

  /// The neighbouring relation the accounting uses: the configuration's, except local DP, which
  /// protects each client's own data against any replacement.
  public var accountingRelation: NeighboringRelation {
    configuration.privacy == .local ? .replaceOne : configuration.relation
  }

  /// A name for the accountant, e.g. "RDP (distributed discrete Gaussian)"; `nil` without
  /// privacy.
  public var accountantName: String? {
    accounting.map { PlanBase.accountantName($0, configuration.accountant) }
  }
}
