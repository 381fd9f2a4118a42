/// One client's side of the protocol, as a sans-IO state machine.
///
/// ``respond(to:)`` takes any server message and returns the reply to send back; each round is
/// also one `mutating` method of its own (``advertiseKeys(for:)`` … ``revealShares(for:)``).
/// Nothing here touches a network, a clock or global state: a transport calls these methods and
/// carries the bytes. When a method throws, the client is unchanged (a transport may
/// treat the client as dropped, or retry with a corrected message).
///
/// The client enforces the rules that make the protocol secure whatever the server does: fresh
/// keys and seed every session; it reveals, for each neighbour, either the share of its masking
/// key (neighbour dropped) or the share of its self-mask seed (neighbour survived), never both,
/// and answers at most one unmasking request; it refuses survivor sets smaller than the threshold
/// or than ``AggregationConfiguration/minimumSurvivors``, sets that are not nested in what it saw,
/// unknown or duplicate ids, and messages of another session or round; in active mode it checks
/// every signature against the caller's identity directory.
///
/// Secrets (both private keys, the seed, the shares it holds) live in zeroizing storage and never
/// appear in errors or descriptions.
///
/// One session, one answer per round, copies included: the phase and the secrets live in one
/// reference-typed session that every copy of a client shares, so a copy made before a round
/// cannot answer that round a second time (two masked inputs would give the server x₁ − x₂; two
/// unmasking answers, both secrets of a neighbour).
public struct AggregationClient {
  /// Where a client is in the protocol.
  public enum Phase: String, Sendable, Hashable {
    /// Waiting for the server's ``SessionAnnouncement``.
    case awaitingAnnouncement = "awaiting announcement"
    /// Sent its keys; waiting for its neighbours' keys (``KeyDirectory``).
    case awaitingKeyDirectory = "awaiting key directory"
    /// Sent its shares; waiting for its neighbours' shares (``ShareRelay``).
    case awaitingShareRelay = "awaiting share relay"
    /// Sent its masked input; waiting for the survivor set (``ConsistencyCheckRequest`` in active
    /// mode, ``UnmaskingRequest`` otherwise).
    case awaitingSurvivors = "awaiting survivors"
    /// Active mode: signed the survivor set; waiting for the ``UnmaskingRequest``.
    case awaitingUnmaskingRequest = "awaiting unmasking request"
    /// Answered the unmasking request; the client's part is done.
    case finished = "finished"
  }

  /// The session's public parameters.
  public let configuration: AggregationConfiguration
  /// This client's id.
  public let id: ParticipantID
  /// Where the client is (shared by every copy of this client).
  public var phase: Phase {
    switch stage {
    case .awaitingAnnouncement: return .awaitingAnnouncement
    case .awaitingKeyDirectory: return .awaitingKeyDirectory
    case .awaitingShareRelay: return .awaitingShareRelay
    case .awaitingSurvivors: return .awaitingSurvivors
    case .awaitingUnmaskingRequest: return .awaitingUnmaskingRequest
    case .finished: return .finished
    }
  }
  /// The vector this client contributes: masked and sent when the share relay arrives
  /// (``respond(to:)``). It must have the configuration's length and modulus.
  public var input: ModularVector?

  let identityKey: IdentityPrivateKey?
  let identityDirectory: [ParticipantID: IdentityPublicKey]
  let randomSource: RandomSource
  /// The phase and the secrets, shared by every copy.
  private(set) var state = ClientState()
  /// The phase and what the client holds in it (shared by every copy).
  var stage: Stage {
    get { state.stage }
    nonmutating set { state.stage = newValue }
  }
  /// What the client holds in this session (`nil` before round 0 and after the last answer).
  var session: ClientSession? {
    switch stage {
    case .awaitingAnnouncement, .finished: return nil
    case .awaitingKeyDirectory(let session), .awaitingShareRelay(let session, _),
      .awaitingSurvivors(let session), .awaitingUnmaskingRequest(let session, _):
      return session
    }
  }
  /// b_u, while the client holds it (between rounds 1 and 2).
  var selfMaskSeed: SecureBytes? {
    if case .awaitingShareRelay(_, let seed) = stage { return seed }
    return nil
  }
  /// Active mode: the survivor set this client signed (before its unmasking answer).
  var signedSurvivors: [ParticipantID]? {
    if case .awaitingUnmaskingRequest(_, let survivors) = stage { return survivors }
    return nil
  }

  /// A client whose keys, seed and shares come from `randomSource`: the system's secure
  /// generator unless a test or simulation passes ``RandomSource/insecureDeterministic(seed:)``.
  ///
  /// - Parameters:
  ///   - configuration: The session's parameters, as the server has them.
  ///   - id: This client's id, 1...n.
  ///   - identityKey: Active mode: this client's Ed25519 identity key.
  ///   - identityDirectory: Active mode: every participant's identity public key, from the
  ///     caller's own directory (PKI), never from the server.
  ///   - input: The vector this client contributes (``input``); it may also be set later,
  ///     before the share relay arrives.
  ///   - randomSource: Where every secret comes from; a deterministic source makes them all
  ///     known to whoever knows its seed (tests and simulations only).
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` for an id outside
  ///   the cohort, or active mode without an identity key or directory entry for this client.
  public init(
    configuration: AggregationConfiguration, id: ParticipantID,
    identityKey: IdentityPrivateKey? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:], input: ModularVector? = nil,
    randomSource: RandomSource = .system
  ) throws(SecureAggregationError) {
    try self.init(
      configuration: configuration, id: id, identityKey: identityKey,
      identityDirectory: identityDirectory, source: randomSource)
    self.input = input
  }

  private init(
    configuration: AggregationConfiguration, id: ParticipantID, identityKey: IdentityPrivateKey?,
    identityDirectory: [ParticipantID: IdentityPublicKey], source randomSource: RandomSource
  ) throws(SecureAggregationError) {
    guard id.index <= configuration.clientCount else {
      throw .invalidParameter(
        name: "id", value: "\(id)", expected: "1...\(configuration.clientCount)")
    }
    if configuration.securityMode == .active {
      guard let identityKey else {
        throw .invalidParameter(
          name: "identityKey", value: "nil", expected: "an identity key in active mode")
      }
      guard identityDirectory[id] == identityKey.publicKey else {
        throw .invalidParameter(
          name: "identityDirectory", value: "no matching entry for \(id)",
          expected: "this client's own identity public key in the directory")
      }
    }
    self.configuration = configuration
    self.id = id
    self.identityKey = identityKey
    self.identityDirectory = identityDirectory
    self.randomSource = randomSource
  }

  func expect(_ expected: Phase, for message: String) throws(SecureAggregationError) {
    guard phase == expected else { throw unexpected(message) }
  }

  /// The error for `message` arriving in the wrong phase.
  func unexpected(_ message: String) -> SecureAggregationError {
    .unexpectedMessage(received: message, expected: "the client is \(phase.rawValue)")
  }

  func checkEnvelope(sessionID: SessionID, recipient: ParticipantID) throws(SecureAggregationError)
  {
    guard let session, session.sessionID == sessionID else { throw .sessionMismatch }
    guard recipient == id else { throw .wrongRecipient(expected: id, received: recipient) }
  }
}

/// The one-shot latch of a client: its phase and what it holds, shared by every copy of the
/// ``AggregationClient`` so that each round is answered once.
final class ClientState {
  var stage: AggregationClient.Stage = .awaitingAnnouncement
}

extension AggregationClient {
  /// What a client holds, phase by phase: each case carries exactly that phase's data, so
  /// nothing is optional and the self-mask seed exists only between rounds 1 and 2.
  enum Stage {
    /// Before round 0.
    case awaitingAnnouncement
    /// Sent its keys (round 0).
    case awaitingKeyDirectory(ClientSession)
    /// Sent its shares (round 1); holds b_u until it masks.
    case awaitingShareRelay(ClientSession, selfMaskSeed: SecureBytes)
    /// Sent its masked input (round 2).
    case awaitingSurvivors(ClientSession)
    /// Active mode: signed this survivor set (round 3).
    case awaitingUnmaskingRequest(ClientSession, signedSurvivors: [ParticipantID])
    /// Answered the unmasking request; nothing secret is held any more.
    case finished
  }
}

/// What a client holds during one session; secrets are in zeroizing classes.
struct ClientSession {
  let sessionID: SessionID
  /// The client's neighbours in the session's graph.
  let neighbors: Set<ParticipantID>
  let encryptionKey: KeyAgreement.PrivateKey
  let maskingKey: KeyAgreement.PrivateKey
  /// N1: neighbours that advertised keys, with their keys.
  var neighborKeys: [ParticipantID: KeyAdvertisement] = [:]
  /// Neighbours in the directory whose keys this client refused (non-canonical or small order):
  /// it sent them no shares, so the server relays nothing between the two.
  var skippedNeighbors = Set<ParticipantID>()
  /// N2: neighbours whose shares the server relayed to this client; it masked with each of them.
  var relayedSenders = Set<ParticipantID>()
  /// The relayed neighbours whose shares opened: (masking-key share, self-mask-seed share). A
  /// relayed box that did not open leaves its sender out of here (this client then holds nothing
  /// of that sender's secrets) but not out of ``relayedSenders``.
  var heldShares: [ParticipantID: (maskingKey: SecretShare, selfMaskSeed: SecretShare)] = [:]
}

extension AggregationClient {
  /// A copy with its own phase and session, so that it can answer a round the original has
  /// answered (or will): for benchmarks that time one round many times.
  ///
  /// - Warning: Defeats the one-answer-per-round rule; never use it outside measurements.
  package func detachedCopy() -> AggregationClient {
    var copy = self
    let state = ClientState()
    state.stage = self.state.stage
    copy.state = state
    return copy
  }
}
