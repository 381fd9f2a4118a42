import DifferentialPrivacy
import Foundation
import SecureAggregation

extension AggregationPlan {
  /// The first step of a plan: the configuration validated, and what follows from it without the
  /// noise level — the masked vector's layout and the secure aggregation's parameters.
  struct Base: Sendable {
    let configuration: PrivateAggregationConfiguration
    let secureAggregation: AggregationConfiguration
    let layout: TensorLayout
    /// Whether the plan adds noise (and so rotates and pads the update): the one place that asks
    /// the privacy mode.
    let isPrivate: Bool
    let updateLength: Int
    let clippedBitIndex: Int?
    let weightIndex: Int?
    let encodedLength: Int
    /// w_max·C (weighted) or C.
    let updateBound: Double
    /// w_max (1 when uniform).
    let maximumWeight: Double
    let guaranteedNoisyClients: Int

    /// Validates `configuration`, parameter by parameter in a fixed order, so the error names
    /// the first one out of range.
    init(_ configuration: PrivateAggregationConfiguration) throws(PrivateAggregationError) {
      self.configuration = configuration
      layout = try Self.validateCohort(configuration)
      try Self.validateRanges(configuration)
      let colludingClients = try Self.colludingClients(configuration)
      try Self.validateRounding(configuration)
      let weighting = try Self.validateWeighting(configuration.weighting)
      try Self.validateOptions(configuration)
      maximumWeight = weighting.maximumWeight
      updateBound = configuration.clipBound * maximumWeight

      isPrivate = configuration.privacy != .none
      updateLength =
        isPrivate ? RandomizedHadamard.paddedDimension(for: layout.totalCount) : layout.totalCount
      guard updateLength <= RandomizedHadamard.maximumPaddedDimension else {
        throw .invalidParameter(
          name: "dimension", value: "\(layout.totalCount)",
          expected: "at most \(RandomizedHadamard.maximumPaddedDimension) elements")
      }
      // The extra coordinates follow the update: the clipped-or-not bit, then the weight.
      let hasBit = configuration.clippedCountStandardDeviation != nil
      clippedBitIndex = hasBit ? updateLength : nil
      weightIndex = weighting.travels ? updateLength + (hasBit ? 1 : 0) : nil
      encodedLength = updateLength + (hasBit ? 1 : 0) + (weighting.travels ? 1 : 0)

      secureAggregation = try Self.secureAggregation(
        configuration, colludingClients: colludingClients, vectorLength: encodedLength)
      guaranteedNoisyClients = secureAggregation.minimumSurvivors - colludingClients
      if case .distributed = configuration.privacy, guaranteedNoisyClients < 1 {
        throw .invalidParameter(
          name: "colludingClients", value: "\(colludingClients)",
          expected:
            "fewer than minimumSurvivors = \(secureAggregation.minimumSurvivors), so some noise "
            + "in every released sum is unknown to the server")
      }
    }

    /// The neighbouring relation the accounting uses: the configuration's, except local DP,
    /// which protects each client's own data against any replacement.
    var accountingRelation: NeighboringRelation {
      configuration.privacy == .local ? .replaceOne : configuration.relation
    }

    /// Whether the configuration asks for PLD accounting (not RDP, nor the analytic Gaussian).
    var usesPrivacyLoss: Bool {
      configuration.accountant == .pld && !configuration.analyticCentralAccounting
    }
  }
}

extension AggregationPlan.Base {
  /// The clients and the update's shapes: n in 2...65,535, at least one element.
  static func validateCohort(_ configuration: PrivateAggregationConfiguration)
    throws(PrivateAggregationError) -> TensorLayout
  {
    let n = configuration.clientCount
    guard (2...ParticipantID.maximumCount).contains(n) else {
      throw .invalidParameter(
        name: "clientCount", value: "\(n)", expected: "2...\(ParticipantID.maximumCount)")
    }
    let layout = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try TensorLayout(shapes: configuration.shapes)
    }
    guard layout.totalCount >= 1 else {
      throw .invalidParameter(
        name: "shapes", value: "\(configuration.shapes)", expected: "at least one element")
    }
    return layout
  }

  /// The bit width, the clip bound, δ, the rounds and the sampling rate.
  static func validateRanges(_ configuration: PrivateAggregationConfiguration)
    throws(PrivateAggregationError)
  {
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
  }

  /// The colluding clients, 0...n − 1: `nil` means 0 except in active mode, whose threshold
  /// depends on them (no silent default there).
  static func colludingClients(_ configuration: PrivateAggregationConfiguration)
    throws(PrivateAggregationError) -> Int
  {
    let n = configuration.clientCount
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
    return colludingClients
  }

  /// The headroom, conditional rounding's β and the expected dropout rate.
  static func validateRounding(_ configuration: PrivateAggregationConfiguration)
    throws(PrivateAggregationError)
  {
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
  }

  /// The weighting's w_max (1 when uniform), and whether the weight travels in the masked vector
  /// (a noised denominator).
  static func validateWeighting(_ weighting: Weighting)
    throws(PrivateAggregationError) -> (maximumWeight: Double, travels: Bool)
  {
    guard case .weighted(let maximumWeight, let denominator) = weighting else { return (1, false) }
    guard maximumWeight.isFinite, maximumWeight > 0 else {
      throw .invalidParameter(
        name: "maximumWeight", value: "\(maximumWeight)", expected: "a finite w_max > 0")
    }
    switch denominator {
    case .fixed(let total):
      guard total.isFinite, total > 0 else {
        throw .invalidParameter(
          name: "denominator", value: "\(total)", expected: "a finite public total weight > 0")
      }
      return (maximumWeight, false)
    case .noised(let multiplier):
      guard multiplier.isFinite, multiplier > 0 else {
        throw .invalidParameter(
          name: "weight noise multiplier", value: "\(multiplier)", expected: "a finite value > 0")
      }
      return (maximumWeight, true)
    }
  }

  /// The analytic central accounting (one central release) and adaptive clipping's σ_b.
  static func validateOptions(_ configuration: PrivateAggregationConfiguration)
    throws(PrivateAggregationError)
  {
    if configuration.analyticCentralAccounting {
      guard configuration.privacy == .central, configuration.rounds == 1,
        configuration.sampling.rate == 1
      else {
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
  }
}
