import DifferentialPrivacy
import Foundation
import Testing

@testable import PrivateAggregation

/// A round's privacy as a store keeps it between the round's begin (its reservation) and its
/// release (its charge): it round-trips exactly, and what no round has is refused with a
/// `DecodingError`, never a trap.
@Suite struct RoundPrivacyCodingTests {
  /// A Poisson-sampled PLD round (amplification holds, so both distributions are present).
  static func sampledRound(noiseMultiplier: Double = 2, rate: Double = 0.1) throws
    -> RoundPrivacy
  {
    try RoundPrivacy(
      accountant: "PLD (Gaussian)", noiseMultiplier: noiseMultiplier,
      sampling: .poisson(rate: rate),
      privacyLoss: { (q) throws(DifferentialPrivacyError) in
        try PrivacyLossDistribution.gaussian(standardDeviation: noiseMultiplier, samplingRate: q)
      },
      curve: { (order) throws(DifferentialPrivacyError) in
        try RDP.gaussian(noiseMultiplier: noiseMultiplier, order: order)
      })
  }

  static func object(_ round: RoundPrivacy) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(round)) as? [String: Any])
  }

  static func decode(_ object: [String: Any]) throws -> RoundPrivacy {
    try JSONDecoder().decode(
      RoundPrivacy.self, from: try JSONSerialization.data(withJSONObject: object))
  }

  /// Decoding gives the same round (every number), and a ledger charged with the decoded round
  /// reports the ε it reports charged with the original.
  @Test(arguments: [0.1, 1.0])
  func roundTripKeepsEverything(rate: Double) throws {
    let round = try Self.sampledRound(rate: rate)
    let decoded = try Self.decode(try Self.object(round))
    #expect(decoded == round)
    let original = try PrivacyLedger(delta: 1e-5)
    let copy = try PrivacyLedger(delta: 1e-5)
    try original.record(round)
    try copy.record(decoded)
    #expect(copy.epsilon == original.epsilon)
  }

  /// An RDP curve that is +∞ at some order (no guarantee there) survives JSON, which has no ∞.
  @Test func anInfiniteOrderRoundTrips() throws {
    let round = try RoundPrivacy(
      accountant: "RDP (test)", noiseMultiplier: 1, sampling: .chosenByServer(fraction: 1),
      orders: [2, 3],
      curve: { (order) throws(DifferentialPrivacyError) in order < 2.5 ? 0.5 : .infinity })
    #expect(round.unsampledRDP[1] == .infinity)
    #expect(try Self.decode(try Self.object(round)) == round)
  }

  /// Each field corrupted (given as JSON) to what no constructor makes is refused as
  /// `dataCorrupted`; an RDP value is repeated at every order, so only the value is wrong.
  @Test(arguments: [
    ("noiseMultiplier", "-1"),
    ("noiseMultiplier", "0"),
    ("orders", "[1.0]"),
    ("unsampledRDP", "-1"),
    ("sampledRDP", "1e9"),
    ("amplificationHolds", "false"),
    ("sampling", #"{"kind": "poisson", "rate": 1.5}"#),
    // Amplification is claimed, and does not hold for a cohort the server picks.
    ("sampling", #"{"kind": "chosenByServer", "rate": 0.1}"#),
  ])
  func corruptFieldsAreRefused(field: String, json: String) throws {
    var object = try Self.object(try Self.sampledRound())
    let value = try JSONSerialization.jsonObject(
      with: Data(json.utf8), options: .fragmentsAllowed)
    if field == "unsampledRDP" || field == "sampledRDP" {
      let count = try #require(object["orders"] as? [Double]).count
      object[field] = [Any](repeating: value, count: count)
    } else {
      object[field] = value
    }
    #expect {
      _ = try Self.decode(object)
    } throws: { error in
      guard case .dataCorrupted = error as? DecodingError else { return false }
      return true
    }
  }

  /// A round whose curves have another count than its orders, or whose sampled distribution
  /// comes without the unsampled one, is refused.
  @Test func inconsistentShapesAreRefused() throws {
    var object = try Self.object(try Self.sampledRound())
    object["sampledRDP"] = [0.1]
    #expect(throws: DecodingError.self) { _ = try Self.decode(object) }
    object = try Self.object(try Self.sampledRound())
    object.removeValue(forKey: "privacyLoss")
    #expect(throws: DecodingError.self) { _ = try Self.decode(object) }
  }

  /// `check(_:)` over rounds in order: a budget that holds two rounds of σ = 2 and not three
  /// (ε taken from a probe ledger that records them) passes two and refuses three, with `spent`
  /// the ε after two, and records nothing either way.
  @Test func checkingSeveralRoundsRecordsNothing() throws {
    let round = try Self.sampledRound(rate: 1)
    let probe = try PrivacyLedger(delta: 1e-5)
    try probe.record(round)
    try probe.record(round)
    let two = probe.epsilon.epsilon
    let three = try probe.epsilon(ifRecording: round).epsilon
    let ledger = try PrivacyLedger(delta: 1e-5, budget: (two + three) / 2)
    try ledger.check([round, round])
    #expect {
      try ledger.check([round, round, round])
    } throws: { error in
      guard
        case .privacyBudgetExceeded(_, let spent, let wouldBe) = error as? PrivateAggregationError
      else { return false }
      return spent == two && wouldBe == three
    }
    #expect(ledger.roundsRecorded == 0)
    #expect(ledger.epsilon.epsilon == 0)
  }
}
