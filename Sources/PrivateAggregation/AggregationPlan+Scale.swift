import DifferentialPrivacy
import Foundation

extension AggregationPlan {
  /// The integer encoding of one client's vector: integer units per unit of the update, of the
  /// clipped-or-not bit and of the weight.
  struct Encoding: Sendable {
    /// s: integer units per unit of the (clipped, weighted, rotated) update.
    let scale: Double
    /// a_b: the integer that multiplies the centred bit 2b − 1 (1 without noise).
    let clippedBitScale: Int64
    /// a_w: integer units per unit of weight (0 when the weight does not travel with noise).
    let weightScale: Double
  }

  /// The samplers' fast ranges: the discrete Gaussian's σ ≤ 2^20 (its limit), Skellam's
  /// variance ≤ 2^21 (a Poisson mean ≤ 2^20, where a draw takes O(1) time). Beyond them the
  /// rounding's variance (¼ per client) is already negligible against the noise.
  static let samplerLimit = Double(1 << 20)
}

extension AggregationPlan.Base {
  /// 2^(b−1): the centred range's half width.
  var halfRange: Double { 0x1p-1 * pow(2, Double(configuration.bits)) }

  // MARK: Without privacy

  /// The exact encoding: the largest scale s with n(s·C_u + 1) < 2^(b−1), so no sum can wrap.
  func exactEncoding() throws(PrivateAggregationError) -> AggregationPlan.Encoding {
    let n = Double(configuration.clientCount)
    let room = halfRange - 1 - n
    // At least one integer unit per C_u, so s·C_u ≥ 1: 2^(b−1) > 2n + 1.
    guard room >= n else {
      let needed = Int((log2(2 * n + 2)).rounded(.up)) + 1
      throw .bitWidthTooSmall(
        bits: configuration.bits, minimumBits: needed <= 62 ? needed : nil,
        needed: "the sum of \(configuration.clientCount) clients' quantized values")
    }
    return AggregationPlan.Encoding(
      scale: room / (n * updateBound), clippedBitScale: 1,
      weightScale: room / (n * maximumWeight))
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

  /// The largest noise variance any released sum carries, in the update's units, when the
  /// update's noise has standard deviation `sigmaU` in its own units: distributed DP sizes each
  /// client's share for the honest survivors alone.
  func largestNoiseVariance(updateDeviation sigmaU: Double) -> Double {
    switch configuration.privacy {
    case .distributed:
      return sigmaU * sigmaU * Double(configuration.clientCount) / Double(guaranteedNoisyClients)
    case .central, .local, .none: return sigmaU * sigmaU
    }
  }

  /// The scale s for an update noise of standard deviation `sigmaU` (in the update's units):
  /// the largest with k standard deviations of headroom for the update, within every cap. Not
  /// necessarily finite or positive: the caller checks.
  func noisyScale(updateDeviation sigmaU: Double) throws(PrivateAggregationError) -> Double {
    let noiseVariance = largestNoiseVariance(updateDeviation: sigmaU)
    var scale = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try Calibration.scale(
        noiseMultiplier: noiseVariance.squareRoot() / updateBound, clipBound: updateBound,
        clients: configuration.clientCount, dimension: updateLength, bits: configuration.bits,
        standardDeviations: configuration.headroom)
    }
    let caps =
      extraCoordinateCaps(updateDeviation: sigmaU, noiseVariance: noiseVariance)
      + [samplerCap(updateDeviation: sigmaU), privacyLossCap(updateDeviation: sigmaU)]
    for case let cap? in caps { scale = min(scale, cap) }
    return scale
  }

  /// The extra coordinates must fit too: s·(n·|value per unit of s| + k·σ_sum) within
  /// 2^(b−1) − n − 1, the n leaving room for rounding a_b and each weight up. The bit's cap,
  /// then the weight's.
  func extraCoordinateCaps(updateDeviation sigmaU: Double, noiseVariance: Double) -> [Double?] {
    let nd = Double(configuration.clientCount)
    let k = configuration.headroom
    let room = halfRange - nd - 1
    let sumDeviation = noiseVariance.squareRoot()
    // a_b ≈ s·σ_u/(2σ_b) per client.
    let bit = configuration.clippedCountStandardDeviation.map { sigmaB in
      room / (nd * sigmaU / (2 * sigmaB) + k * sumDeviation)
    }
    // a_w = s·σ_u/(z_w·w_max), so n·a_w·w_max = n·s·σ_u/z_w.
    var weight: Double?
    if case .weighted(_, .noised(let zw)) = configuration.weighting {
      weight = room / (nd * sigmaU / zw + k * sumDeviation)
    }
    return [bit, weight]
  }

  /// The cap that keeps each client's noise within its sampler's fast range
  /// (``AggregationPlan/samplerLimit``); `nil` for central DP.
  func samplerCap(updateDeviation sigmaU: Double) -> Double? {
    let honest = Double(guaranteedNoisyClients)
    switch configuration.privacy {
    case .distributed(.skellam): return 0x1p21.squareRoot() * honest.squareRoot() / sigmaU
    case .distributed: return AggregationPlan.samplerLimit * honest.squareRoot() / sigmaU
    case .local:
      return AggregationPlan.samplerLimit * Double(configuration.clientCount).squareRoot() / sigmaU
    case .central, .none: return nil
    }
  }

  /// PLD computes the dominating Gaussian from the exact noise, in time linear in its σ in
  /// integer units: keep the noise it analyses (the honest clients' sum, or one client's in
  /// local DP) within 2^14 units, as the central grid is. Rounding then adds at most ¼ per
  /// client and √d/2 to the sensitivity, accounted. `nil` without PLD and for central DP.
  func privacyLossCap(updateDeviation sigmaU: Double) -> Double? {
    guard usesPrivacyLoss else { return nil }
    let limit = Double(AggregationPlan.largestPrivacyLossGridSteps)
    switch configuration.privacy {
    case .distributed: return limit / sigmaU
    case .local: return limit * Double(configuration.clientCount).squareRoot() / sigmaU
    case .central, .none: return nil
    }
  }

  /// The encoding at scale s, whose released sum carries noise of standard deviation `sigmaSum`
  /// integer units: the extra coordinates are scaled so their own noise has the standard
  /// deviation the configuration asks for.
  func noisyEncoding(scale: Double, sumDeviation sigmaSum: Double) -> AggregationPlan.Encoding {
    let bitScale: Int64 =
      configuration.clippedCountStandardDeviation.map { sigmaB in
        Int64(max(1, (sigmaSum / (2 * sigmaB)).rounded()))
      } ?? 1
    var weightScale = 0.0
    if case .weighted(let wmax, .noised(let zw)) = configuration.weighting {
      weightScale = sigmaSum / (zw * wmax)
    }
    return AggregationPlan.Encoding(
      scale: scale, clippedBitScale: bitScale, weightScale: weightScale)
  }
}
