/// What one client needs to take part in one round: the round's id and the bearer token the
/// operator was issued for this client (``OperatorClient/createRound(id:configuration:population:checkInDeadline:phaseDeadline:identityDirectory:)``).
///
/// The token is a secret: give it to its client only, over a protected channel. Its
/// description redacts it.
public struct RoundCredential: Sendable, Hashable, CustomStringConvertible {
  /// The round.
  public let roundID: String
  /// The client's id in the round, 1...n.
  public let participant: Int
  /// The bearer token.
  public let token: String

  /// A credential.
  public init(roundID: String, participant: Int, token: String) {
    self.roundID = roundID
    self.participant = participant
    self.token = token
  }

  /// The round and participant; never the token.
  public var description: String {
    "RoundCredential(round: \(roundID), participant: \(participant), token: redacted)"
  }
}
