/// The server's side of the protocol, as a sans-IO state machine.
///
/// ``start()`` gives the first messages (an announcement for every client); a transport feeds
/// each client's reply to ``receive(_:)-(ClientMessage)`` as it arrives and calls ``advance()``
/// when it stops waiting (a deadline, or every client answered). ``advance()`` closes the phase
/// and returns the next messages, one per recipient, whatever the security mode — or, after the
/// last phase, the result:
///
/// ```swift
/// var messages = server.start()
/// while true {
///   for message in messages { /* deliver; server.receive(reply) for each reply */ }
///   switch try server.advance() {
///   case .send(let next): messages = next
///   case .finished(let result): return result.sum
///   }
/// }
/// ```
///
/// Nothing here touches a network, a clock or global state.
///
/// Every `receive` validates the whole message before it changes anything: a message that throws
/// leaves the server as it was, and its sender simply does not count as having completed the
/// round (it is treated as dropped). Masked inputs are added into one running sum as they arrive,
/// so the server holds O(m) elements plus per-client bookkeeping, never n vectors. A `close…` that
/// throws (too few clients remain) also leaves the server unchanged: the transport may wait for
/// more messages and close again, or give up.
public struct AggregationServer {
  /// Where the server is in the protocol.
  public enum Phase: String, Sendable, Hashable {
    /// Collecting round-0 advertisements.
    case collectingKeys = "collecting keys"
    /// Collecting round-1 encrypted shares.
    case collectingShares = "collecting shares"
    /// Collecting round-2 masked inputs into the running sum.
    case collectingMaskedInputs = "collecting masked inputs"
    /// Active mode: collecting round-3 consistency signatures.
    case collectingSignatures = "collecting signatures"
    /// Collecting round-4 revealed shares.
    case collectingUnmaskingResponses = "collecting unmasking responses"
    /// The sum has been released.
    case finished = "finished"
  }

  /// The messages that follow round 2: a consistency check in active mode, the unmasking request
  /// otherwise.
  public enum SurvivorRequests: Sendable {
    /// Active mode: ask every survivor to sign the survivor set.
    case consistencyCheck([ConsistencyCheckRequest])
    /// Semi-honest mode: ask every survivor for its shares.
    case unmasking([UnmaskingRequest])
  }

  /// The session's public parameters.
  public let configuration: AggregationConfiguration
  /// The session's fresh 32-byte nonce (``start()`` announces it).
  public let nonce: [UInt8]
  /// The session id: SHA-256 of the configuration and the nonce.
  public let sessionID: SessionID
  /// Where the server is.
  public var phase: Phase {
    switch state {
    case .collectingKeys: return .collectingKeys
    case .collectingShares: return .collectingShares
    case .collectingMaskedInputs: return .collectingMaskedInputs
    case .collectingSignatures: return .collectingSignatures
    case .collectingUnmaskingResponses: return .collectingUnmaskingResponses
    case .finished, .modifying: return .finished
    }
  }

  let identityDirectory: [ParticipantID: IdentityPublicKey]
  package let graph: NeighborGraph
  /// The phase and the data it holds.
  var state: State = .collectingKeys(KeyCollection())

  /// A server whose session nonce comes from `randomSource`: the system's secure generator
  /// unless a test or simulation passes ``RandomSource/insecureDeterministic(seed:)``.
  ///
  /// - Parameters:
  ///   - configuration: The session's parameters.
  ///   - identityDirectory: Active mode: the participants' identity public keys, so the server
  ///     can refuse badly signed messages early (clients check signatures themselves either way).
  ///   - randomSource: Where the nonce comes from; a deterministic source makes the session id
  ///     predictable (tests and simulations only).
  public init(
    configuration: AggregationConfiguration,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:],
    randomSource: RandomSource = .system
  ) throws(SecureAggregationError) {
    try self.init(
      configuration: configuration, identityDirectory: identityDirectory,
      raw: SecureBytes(randomCount: SessionID.nonceByteCount, from: randomSource).unprotectedArray)
  }

  /// A server for the session of `nonce`: to resume a session after a restart, make the server
  /// with the nonce it announced and replay, in order, every client message it accepted and
  /// every ``advance()`` it made. The server is deterministic given its nonce, so the replayed
  /// server is the one that stopped — same session id, same graph, same running sum.
  ///
  /// - Parameters:
  ///   - configuration: The session's parameters.
  ///   - identityDirectory: Active mode: the participants' identity public keys.
  ///   - nonce: The session's 32-byte nonce, as stored when the session began.
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` for a nonce that
  ///   is not 32 bytes.
  public init(
    configuration: AggregationConfiguration,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:], nonce: [UInt8]
  ) throws(SecureAggregationError) {
    guard nonce.count == SessionID.nonceByteCount else {
      throw .invalidParameter(
        name: "nonce", value: "\(nonce.count) bytes", expected: "\(SessionID.nonceByteCount) bytes")
    }
    try self.init(configuration: configuration, identityDirectory: identityDirectory, raw: nonce)
  }

  private init(
    configuration: AggregationConfiguration,
    identityDirectory: [ParticipantID: IdentityPublicKey], raw nonce: [UInt8]
  ) throws(SecureAggregationError) {
    let sessionID = try SessionID(configuration: configuration, nonce: nonce)
    self.configuration = configuration
    self.identityDirectory = identityDirectory
    self.nonce = nonce
    self.sessionID = sessionID
    graph = try configuration.neighborGraph(sessionID: sessionID)
  }

  /// The error for `message` arriving in the wrong phase.
  func unexpected(_ message: String) -> SecureAggregationError {
    .unexpectedMessage(received: message, expected: "the server is \(phase.rawValue)")
  }

  func checkSender(_ sender: ParticipantID, sessionID: SessionID) throws(SecureAggregationError) {
    guard sessionID == self.sessionID else { throw .sessionMismatch }
    guard sender.index <= configuration.clientCount else {
      throw .unknownParticipant(sender.rawValue)
    }
  }
}
