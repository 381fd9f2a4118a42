import DifferentialPrivacy
import Foundation
import Testing

@testable import PrivateAggregation

/// The ledger's archive: a versioned format that round-trips exactly and refuses what no ledger
/// writes, with a `DecodingError` and never a trap.
@Suite struct PrivacyLedgerCodingTests {
  static let delta = 1e-5

  /// A ledger with PLD rounds (one amplified, so both totals differ) and a budget.
  static func sampleLedger() throws -> PrivacyLedger {
    let ledger = try PrivacyLedger(delta: delta, budget: 50)
    for rate in [1.0, 0.1, 1.0] {
      try ledger.record(
        RoundPrivacy(
          accountant: "PLD (Gaussian)", noiseMultiplier: 2, sampling: .poisson(rate: rate),
          privacyLoss: { (q) throws(DifferentialPrivacyError) in
            try PrivacyLossDistribution.gaussian(standardDeviation: 2, samplingRate: q)
          },
          curve: { (order) throws(DifferentialPrivacyError) in
            try RDP.gaussian(noiseMultiplier: 2, order: order)
          }))
    }
    return ledger
  }

  static func encoded(_ ledger: PrivacyLedger) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return try encoder.encode(ledger)
  }

  /// The JSON object of an archive, to corrupt one field.
  static func object(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  static func decode(_ object: [String: Any]) throws -> PrivacyLedger {
    try JSONDecoder().decode(
      PrivacyLedger.self, from: try JSONSerialization.data(withJSONObject: object))
  }

  /// Decoding gives the same ledger: same ε both ways, entries, budget and accountant; encoding
  /// it again gives the same bytes; and one more round gives the same ε in both.
  @Test func roundTripKeepsEverything() throws {
    let ledger = try Self.sampleLedger()
    #expect(ledger.epsilon.epsilon < ledger.epsilonWithoutAmplification.epsilon)
    let data = try Self.encoded(ledger)
    let decoded = try JSONDecoder().decode(PrivacyLedger.self, from: data)
    #expect(decoded.epsilon == ledger.epsilon)
    #expect(decoded.epsilonWithoutAmplification == ledger.epsilonWithoutAmplification)
    #expect(decoded.entries == ledger.entries)
    #expect(decoded.budget == 50)
    #expect(decoded.delta == Self.delta)
    #expect(decoded.accountant == .pld)
    #expect(try Self.encoded(decoded) == data)
    let next = try RoundPrivacy(
      accountant: "PLD (Gaussian)", noiseMultiplier: 3, sampling: .poisson(rate: 1),
      privacyLoss: { (q) throws(DifferentialPrivacyError) in
        try PrivacyLossDistribution.gaussian(standardDeviation: 3, samplingRate: q)
      },
      curve: { (order) throws(DifferentialPrivacyError) in
        try RDP.gaussian(noiseMultiplier: 3, order: order)
      })
    try ledger.record(next)
    try decoded.record(next)
    #expect(decoded.epsilon == ledger.epsilon)
  }

  /// The archive names its format version, 1, and its fields.
  @Test func archiveNamesItsVersionAndFields() throws {
    let object = try Self.object(Self.encoded(Self.sampleLedger()))
    #expect(object["formatVersion"] as? Int == 1)
    #expect(PrivacyLedger.formatVersion == 1)
    #expect(
      Set(object.keys) == [
        "formatVersion", "delta", "budget", "orders", "valueDiscretization", "entries", "renyi",
        "renyiWithoutAmplification", "privacyLoss", "privacyLossWithoutAmplification",
      ])
  }

  /// A hand-written version-1 archive of one RDP round at two orders decodes, and its ε is
  /// recomputed from the totals by the conversion of Canonne, Kamath & Steinke (2020),
  /// ε = min_α RDP(α) + log(1 − 1/α) − log(δα)/(α − 1), evaluated here by hand.
  @Test func handWrittenArchiveDecodes() throws {
    let json = """
      {"formatVersion": 1, "delta": 1e-5, "orders": [2, 8], "valueDiscretization": 1e-4,
       "entries": [{"round": 1, "accountant": "RDP (Gaussian)", "noiseMultiplier": 1,
                    "sampling": {"kind": "poisson", "rate": 1}, "relation": "add-or-remove-one",
                    "amplificationHolds": true,
                    "epsilonAfter": {"epsilon": 9, "delta": 1e-5, "order": 8}}],
       "renyi": [1, 4], "renyiWithoutAmplification": [1, 4]}
      """
    let ledger = try JSONDecoder().decode(PrivacyLedger.self, from: Data(json.utf8))
    let delta = 1e-5
    let at2 = 1 + log(1 - 1 / 2.0) - log(delta * 2) / 1
    let at8 = 4 + log(1 - 1 / 8.0) - log(delta * 8) / 7
    #expect(ledger.accountant == .rdp)
    #expect(ledger.budget == nil)
    #expect(ledger.roundsRecorded == 1)
    #expect(abs(ledger.epsilon.epsilon - min(at2, at8)) <= 1e-12 * min(at2, at8))
    #expect(ledger.epsilon.order == (at2 < at8 ? 2 : 8))
  }

  /// Each corruption is refused with a `DecodingError`.
  @Test(arguments: [
    "formatVersion", "delta", "budget", "orders", "renyi", "renyiCount", "valueDiscretization",
    "entryNumber", "entryRelation", "negativeMass", "excessMass", "estimate", "grid",
    "missingWith", "samplingRate",
  ])
  func corruptionsAreRefused(corruption: String) throws {
    var object = try Self.object(Self.encoded(Self.sampleLedger()))
    var entries = try #require(object["entries"] as? [[String: Any]])
    var loss = try #require(object["privacyLoss"] as? [String: Any])
    var removal = try #require(loss["removal"] as? [String: Any])
    switch corruption {
    case "formatVersion": object["formatVersion"] = 2
    case "delta": object["delta"] = 1.5
    case "budget": object["budget"] = -1
    case "orders": object["orders"] = []
    case "renyi": object["renyi"] = [Double](repeating: -1, count: RDP.defaultOrders.count)
    case "renyiCount": object["renyi"] = [0.0]
    case "valueDiscretization": object["valueDiscretization"] = 0
    case "entryNumber":
      entries[1]["round"] = 7
      object["entries"] = entries
    case "entryRelation":
      entries[2]["relation"] = "replace-one"
      object["entries"] = entries
    case "negativeMass":
      var masses = try #require(removal["masses"] as? [Double])
      masses[0] = -0.5
      removal["masses"] = masses
      loss["removal"] = removal
      object["privacyLoss"] = loss
    case "excessMass":
      removal["infinityMass"] = 0.9
      loss["removal"] = removal
      object["privacyLoss"] = loss
    case "estimate":
      loss["estimate"] = "optimistic"
      object["privacyLoss"] = loss
    case "grid":
      loss["valueDiscretization"] = 1e-3
      object["privacyLoss"] = loss
    case "missingWith":
      object["privacyLoss"] = nil
    case "samplingRate":
      var sampling = try #require(entries[0]["sampling"] as? [String: Any])
      sampling["rate"] = 2
      entries[0]["sampling"] = sampling
      object["entries"] = entries
    default:
      Issue.record("unknown corruption \(corruption)")
    }
    #expect(throws: DecodingError.self) { _ = try Self.decode(object) }
  }

  /// Bytes that are not an archive — cut short, or not JSON — are refused, not trapped on.
  @Test func truncatedArchivesAreRefused() throws {
    let data = try Self.encoded(Self.sampleLedger())
    for length in [0, 1, data.count / 3, data.count - 1] {
      #expect(throws: (any Error).self) {
        _ = try JSONDecoder().decode(PrivacyLedger.self, from: data.prefix(length))
      }
    }
  }
}
