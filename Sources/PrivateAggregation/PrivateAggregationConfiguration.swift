public import DifferentialPrivacy
public import SecureAggregation

/// What one private aggregation needs to know before any round: the cohort, the update's shape,
/// the bit width, the clip bound, the privacy mode and its noise, and the secure-aggregation
/// settings.
///
/// A plain value: set what you need, keep the defaults for the rest, and build an
/// ``AggregationPlan`` from it, which validates every parameter (naming the one that fails and
/// what would fit) and calibrates the noise, before any round starts. It is `Codable`, so a
/// service can store a round's configuration and rebuild the same plan after a restart (the
/// plan validates a decoded configuration like any other; see <doc:ResumingARound>).
///
/// ```swift
/// var configuration = PrivateAggregationConfiguration(
///   clientCount: 100, dimension: 10_000, clipBound: 1, noise: .targetEpsilon(2))
/// configuration.bits = 20
/// let plan = try AggregationPlan(configuration)
/// ```
public struct PrivateAggregationConfiguration: Sendable, Hashable, Codable {
  /// The number of clients n invited to each round, 2...65,535.
  public var clientCount: Int
  /// The shapes of the tensors each update is made of (row-major); one shape `[m]` for a flat
  /// vector.
  public var shapes: [[Int]]
  /// The L2 bound C each client's update is clipped to; > 0.
  public var clipBound: Double
  /// Who adds the noise; distributed discrete Gaussian by default.
  public var privacy: PrivacyMode
  /// The noise, as a multiplier or a target ε; required unless ``privacy`` is ``PrivacyMode/none``.
  public var noise: NoiseLevel?
  /// Bits b per element of the secure sum (modulus 2^b), 2...62; 32 by default.
  public var bits: Int = 32
  /// The δ of every (ε, δ) the plan reports; 10⁻⁵ by default.
  public var delta: Double = 1e-5
  /// The rounds a ``NoiseLevel/targetEpsilon(_:)`` must cover (each round with this
  /// configuration); 1 by default.
  public var rounds: Int = 1
  /// How each round's cohort is chosen; every client in every round by default. Amplification by
  /// sampling is claimed only for Poisson sampling.
  public var sampling: CohortSampling = .poisson(rate: 1)
  /// Which datasets are neighbours; add-or-remove-one client by default.
  public var relation: NeighboringRelation = .addOrRemoveOne
  /// Clients assumed to collude with the server (distributed DP: their noise does not count).
  /// Also the secure aggregation's corrupted-client bound n_C, which sets its smallest threshold.
  /// `nil` means 0 in semi-honest mode; active mode refuses `nil` (its threshold must satisfy
  /// 2t > k + min(n_C, k)), so state it, 0 included.
  public var colludingClients: Int?
  /// How vectors are weighted; uniformly by default.
  public var weighting: Weighting = .uniform
  /// Adaptive clipping: the standard deviation σ_b of the noise on the count of unclipped
  /// clients (Andrew et al. recommend about n/20). When set, each client's clipped-or-not bit
  /// travels in the masked vector, outside the rotation, and the update's share of the noise is
  /// z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) so the pair costs what z alone would. `nil` by default.
  public var clippedCountStandardDeviation: Double?
  /// Central DP only: calibrate and report by the analytic Gaussian mechanism (Balle & Wang
  /// 2018) — the exact ε of one continuous Gaussian release at the grid's sensitivity, a
  /// reference line for one round (``rounds`` 1, every client sampled) rather than the RDP
  /// accountant the other modes share. The noise is still the exact discrete Gaussian on a grid,
  /// whose proven guarantee is the RDP one; the two agree closely at these noise levels
  /// (Canonne, Kamath & Steinke 2020). `false` by default.
  public var analyticCentralAccounting = false
  /// The accountant of every ε the plan reports and calibrates to: privacy loss distributions
  /// (`PrivacyAccountant/pld` — tight, with the exact summed noise of the distributed
  /// mechanisms) or RDP (`PrivacyAccountant/rdp`). ``analyticCentralAccounting`` takes
  /// precedence for central DP. PLD by default: for the same noise it reports less ε, so a
  /// target ε needs less noise. The plan's rounds carry the same accountant into a
  /// ``PrivacyLedger`` (``AggregationPlan/roundPrivacy(orders:)``), so the ledger's ε for the
  /// rounds run matches the plan's report. Central DP on a grid finer than PLD supports falls
  /// back to RDP, and the report's accountant says so.
  public var accountant: PrivacyAccountant = .pld
  /// The neighbour graph; by default SecAgg+ with the parameter finder's degree and threshold.
  public var graph: AggregationConfiguration.Graph?
  /// The Shamir threshold t; by default from the finder or the graph's default.
  public var threshold: Int?
  /// Public randomness that fixes the SecAgg+ graph instead of the server's nonce (see
  /// `AggregationConfiguration.graphBeacon`); `nil` by default.
  public var graphBeacon: [UInt8]?
  /// The fewest inputs a released sum may contain. By default, with distributed DP,
  /// ⌊n·(1 − 2·``expectedDropoutRate``)⌋ (at least the protocol's max(t, ⌊n/2⌋ + 1)): each
  /// client's noise share is sized for this many survivors, so a low value costs noise
  /// (n/minimumSurvivors more than needed when nobody drops) and a high one aborts more rounds.
  /// Otherwise the protocol's default.
  public var minimumSurvivors: Int?
  /// The secure aggregation's adversary model; semi-honest by default.
  public var securityMode: AggregationConfiguration.SecurityMode = .semiHonest
  /// The dropout rate the parameter finder plans for; 5 % by default.
  public var expectedDropoutRate: Double = 0.05
  /// Headroom k: standard deviations of the summed values the modulus must hold; 4 by default.
  public var headroom: Double = 4
  /// Conditional rounding's β: each rounding try fails with probability at most β; e^(−1/2) by
  /// default, as Kairouz et al. use.
  public var roundingBeta: Double = 0.606_530_659_712_633_4

  /// A configuration for updates made of tensors of `shapes`.
  ///
  /// - Parameters:
  ///   - clientCount: n, 2...65,535.
  ///   - shapes: the update's tensor shapes.
  ///   - clipBound: C > 0.
  ///   - privacy: distributed discrete Gaussian by default.
  ///   - noise: the noise level; required unless `privacy` is ``PrivacyMode/none``.
  public init(
    clientCount: Int, shapes: [[Int]], clipBound: Double,
    privacy: PrivacyMode = .distributedGaussian, noise: NoiseLevel?
  ) {
    self.clientCount = clientCount
    self.shapes = shapes
    self.clipBound = clipBound
    self.privacy = privacy
    self.noise = noise
  }

  /// A configuration for flat updates of `dimension` elements.
  ///
  /// - Parameters:
  ///   - clientCount: n, 2...65,535.
  ///   - dimension: the update's length m ≥ 1.
  ///   - clipBound: C > 0.
  ///   - privacy: distributed discrete Gaussian by default.
  ///   - noise: the noise level; required unless `privacy` is ``PrivacyMode/none``.
  public init(
    clientCount: Int, dimension: Int, clipBound: Double,
    privacy: PrivacyMode = .distributedGaussian, noise: NoiseLevel?
  ) {
    self.init(
      clientCount: clientCount, shapes: [[dimension]], clipBound: clipBound, privacy: privacy,
      noise: noise)
  }
}
