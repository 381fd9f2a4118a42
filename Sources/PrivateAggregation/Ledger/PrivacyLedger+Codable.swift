import DifferentialPrivacy
import Synchronization

extension PrivacyLedger: Codable {
  private enum CodingKeys: String, CodingKey {
    case formatVersion, delta, budget, orders, valueDiscretization, entries, renyi,
      renyiWithoutAmplification, privacyLoss, privacyLossWithoutAmplification
  }

  /// Writes the ledger in format ``formatVersion``: its parameters, the entries, and the
  /// composed totals (the RDP sums and, while every round had one, the composed distributions),
  /// a consistent snapshot taken under the ledger's lock.
  public func encode(to encoder: any Encoder) throws {
    let snapshot = state.withLock { $0 }
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(Self.formatVersion, forKey: .formatVersion)
    try container.encode(delta, forKey: .delta)
    try container.encodeIfPresent(budget, forKey: .budget)
    try container.encode(orders, forKey: .orders)
    try container.encode(valueDiscretization, forKey: .valueDiscretization)
    try container.encode(snapshot.entries, forKey: .entries)
    try container.encode(snapshot.renyi, forKey: .renyi)
    try container.encode(snapshot.renyiWithoutAmplification, forKey: .renyiWithoutAmplification)
    try container.encodeIfPresent(snapshot.privacyLoss, forKey: .privacyLoss)
    try container.encodeIfPresent(
      snapshot.privacyLossWithoutAmplification, forKey: .privacyLossWithoutAmplification)
  }

  /// Reads a ledger written by ``encode(to:)``, checking it as a ledger's constructor and
  /// ``record(_:)`` would: the format version, δ, budget, orders and grid; one RDP total per
  /// order, each ≥ 0; pessimistic distributions on the ledger's grid; entries numbered 1, 2, …
  /// under one relation. The ε of each total is recomputed, not read.
  ///
  /// - Throws: `DecodingError.dataCorrupted` naming the field that fails.
  public convenience init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    func corrupted(_ key: CodingKeys, _ message: String) -> DecodingError {
      DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
    }
    let version = try container.decode(Int.self, forKey: .formatVersion)
    guard version == Self.formatVersion else {
      throw corrupted(
        .formatVersion, "format \(version); this library reads format \(Self.formatVersion)")
    }
    let delta = try container.decode(Double.self, forKey: .delta)
    let budget = try container.decodeIfPresent(Double.self, forKey: .budget)
    let orders = try container.decode([Double].self, forKey: .orders)
    do {
      try Self.validate(delta: delta, budget: budget, orders: orders)
    } catch {
      throw corrupted(.delta, "\(error)")
    }
    let grid = try container.decode(Double.self, forKey: .valueDiscretization)
    guard grid.isFinite, grid > 0, grid <= 1 else {
      throw corrupted(.valueDiscretization, "\(grid); expected a grid interval in (0, 1]")
    }
    let entries = try container.decode([Entry].self, forKey: .entries)
    for (index, entry) in entries.enumerated() {
      guard entry.round == index + 1, entry.relation == entries[0].relation,
        entry.noiseMultiplier.isFinite, entry.noiseMultiplier > 0,
        entry.epsilonAfter.epsilon >= 0, entry.epsilonAfter.delta == delta
      else {
        throw corrupted(
          .entries,
          "entry \(index + 1): expected round \(index + 1), the first entry's relation, "
            + "a finite noise multiplier > 0 and an ε ≥ 0 at the ledger's δ")
      }
    }
    var totals: [[Double]] = []
    for key in [CodingKeys.renyi, .renyiWithoutAmplification] {
      let total = try container.decode([Double].self, forKey: key)
      guard total.count == orders.count, total.allSatisfy({ $0 >= 0 }) else {
        throw corrupted(key, "expected \(orders.count) values ≥ 0, one per order")
      }
      totals.append(total)
    }
    let loss = try container.decodeIfPresent(PrivacyLossDistribution.self, forKey: .privacyLoss)
    let lossWithout = try container.decodeIfPresent(
      PrivacyLossDistribution.self, forKey: .privacyLossWithoutAmplification)
    for (key, distribution) in [
      (CodingKeys.privacyLoss, loss), (.privacyLossWithoutAmplification, lossWithout),
    ] {
      guard let distribution else { continue }
      guard distribution.estimate == .pessimistic, distribution.valueDiscretization == grid else {
        throw corrupted(key, "expected a pessimistic distribution on the ledger's grid \(grid)")
      }
    }
    guard loss != nil || lossWithout == nil else {
      throw corrupted(
        .privacyLossWithoutAmplification, "a total without amplification but none with it")
    }
    var state = State(
      entries: entries, renyi: totals[0], renyiWithoutAmplification: totals[1],
      privacyLoss: loss, privacyLossWithoutAmplification: lossWithout,
      epsilon: EpsilonAtOrder(epsilon: 0, delta: delta, order: nil),
      epsilonWithoutAmplification: EpsilonAtOrder(epsilon: 0, delta: delta, order: nil))
    do {
      (state.epsilon, state.epsilonWithoutAmplification) = try Self.epsilons(
        of: state, delta: delta, orders: orders)
    } catch {
      throw corrupted(.renyi, "the totals give no ε: \(error)")
    }
    self.init(
      delta: delta, budget: budget, orders: orders, valueDiscretization: grid, state: state)
  }
}
