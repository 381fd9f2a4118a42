import DifferentialPrivacy
import Foundation
import SecureAggregation

/// The validated parts of a plan that do not depend on the noise level, and the derivation of
/// the rest at a noise multiplier.
struct PlanBase {
  let configuration: PrivateAggregationConfiguration
  let secureAggregation: AggregationConfiguration
  let layout: TensorLayout
  let rotates: Bool
  let updateLength: Int
  let clippedBitIndex: Int?
  let weightIndex: Int?
  let encodedLength: Int
  /// w_max·C (weighted) or C.
  let updateBound: Double
  /// w_max (1 when uniform).
  let maximumWeight: Double
  let guaranteedNoisyClients: Int

  /// What depends on the noise level.
  struct Derived {
    var scale: Double
    var clippedBitScale: Int64
    var weightScale: Double
    var noiseMultiplier: Double?
    var updateNoiseMultiplier: Double?
    var noiseStandardDeviation: Double
    var clientNoiseStandardDeviation: Double
    var l2Sensitivity: Double
    var l1Sensitivity: Double
    var report: PrivacyReport?
    var quantizationErrorBound: Double?
    var clientNoise: (any IntegerSampler)?
    var centralNoise: GridGaussianMechanism?
    var accounting: AggregationPlan.Accounting?
  }

  init(_ configuration: PrivateAggregationConfiguration) throws(PrivateAggregationError) {
    self.configuration = configuration
    let n = configuration.clientCount
    guard (2...ParticipantID.maximumCount).contains(n) else {
      throw .invalidParameter(
        name: "clientCount", value: "\(n)", expected: "2...\(ParticipantID.maximumCount)")
    }
    do {
      layout = try TensorLayout(shapes: configuration.shapes)
    } catch {
      throw .differentialPrivacy(error)
    }
    guard layout.totalCount >= 1 else {
      throw .invalidParameter(
        name: "shapes", value: "\(configuration.shapes)", expected: "at least one element")
    }
    guard (2...62).contains(configuration.bits) else {
      throw .invalidParameter(name: "bits", value: "\(configuration.bits)", expected: "2...62")
    }
    let clip = configuration.clipBound
    guard clip.isFinite, clip > 0 else {
      throw .invalidParameter(name: "clipBound", value: "\(clip)", expected: "a finite C > 0")
    }
    guard configuration.delta > 0, configuration.delta < 1 else {
      throw .invalidParameter(
        name: "delta", value: "\(configuration.delta)", expected: "0 < δ < 1")
    }
    guard configuration.rounds >= 1 else {
      throw .invalidParameter(
        name: "rounds", value: "\(configuration.rounds)", expected: "at least 1")
    }
    let rate = configuration.sampling.rate
    guard rate > 0, rate <= 1 else {
      throw .invalidParameter(name: "sampling rate", value: "\(rate)", expected: "0 < q ≤ 1")
    }
    // Active mode's threshold depends on the colluding clients: no silent default there.
    guard
      let colludingClients = configuration.colludingClients
        ?? (configuration.securityMode == .active ? nil : 0)
    else {
      throw .invalidParameter(
        name: "colludingClients", value: "nil",
        expected: "an explicit count in active mode, 0...\(n - 1) (0 assumes none): the "
          + "secure aggregation's threshold must satisfy 2t > k + min(colludingClients, k)")
    }
    guard colludingClients >= 0, colludingClients < n else {
      throw .invalidParameter(
        name: "colludingClients", value: "\(colludingClients)", expected: "0...\(n - 1)")
    }
    guard configuration.headroom.isFinite, configuration.headroom > 0 else {
      throw .invalidParameter(
        name: "headroom", value: "\(configuration.headroom)", expected: "a finite k > 0")
    }
    guard configuration.roundingBeta >= 0, configuration.roundingBeta < 1 else {
      throw .invalidParameter(
        name: "roundingBeta", value: "\(configuration.roundingBeta)", expected: "0 ≤ β < 1")
    }
    guard configuration.expectedDropoutRate >= 0, configuration.expectedDropoutRate < 1 else {
      throw .invalidParameter(
        name: "expectedDropoutRate", value: "\(configuration.expectedDropoutRate)",
        expected: "a fraction in [0, 1)")
    }
    var weightIndexNeeded = false
    switch configuration.weighting {
    case .uniform:
      maximumWeight = 1
    case .weighted(let maximumWeight, let denominator):
      guard maximumWeight.isFinite, maximumWeight > 0 else {
        throw .invalidParameter(
          name: "maximumWeight", value: "\(maximumWeight)", expected: "a finite w_max > 0")
      }
      self.maximumWeight = maximumWeight
      switch denominator {
      case .fixed(let total):
        guard total.isFinite, total > 0 else {
          throw .invalidParameter(
            name: "denominator", value: "\(total)", expected: "a finite public total weight > 0")
        }
      case .noised(let multiplier):
        guard multiplier.isFinite, multiplier > 0 else {
          throw .invalidParameter(
            name: "weight noise multiplier", value: "\(multiplier)", expected: "a finite value > 0")
        }
        weightIndexNeeded = true
      }
    }
    if configuration.analyticCentralAccounting {
      guard configuration.privacy == .central, configuration.rounds == 1, rate == 1 else {
        throw .invalidParameter(
          name: "analyticCentralAccounting", value: "true",
          expected: "privacy central with rounds 1 and sampling rate 1 (one release)")
      }
    }
    if let sigma = configuration.clippedCountStandardDeviation {
      guard sigma.isFinite, sigma > 0 else {
        throw .invalidParameter(
          name: "clippedCountStandardDeviation", value: "\(sigma)", expected: "a finite σ_b > 0")
      }
    }
    updateBound = clip * maximumWeight

    rotates = configuration.privacy != .none
    updateLength =
      rotates ? RandomizedHadamard.paddedDimension(for: layout.totalCount) : layout.totalCount
    guard updateLength <= RandomizedHadamard.maximumPaddedDimension else {
      throw .invalidParameter(
        name: "dimension", value: "\(layout.totalCount)",
        expected: "at most \(RandomizedHadamard.maximumPaddedDimension) elements")
    }
    var length = updateLength
    clippedBitIndex = configuration.clippedCountStandardDeviation.map { _ in
      defer { length += 1 }
      return length
    }
    weightIndex = weightIndexNeeded ? length : nil
    if weightIndexNeeded { length += 1 }
    encodedLength = length

    // The secure aggregation: the finder's SecAgg+ graph unless one is given.
    do {
      let modulus = try Modulus(bitWidth: configuration.bits)
      var graph = configuration.graph
      var threshold = configuration.threshold
      var corruptedClientBound = colludingClients
      var corruptedNeighborBound: Int?
      if graph == nil {
        let found = try ParameterFinder.parameters(
          clientCount: n, dropoutRate: max(configuration.expectedDropoutRate, 0.05),
          corruptedFraction: Double(colludingClients) / Double(n),
          threatModel: configuration.securityMode == .active ? .semiMalicious : .semiHonest)
        graph = found.isComplete ? .complete : .harary(degree: found.degree)
        if threshold == nil, !found.isComplete { threshold = found.threshold }
        corruptedClientBound = max(colludingClients, found.corruptedClientCount)
        if !found.isComplete { corruptedNeighborBound = found.corruptedNeighborBound }
      }
      let chosen = graph ?? .complete
      // With distributed DP every client's noise share is sized for the fewest survivors, so
      // the default plans for twice the expected dropout rather than the protocol's majority:
      // the noise overhead n/minimumSurvivors stays small (the protocol aborts below it).
      var minimumSurvivors = configuration.minimumSurvivors
      if minimumSurvivors == nil, case .distributed = configuration.privacy {
        let planned = Int(
          (Double(n) * (1 - 2 * configuration.expectedDropoutRate)).rounded(.down))
        let probe = try AggregationConfiguration(
          clientCount: n, vectorLength: length, modulus: modulus, graph: chosen,
          threshold: threshold, securityMode: configuration.securityMode,
          corruptedClientBound: corruptedClientBound,
          corruptedNeighborBound: corruptedNeighborBound,
          graphBeacon: configuration.graphBeacon)
        minimumSurvivors = min(n, max(probe.minimumSurvivors, planned))
      }
      secureAggregation = try AggregationConfiguration(
        clientCount: n, vectorLength: length, modulus: modulus, graph: chosen,
        threshold: threshold, minimumSurvivors: minimumSurvivors,
        securityMode: configuration.securityMode,
        corruptedClientBound: corruptedClientBound, corruptedNeighborBound: corruptedNeighborBound,
        graphBeacon: configuration.graphBeacon)
    } catch let error as SecureAggregationError {
      throw .secureAggregation(error)
    } catch {
      throw .invalidParameter(name: "bits", value: "\(configuration.bits)", expected: "2...62")
    }
    guaranteedNoisyClients = secureAggregation.minimumSurvivors - colludingClients
    if case .distributed = configuration.privacy, guaranteedNoisyClients < 1 {
      throw .invalidParameter(
        name: "colludingClients", value: "\(colludingClients)",
        expected:
          "fewer than minimumSurvivors = \(secureAggregation.minimumSurvivors), so some noise "
          + "in every released sum is unknown to the server")
    }
  }

  /// 2^(b−1): the centred range's half width.
  var halfRange: Double { 0x1p-1 * pow(2, Double(configuration.bits)) }

  // MARK: Without privacy

  /// The exact encoding: the largest scale s with n(s·C_u + 1) < 2^(b−1), so no sum can wrap.
  func exactEncoding() throws(PrivateAggregationError) -> Derived {
    let n = Double(configuration.clientCount)
    let room = halfRange - 1 - n
    // At least one integer unit per C_u, so s·C_u ≥ 1: 2^(b−1) > 2n + 1.
    guard room >= n else {
      let needed = Int((log2(2 * n + 2)).rounded(.up)) + 1
      throw .bitWidthTooSmall(
        bits: configuration.bits, minimumBits: needed <= 62 ? needed : nil,
        needed: "the sum of \(configuration.clientCount) clients' quantized values")
    }
    let scale = room / (n * updateBound)
    let weightScale = room / (n * maximumWeight)
    return Derived(
      scale: scale, clippedBitScale: 1, weightScale: weightScale, noiseMultiplier: nil,
      updateNoiseMultiplier: nil, noiseStandardDeviation: 0, clientNoiseStandardDeviation: 0,
      l2Sensitivity: 0, l1Sensitivity: 0, report: nil, quantizationErrorBound: n / scale,
      clientNoise: nil, centralNoise: nil, accounting: nil)
  }

  // MARK: With privacy

  /// The update's share of the noise multiplier: 1/z_u² = 1/z² − 1/(2σ_b)² − 1/z_w².
  func updateNoiseMultiplier(total z: Double) throws(PrivateAggregationError) -> Double {
    var inverse = 1 / (z * z)
    var spent: [String] = []
    if let sigma = configuration.clippedCountStandardDeviation {
      inverse -= 1 / (4 * sigma * sigma)
      spent.append("clippedCountStandardDeviation σ_b (needs 2σ_b > z)")
    }
    if case .weighted(_, .noised(let zw)) = configuration.weighting {
      inverse -= 1 / (zw * zw)
      spent.append("the weight noise multiplier z_w (needs z_w > z)")
    }
    guard inverse > 0 else {
      throw .invalidParameter(
        name: spent.first ?? "noiseMultiplier", value: "z = \(z)",
        expected: "extra coordinates that leave the update some privacy: 1/z² > Σ their 1/z²; "
          + "raise " + spent.joined(separator: " or "))
    }
    return 1 / inverse.squareRoot()
  }

  /// The encoding at total noise multiplier z, or `nil` when b bits leave no useful scale (each
  /// client's noise would fall below one integer unit where the analysis needs it).
  ///
  /// With the PLD accountant the report's optimistic lower bound is composed only when
  /// `lowerBound` (calibration's bisection skips it).
  func noisyEncoding(noiseMultiplier z: Double, lowerBound: Bool = true)
    throws(PrivateAggregationError) -> Derived?
  {
    let n = configuration.clientCount
    let nd = Double(n)
    let k = configuration.headroom
    let zu = try updateNoiseMultiplier(total: z)
    let sigmaU = zu * updateBound  // the update's noise in its own units
    let honest = Double(guaranteedNoisyClients)
    // The largest noise variance any released sum carries, in the update's units.
    let noiseVariance: Double
    switch configuration.privacy {
    case .distributed: noiseVariance = sigmaU * sigmaU * nd / honest
    case .central, .local, .none: noiseVariance = sigmaU * sigmaU
    }
    var scale: Double
    do {
      scale = try Calibration.scale(
        noiseMultiplier: noiseVariance.squareRoot() / updateBound, clipBound: updateBound,
        clients: n, dimension: updateLength, bits: configuration.bits, standardDeviations: k)
    } catch {
      throw .differentialPrivacy(error)
    }
    // The extra coordinates must fit too: s·(n·|value per unit of s| + k·σ_sum) within
    // 2^(b−1) − n − 1, the n leaving room for rounding a_b and each weight up.
    let room = halfRange - nd - 1
    let sumDeviation = noiseVariance.squareRoot()
    if let sigmaB = configuration.clippedCountStandardDeviation {
      // a_b ≈ s·σ_u/(2σ_b) per client.
      scale = min(scale, room / (nd * sigmaU / (2 * sigmaB) + k * sumDeviation))
    }
    if case .weighted(_, .noised(let zw)) = configuration.weighting {
      // a_w = s·σ_u/(z_w·w_max), so n·a_w·w_max = n·s·σ_u/z_w.
      scale = min(scale, room / (nd * sigmaU / zw + k * sumDeviation))
    }
    // The samplers' fast ranges: the discrete Gaussian's σ ≤ 2^20 (its limit), Skellam's
    // variance ≤ 2^21 (a Poisson mean ≤ 2^20, where a draw takes O(1) time). Beyond them the
    // rounding's variance (¼ per client) is already negligible against the noise.
    let samplerLimit = Double(1 << 20)
    switch configuration.privacy {
    case .distributed(.skellam):
      scale = min(scale, 0x1p21.squareRoot() * honest.squareRoot() / sigmaU)
    case .distributed: scale = min(scale, samplerLimit * honest.squareRoot() / sigmaU)
    case .local: scale = min(scale, samplerLimit * nd.squareRoot() / sigmaU)
    case .central, .none: break
    }
    // PLD computes the dominating Gaussian from the exact noise, in time linear in its σ in
    // integer units: keep the noise it analyses (the honest clients' sum, or one client's in
    // local DP) within 2^14 units, as the central grid is. Rounding then adds at most ¼ per
    // client and √d/2 to the sensitivity, accounted.
    if usesPrivacyLoss {
      let limit = Double(Self.largestPrivacyLossGridSteps)
      switch configuration.privacy {
      case .distributed: scale = min(scale, limit / sigmaU)
      case .local: scale = min(scale, limit * nd.squareRoot() / sigmaU)
      case .central, .none: break
      }
    }
    guard scale.isFinite, scale > 0 else { return nil }

    let sigmaSum = scale * sigmaU  // σ of the released sum's noise, in integer units
    let bitScale: Int64 =
      configuration.clippedCountStandardDeviation.map { sigmaB in
        Int64(max(1, (sigmaSum / (2 * sigmaB)).rounded()))
      } ?? 1
    var weightScale = 0.0
    if case .weighted(let wmax, .noised(let zw)) = configuration.weighting {
      weightScale = sigmaSum / (zw * wmax)
    }

    // Sensitivities of the integer sum.
    let relation: NeighboringRelation =
      configuration.privacy == .local ? .replaceOne : configuration.relation
    let rounded: RoundedSensitivity
    do {
      rounded = try RoundedSensitivity(
        clipBound: updateBound, scale: scale, dimension: layout.totalCount,
        beta: configuration.roundingBeta, relation: relation)
    } catch {
      throw .differentialPrivacy(error)
    }
    let factor: Double = relation == .replaceOne ? 2 : 1
    var l2Squared = rounded.l2 * rounded.l2
    var l1 = rounded.l1
    if clippedBitIndex != nil {
      // The bit is ±a_b: adding or removing a client moves the sum by a_b, replacing by 2a_b.
      let bit = Double(bitScale) * factor
      l2Squared += bit * bit
      l1 += bit
    }
    if weightIndex != nil, case .weighted(let wmax, _) = configuration.weighting {
      // The weight rounds to 0...⌈a_w·w_max⌉ either way.
      let weight = (weightScale * wmax).rounded(.up)
      l2Squared += weight * weight
      l1 += weight
    }
    let l2 = l2Squared.squareRoot()

    // The noise and its accounting.
    var clientNoise: (any IntegerSampler)?
    var centralNoise: GridGaussianMechanism?
    let accounting: AggregationPlan.Accounting
    var clientDeviation = 0.0
    var noiseDeviation = sigmaSum
    do {
      switch configuration.privacy {
      case .distributed(.discreteGaussian):
        // The scale cap above puts σ at the sampler's limit at most, up to rounding: clamp
        // so that rounding cannot step over it.
        let local = min(sigmaSum / honest.squareRoot(), samplerLimit)
        guard local >= 1 else { return nil }
        let sampler = try DiscreteGaussianSampler(standardDeviation: local)
        clientDeviation = sampler.variance.doubleValue.squareRoot()
        noiseDeviation = clientDeviation * honest.squareRoot()
        clientNoise = sampler
        accounting = .distributedGaussian(
          try DistributedDiscreteGaussian(
            clients: guaranteedNoisyClients, localStandardDeviation: clientDeviation,
            l1Sensitivity: l1, l2Sensitivity: l2, dimension: encodedLength))
      case .distributed(.skellam):
        let localVariance = sigmaSum * sigmaSum / honest
        guard localVariance >= 1 else { return nil }
        let sampler = try SkellamSampler(
          variance: Rational(approximating: localVariance, maximumDenominator: 1 << 16))
        let actual = sampler.variance.doubleValue
        clientDeviation = actual.squareRoot()
        noiseDeviation = (actual * honest).squareRoot()
        clientNoise = sampler
        accounting = .distributedSkellam(
          try DistributedSkellam(
            clients: guaranteedNoisyClients, localVariance: actual, l1Sensitivity: l1,
            l2Sensitivity: l2))
      case .central:
        var mechanism = try GridGaussianMechanism(
          standardDeviation: sigmaSum, clipBound: scale * updateBound,
          dimension: encodedLength, relation: configuration.relation, l2Sensitivity: l2)
        // PLD accounts the grid's noise exactly only up to 2^14 steps per σ (its cost is linear
        // in them): a coarser grid adds a little more rounding to the sensitivity (γ√d, at most
        // σ√d/2^14, accounted), where RDP would lose far more.
        if usesPrivacyLoss,
          mechanism.stepsPerStandardDeviation > Self.largestPrivacyLossGridSteps
        {
          mechanism = try GridGaussianMechanism(
            standardDeviation: sigmaSum, clipBound: scale * updateBound,
            dimension: encodedLength, relation: configuration.relation, l2Sensitivity: l2,
            stepsPerStandardDeviation: Self.largestPrivacyLossGridSteps)
        }
        centralNoise = mechanism
        accounting = .central(mechanism)
      case .local:
        // Each client adds 1/n of the total variance, as in distributed DP without the dropout
        // margin, but its privacy rests on its own noise alone.
        let local = min(sigmaSum / nd.squareRoot(), samplerLimit)
        guard local >= 1 else { return nil }
        let sampler = try DiscreteGaussianSampler(standardDeviation: local)
        clientDeviation = sampler.variance.doubleValue.squareRoot()
        noiseDeviation = clientDeviation * nd.squareRoot()
        clientNoise = sampler
        accounting = .local(
          try DistributedDiscreteGaussian(
            clients: 1, localStandardDeviation: clientDeviation, l1Sensitivity: l1,
            l2Sensitivity: l2, dimension: encodedLength))
      case .none:
        return nil
      }
    } catch {
      throw .differentialPrivacy(error)
    }
    let curve: (Double) throws(DifferentialPrivacyError) -> Double = { order in
      try Self.rdp(accounting, order: order)
    }
    let report: PrivacyReport
    do {
      if configuration.analyticCentralAccounting, let centralNoise {
        report = try PrivacyReport.analyticGaussian(
          standardDeviation: centralNoise.standardDeviation,
          sensitivity: centralNoise.gridSensitivity, delta: configuration.delta,
          noiseMultiplier: z, relation: relation,
          accountant: "analytic Gaussian (one release, continuous-Gaussian reference)")
      } else if configuration.accountant == .pld, Self.supportsPrivacyLoss(accounting) {
        let (dominance, sensitivity) = try Self.dominance(accounting, l2Sensitivity: l2)
        report = try PrivacyReport.privacyLoss(
          accountant: Self.accountantName(accounting, .pld), noiseMultiplier: z,
          sampling: configuration.sampling, rounds: configuration.rounds,
          delta: configuration.delta, relation: relation, lowerBound: lowerBound
        ) { (rate, estimate) throws(DifferentialPrivacyError) in
          try PrivacyLossDistribution.distributed(
            dominance, l2Sensitivity: sensitivity, dimension: encodedLength,
            samplingRate: rate, relation: relation, estimate: estimate)
        }
      } else {
        report = try PrivacyReport.mechanism(
          accountant: Self.accountantName(accounting, configuration.accountant),
          noiseMultiplier: z,
          sampling: configuration.sampling, rounds: configuration.rounds,
          delta: configuration.delta, relation: relation, curve: curve)
      }
    } catch {
      throw .differentialPrivacy(error)
    }
    return Derived(
      scale: scale, clippedBitScale: bitScale, weightScale: weightScale, noiseMultiplier: z,
      updateNoiseMultiplier: zu, noiseStandardDeviation: noiseDeviation,
      clientNoiseStandardDeviation: clientDeviation, l2Sensitivity: l2, l1Sensitivity: l1,
      report: report, quantizationErrorBound: nil, clientNoise: clientNoise,
      centralNoise: centralNoise, accounting: accounting)
  }

  /// One round's RDP at order α under `accounting`.
  static func rdp(_ accounting: AggregationPlan.Accounting, order: Double)
    throws(DifferentialPrivacyError) -> Double
  {
    switch accounting {
    case .distributedGaussian(let mechanism): return try mechanism.rdp(order: order)
    case .distributedSkellam(let mechanism): return try mechanism.rdp(order: order)
    case .central(let mechanism): return try mechanism.rdp(order: order)
    case .local(let mechanism): return try mechanism.rdp(order: order)
    }
  }

  /// A name for the accountant of `accounting`, e.g. "PLD (distributed discrete Gaussian)".
  static func accountantName(
    _ accounting: AggregationPlan.Accounting, _ accountant: PrivacyAccountant
  ) -> String {
    if accountant == .pld, !supportsPrivacyLoss(accounting) {
      return "RDP (central discrete Gaussian on a grid finer than PLD supports)"
    }
    let prefix = accountant == .pld ? "PLD" : "RDP"
    switch accounting {
    case .distributedGaussian: return "\(prefix) (distributed discrete Gaussian)"
    case .distributedSkellam: return "\(prefix) (distributed Skellam)"
    case .central: return "\(prefix) (central discrete Gaussian on a grid)"
    case .local: return "\(prefix) (local discrete Gaussian, per client)"
    }
  }

  /// Whether the plan is accounted by PLD (not RDP, nor the analytic Gaussian).
  var usesPrivacyLoss: Bool {
    configuration.accountant == .pld && !configuration.analyticCentralAccounting
  }

  /// The most grid steps per standard deviation for which central DP is accounted by PLD,
  /// 2¹⁴: the dominating Gaussian's computation is linear in them. A plan accounted by PLD
  /// uses at most this many (``noisyEncoding(noiseMultiplier:lowerBound:)``); a finer grid
  /// (RDP's default resolution) is accounted by RDP, and the report's accountant says so.
  static let largestPrivacyLossGridSteps = 1 << 14

  /// Whether `accounting` can be accounted by PLD (see ``largestPrivacyLossGridSteps``).
  static func supportsPrivacyLoss(_ accounting: AggregationPlan.Accounting) -> Bool {
    if case .central(let mechanism) = accounting {
      return mechanism.stepsPerStandardDeviation <= largestPrivacyLossGridSteps
    }
    return true
  }

  /// The Gaussian that dominates one round's integer noise under `accounting`, with the L2
  /// sensitivity in the noise's integer units: the summed noise of the distributed mechanisms
  /// (`l2Sensitivity`, the plan's), one client's noise for local DP, and for central DP the
  /// discrete Gaussian of 2^k steps per σ with the grid's sensitivity in steps.
  static func dominance(
    _ accounting: AggregationPlan.Accounting,
    l2Sensitivity l2: Double
  ) throws(DifferentialPrivacyError) -> (GaussianDominance, Double) {
    switch accounting {
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

  /// The error for a noise multiplier that leaves no encoding: name the bits.
  func tooFewBitsError(noiseMultiplier z: Double) throws(PrivateAggregationError)
    -> PrivateAggregationError
  {
    var minimum: Int?
    var probe = configuration
    for bits in stride(from: configuration.bits + 1, through: 62, by: 1) {
      probe.bits = bits
      if let base = try? PlanBase(probe), (try? base.noisyEncoding(noiseMultiplier: z)) != nil {
        minimum = bits
        break
      }
    }
    return .bitWidthTooSmall(
      bits: configuration.bits, minimumBits: minimum,
      needed:
        "\(configuration.clientCount) clients' values with noise at z = \(z) and "
        + "\(configuration.headroom) standard deviations of headroom")
  }

  /// The smallest z (to a relative 10⁻⁴) whose encoding meets ε ≤ `targetEpsilon`; the returned
  /// encoding is checked to meet it.
  func calibrate(targetEpsilon: Double) throws(PrivateAggregationError) -> Derived {
    func evaluate(_ z: Double) throws(PrivateAggregationError) -> Derived? {
      guard let found = try? noisyEncoding(noiseMultiplier: z, lowerBound: false),
        let report = found.report, report.epsilon.epsilon <= targetEpsilon
      else { return nil }
      return found
    }
    let largest = 1e5
    let best = try Calibration.bisectNoiseMultiplier(smallest: 1e-4, largest: largest) {
      (z) throws(PrivateAggregationError) -> Derived? in try evaluate(z)
    }
    guard let best else {
      throw .differentialPrivacy(
        .calibrationFailed(
          targetEpsilon: targetEpsilon, delta: configuration.delta, largestTried: largest))
    }
    guard configuration.accountant == .pld, !configuration.analyticCentralAccounting,
      let z = best.noiseMultiplier
    else {
      return best
    }
    // The report once more, with the PLD's lower bound.
    return try noisyEncoding(noiseMultiplier: z, lowerBound: true) ?? best
  }
}
