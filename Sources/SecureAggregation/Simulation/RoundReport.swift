/// What one simulated session measured: the result, who survived, compute times and bytes.
public struct RoundReport: Sendable {
  /// Wall-clock compute time of one phase.
  public struct PhaseTiming: Sendable, Hashable {
    /// The round.
    public let round: ProtocolRound
    /// The mean over the clients that took part, in seconds.
    public let clientMeanSeconds: Double
    /// The slowest client, in seconds.
    public let clientMaxSeconds: Double
    /// The server, in seconds.
    public let serverSeconds: Double
  }

  /// The configuration that ran.
  public let configuration: AggregationConfiguration
  /// The session's id (its neighbour graph derives from it).
  public let sessionID: SessionID
  /// The unmasked sum, or `nil` when the server aborted.
  public let sum: ModularVector?
  /// Whether the sum equals the plaintext sum of the survivors' inputs.
  ///
  /// The survivors are the clients whose inputs the server took: a client the server wrongly
  /// refused is left out of both sums, so check ``survivorsAsScheduled`` too.
  public let exact: Bool
  /// Whether the survivors are exactly the clients the dropout schedule kept until their masked
  /// input was sent: every client not scheduled to drop in or before the masked-input round is
  /// in the sum. `false` when the server refused a client that followed the protocol, or
  /// aborted.
  public let survivorsAsScheduled: Bool
  /// Why the server aborted, when it did.
  public let abortReason: SecureAggregationError?
  /// U3: the clients whose inputs are in the sum.
  public let survivors: [ParticipantID]
  /// For each round, the clients that completed it.
  public let completed: [ProtocolRound: [ParticipantID]]
  /// Per-round compute times.
  public let phases: [PhaseTiming]
  /// The mean over all clients of each client's total compute over all rounds, in seconds.
  public let clientSeconds: Double
  /// The server's total compute over all rounds, in seconds.
  public let serverSeconds: Double
  /// The mean over all clients of the bytes each sent (encoded messages, all rounds).
  public let clientBytesSent: Double
  /// The bytes the server sent in total (one encoded message per recipient).
  public let serverBytesSent: Int
}
