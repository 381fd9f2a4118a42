/// An attack ``AttackSimulation`` carries out against one session, with the public protocol
/// messages and the corrupt clients it needs.
public enum Attack: String, Sendable, Hashable, CaseIterable {
  /// A malicious server shows the clients on one side of a victim a survivor set with it and the
  /// other side one without it, through the consistency round in active mode (each side signs its
  /// own set); the corrupt neighbours answer both ways. It wins if it gathers t shares of the
  /// victim's self-mask seed and t of its masking key.
  case equivocation
  /// A malicious server asks some neighbours of a victim for its seed share and the others for its
  /// masking-key share, without faking the consistency round (in active mode it passes on the
  /// signatures over the true survivor set).
  case bothShares = "both-shares"
  /// A hostile client advertises a masking key of small order.
  case badKey = "bad-key"
  /// A hostile client reveals a wrong share in the unmasking round.
  case badShare = "bad-share"
  /// Messages of an earlier session of the same cohort are replayed into a new one, to the
  /// clients and to the server.
  case replay

  /// Whether the attack is the server's (outside the semi-honest model) rather than a client's
  /// or the network's.
  public var isServerAttack: Bool { self == .equivocation || self == .bothShares }
}

/// What one ``AttackSimulation`` found, checked against the simulation's ground truth.
public struct AttackReport: Sendable {
  /// The attack carried out.
  public let attack: Attack
  /// The session's parameters.
  public let configuration: AggregationConfiguration
  /// Whether the configuration's mode claims to stop this attack. Semi-honest mode makes no claim
  /// against a malicious server; the report says so rather than hiding it.
  public let defended: Bool
  /// Whether the attacker rebuilt any single honest client's input (compared with the input the
  /// simulation gave it).
  public let inputRecovered: Bool
  /// Whether the server released a sum.
  public let sumReleased: Bool
  /// Whether the released sum is exactly the sum of the inputs it claims to contain; `nil` when
  /// nothing was released.
  public let exact: Bool?
  /// The errors with which honest clients refused the attacker's messages, one per refusal.
  public let refusals: [SecureAggregationError]
  /// The messages of the attacker the honest server rejected.
  public let serverRejections: [SecureAggregationError]
  /// The honest client the attack targets (server attacks).
  public let victim: ParticipantID?
  /// The clients that work with the attacker: the corrupt neighbours of a server attack, or the
  /// hostile client of a client attack.
  public let attackers: [ParticipantID]
  /// The responders the server found revealing wrong shares.
  public let respondersWithWrongShares: [ParticipantID]
  /// One sentence on what happened.
  public let summary: String
}
