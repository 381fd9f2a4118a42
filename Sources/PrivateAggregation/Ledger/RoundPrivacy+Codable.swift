import DifferentialPrivacy

extension RoundPrivacy: Codable {
  private enum CodingKeys: String, CodingKey {
    case accountant, noiseMultiplier, sampling, relation, orders, unsampledRDP, sampledRDP,
      amplificationHolds, privacyLoss, sampledPrivacyLoss
  }

  /// Writes the round's numbers: what a store keeps to charge the round later (a service
  /// reserves a round's privacy when it begins and charges it when it releases).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(accountant, forKey: .accountant)
    try container.encode(noiseMultiplier, forKey: .noiseMultiplier)
    try container.encode(sampling, forKey: .sampling)
    try container.encode(relation, forKey: .relation)
    try container.encode(orders, forKey: .orders)
    try container.encode(unsampledRDP.map(Self.storable), forKey: .unsampledRDP)
    try container.encode(sampledRDP.map(Self.storable), forKey: .sampledRDP)
    try container.encode(amplificationHolds, forKey: .amplificationHolds)
    try container.encodeIfPresent(privacyLoss, forKey: .privacyLoss)
    try container.encodeIfPresent(sampledPrivacyLoss, forKey: .sampledPrivacyLoss)
  }

  /// Reads a round written by ``encode(to:)``, checking it as the round's constructor would:
  /// a noise multiplier finite and > 0, a sampling rate in [0, 1], valid orders, one RDP value
  /// ≥ 0 per order with the sampled never above the unsampled, amplification claimed exactly
  /// when it holds, and pessimistic distributions on one grid (a sampled one only beside an
  /// unsampled one, and only when amplification holds).
  ///
  /// - Throws: `DecodingError.dataCorrupted` naming the field that fails.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    func corrupted(_ key: CodingKeys, _ message: String) -> DecodingError {
      DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
    }
    let noiseMultiplier = try container.decode(Double.self, forKey: .noiseMultiplier)
    guard noiseMultiplier.isFinite, noiseMultiplier > 0 else {
      throw corrupted(.noiseMultiplier, "\(noiseMultiplier); expected a finite number > 0")
    }
    let sampling = try container.decode(CohortSampling.self, forKey: .sampling)
    guard sampling.rate >= 0, sampling.rate <= 1 else {
      throw corrupted(.sampling, "rate \(sampling.rate); expected a rate in [0, 1]")
    }
    let relation = try container.decode(NeighboringRelation.self, forKey: .relation)
    let orders = try container.decode([Double].self, forKey: .orders)
    do {
      try PrivacyLedger.validate(orders: orders)
    } catch {
      throw corrupted(.orders, "\(error)")
    }
    var curves: [[Double]] = []
    for key in [CodingKeys.unsampledRDP, .sampledRDP] {
      let values = try container.decode([Double?].self, forKey: key).map {
        $0 ?? .infinity
      }
      guard values.count == orders.count, values.allSatisfy({ $0 >= 0 }) else {
        throw corrupted(key, "expected \(orders.count) values ≥ 0, one per order")
      }
      curves.append(values)
    }
    guard zip(curves[1], curves[0]).allSatisfy({ $0 <= $1 }) else {
      throw corrupted(.sampledRDP, "a value above the unsampled RDP at its order")
    }
    let holds = try container.decode(Bool.self, forKey: .amplificationHolds)
    guard holds == Self.amplificationHolds(sampling: sampling, relation: relation) else {
      throw corrupted(
        .amplificationHolds, "\(holds) for \(sampling) under \(relation.rawValue)")
    }
    let loss = try container.decodeIfPresent(PrivacyLossDistribution.self, forKey: .privacyLoss)
    let sampledLoss = try container.decodeIfPresent(
      PrivacyLossDistribution.self, forKey: .sampledPrivacyLoss)
    if let sampledLoss {
      guard let loss, holds, sampledLoss.valueDiscretization == loss.valueDiscretization else {
        throw corrupted(
          .sampledPrivacyLoss,
          "expected only beside an unsampled distribution on its grid, when amplification holds")
      }
    }
    for (key, distribution) in [(CodingKeys.privacyLoss, loss), (.sampledPrivacyLoss, sampledLoss)]
    {
      guard let distribution else { continue }
      guard distribution.estimate == .pessimistic else {
        throw corrupted(
          key, "a \(distribution.estimate.rawValue) distribution; expected pessimistic")
      }
    }
    self.init(
      accountant: try container.decode(String.self, forKey: .accountant),
      noiseMultiplier: noiseMultiplier, sampling: sampling, relation: relation, orders: orders,
      unsampledRDP: curves[0], sampledRDP: curves[1], amplificationHolds: holds,
      privacyLoss: loss, sampledPrivacyLoss: sampledLoss)
  }

  /// An RDP value as JSON can hold it: +∞ (a round with no guarantee at an order) as `nil`.
  private static func storable(_ value: Double) -> Double? {
    value.isFinite ? value : nil
  }
}
