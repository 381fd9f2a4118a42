public import AggregationCrypto
import DifferentialPrivacy
public import PrivateAggregation
public import SecureAggregation

/// One round whose server survives a crash: every message its server accepts and every phase it
/// closes is committed to the store before the call returns, so that ``resume(id:store:identityDirectory:)``
/// rebuilds exactly this round after the process dies at any moment (`kill -9` included).
///
/// It drives a `PrivateAggregationServer` made from a stored nonce and noise key (see
/// *Resuming a round after a restart* in PrivateAggregation's documentation): a resumed round
/// draws the central noise the stopped one would have, and the release is stored in the same
/// transaction that closes the last phase, so one round never releases two different noisy sums.
/// The population's budget is checked when the round begins: the round reserves its privacy,
/// and a round the budget cannot pay (after the rounds reserved before it) never starts. The
/// ledger is charged once, in the transaction that stores the release, before the release can
/// be read; a round that fails before it releases is never charged.
public struct DurableRound {
  /// The round's id in the store.
  public let id: String
  /// The round's plan.
  public let plan: AggregationPlan
  /// The release, once the round has finished.
  public private(set) var release: StoredRelease?
  /// The messages of the phase that is open, one per client still in the round: the
  /// announcements at first, then what the last ``advance(isolation:)`` sent (empty once finished). A
  /// resumed round has the same ones as the stopped round had, so clients can ask again.
  public private(set) var outbox: [ServerMessage]
  /// The open phase: 1 for the announcements, one more after each ``advance(isolation:)`` that sent.
  public private(set) var phaseNumber: Int
  /// The clients whose reply the server took in the open phase.
  public private(set) var answered: Set<ParticipantID>
  private var server: PrivateAggregationServer?
  private let store: any RoundStore
  /// Set when a write failed after the server changed: this value no longer matches the store.
  private var diverged = false
  /// SHA-256 of every message the server accepted, so that a client that retries (after a lost
  /// acknowledgement or a server restart) is answered as before instead of refused.
  private var acceptedDigests: Set<[UInt8]>
  /// Messages the server took by ``stage(_:)`` that no write has taken yet, in order.
  private var staged: [RoundEvent] = []

  /// Whether messages wait for their commit (``takeStaged()`` or the next ``advance(isolation:)``).
  package var hasStaged: Bool { !staged.isEmpty }

  /// What ``receive(_:isolation:)`` did with a message.
  public enum Receipt: Sendable, Equatable {
    /// The server took it, and it is committed.
    case accepted
    /// The server had taken exactly these bytes already (a retry); nothing changed.
    case duplicate
  }

  private init(
    id: String, plan: AggregationPlan, server: PrivateAggregationServer?,
    store: any RoundStore, release: StoredRelease?, acceptedDigests: Set<[UInt8]> = [],
    outbox: [ServerMessage]? = nil, phaseNumber: Int = 1, answered: Set<ParticipantID> = []
  ) {
    self.id = id
    self.plan = plan
    self.server = server
    self.store = store
    self.release = release
    self.acceptedDigests = acceptedDigests
    self.outbox = outbox ?? server?.start() ?? []
    self.phaseNumber = phaseNumber
    self.answered = answered
  }

  /// Begins a round: draws its nonce and noise key, reserves its privacy in its population's
  /// budget (when given) and stores it, all in one transaction of `store`.
  ///
  /// - Parameters:
  ///   - id: the round's id, unique in the store.
  ///   - configuration: the round's configuration; its plan is validated first.
  ///   - population: the population whose ledger pays for the round, and its budget in ε (fixed
  ///     by the population's first round); `nil` charges nothing.
  ///   - identityDirectory: active mode: the participants' identity public keys.
  ///   - store: where the round lives.
  /// - Throws: ``AggregationServiceError/refused(_:)`` for a configuration whose plan fails,
  ///   ``AggregationServiceError/budgetExceeded(population:budget:spent:wouldBe:)`` when the
  ///   population's budget cannot pay for it after the rounds reserved before it (the round is
  ///   stored as refused and nothing is charged or reserved),
  ///   ``AggregationServiceError/duplicateRound(_:)`` and the store's errors.
  public static func begin(
    id: String, configuration: PrivateAggregationConfiguration,
    population: (name: String, budget: Double)? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:], store: any RoundStore
  ) async throws(AggregationServiceError) -> DurableRound {
    let plan: AggregationPlan
    var charge: RoundCharge?
    do throws(PrivateAggregationError) {
      plan = try AggregationPlan(configuration)
      if let population, let privacy = try plan.roundPrivacy(orders: RDP.defaultOrders) {
        charge = RoundCharge(
          population: population.name, budget: population.budget, privacy: privacy)
      }
    } catch {
      throw .refused(error)
    }
    let nonce = SecureBytes(randomCount: SessionID.nonceByteCount).unprotectedArray
    let noiseKey = SymmetricKey()
    let server: PrivateAggregationServer
    do throws(PrivateAggregationError) {
      server = try PrivateAggregationServer(
        plan: plan, identityDirectory: identityDirectory, nonce: nonce, noiseKey: noiseKey)
    } catch {
      throw .refused(error)
    }
    try await store.beginRound(
      RoundRecord(id: id, configuration: configuration, nonce: nonce, noiseKey: noiseKey),
      charging: charge)
    return DurableRound(id: id, plan: plan, server: server, store: store, release: nil)
  }

  /// The round `id` as its store has it: a running round's server rebuilt by replaying its log
  /// (nothing is charged again), or a finished round with its stored release.
  ///
  /// - Throws: ``AggregationServiceError/unknownRound(_:)``,
  ///   ``AggregationServiceError/roundNotRunning(id:status:)`` for a refused round,
  ///   ``AggregationServiceError/corruptStore(what:)`` when the log does not replay, and the
  ///   store's errors.
  public static func resume(
    id: String, store: any RoundStore,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:]
  ) async throws(AggregationServiceError) -> DurableRound {
    guard let stored = try await store.round(id) else { throw .unknownRound(id) }
    let plan: AggregationPlan
    do throws(PrivateAggregationError) {
      plan = try AggregationPlan(stored.record.configuration)
    } catch {
      throw .corruptStore(what: "configuration of round \(id) (\(error))")
    }
    switch stored.status {
    case .refused, .failed, .checkingIn:
      throw .roundNotRunning(id: id, status: stored.status.rawValue)
    case .finished:
      return DurableRound(id: id, plan: plan, server: nil, store: store, release: stored.release)
    case .running:
      break
    }
    var server: PrivateAggregationServer
    var digests = Set<[UInt8]>()
    var outbox: [ServerMessage]
    var phaseNumber = 1
    var answered = Set<ParticipantID>()
    do throws(PrivateAggregationError) {
      server = try PrivateAggregationServer(
        plan: plan, identityDirectory: identityDirectory, nonce: stored.record.nonce,
        noiseKey: stored.record.noiseKey)
      outbox = server.start()
      for event in stored.events {
        switch event {
        case .message(let bytes):
          let message = try PrivateAggregationError.liftingProtocolError {
            () throws(SecureAggregationError) in
            try ClientMessage(serializedBytes: bytes, configuration: plan.secureAggregation)
          }
          try server.receive(message)
          digests.insert(SHA256.hash(bytes))
          answered.insert(message.sender)
        case .advance:
          // A running round's log never holds its finishing close (that is stored with the
          // release), so every replayed close sent the next phase's messages.
          guard case .send(let messages) = try server.advance() else {
            throw .invalidInput(name: "log", expected: "no close after the last phase")
          }
          outbox = messages
          phaseNumber += 1
          answered = []
        }
      }
    } catch {
      throw .corruptStore(what: "log of round \(id) (\(error))")
    }
    return DurableRound(
      id: id, plan: plan, server: server, store: store, release: nil, acceptedDigests: digests,
      outbox: outbox, phaseNumber: phaseNumber, answered: answered)
  }

  /// Where the round is (`AggregationServer/Phase/finished` once released).
  public var phase: AggregationServer.Phase { server?.protocolServer.phase ?? .finished }

  /// The messages that open the session, one per client (empty once finished).
  public func start() -> [ServerMessage] { server?.start() ?? [] }

  /// Takes one client's reply, as wire bytes, and commits it before returning: when this
  /// returns, the message survives a crash. Bytes the server has already taken are a retry
  /// (the acknowledgement was lost, or the server restarted): they are answered
  /// ``Receipt/duplicate`` and change nothing, while other bytes from the same client for the
  /// same phase are refused.
  ///
  /// - Throws: ``AggregationServiceError/refused(_:)`` for a message the server refuses (nothing
  ///   changes), ``AggregationServiceError/roundNotRunning(id:status:)`` once finished,
  ///   ``AggregationServiceError/mustResume(id:)`` after a failed write, and the store's errors
  ///   (after which this value must be resumed).
  ///
  /// It runs on the caller's actor (`isolation`), so an actor can keep a round and drive it.
  @discardableResult
  public mutating func receive(
    _ bytes: [UInt8], isolation: isolated (any Actor)? = #isolation
  ) async throws(AggregationServiceError) -> Receipt {
    let receipt = try stage(bytes)
    let events = takeStaged()
    guard !events.isEmpty else { return receipt }
    do {
      try await store.append(events, to: id)
    } catch {
      diverged = true
      throw error
    }
    return receipt
  }

  /// Takes one client's reply into the server without writing it: the first half of
  /// ``receive(_:isolation:)``, for a caller that commits many messages in one transaction
  /// (group commit). The message is not durable, and must not be acknowledged, until the
  /// events of ``takeStaged()`` that hold it are committed, or the next
  /// ``advance(isolation:)`` (which writes what is staged with the close) returns. A retry of a
  /// staged message is ``Receipt/duplicate``, and durable no sooner than its first copy.
  ///
  /// - Parameters:
  ///   - bytes: the reply as the client sent it (what the store keeps).
  ///   - decoded: `bytes` decoded already by the caller with this round's configuration, so
  ///     that a large masked input is not decoded twice; `nil` decodes here.
  /// - Throws: as ``receive(_:isolation:)``, before anything changes.
  package mutating func stage(_ bytes: [UInt8], decoded: ClientMessage? = nil)
    throws(AggregationServiceError) -> Receipt
  {
    guard !diverged else { throw .mustResume(id: id) }
    guard server != nil else {
      throw .roundNotRunning(id: id, status: RoundStatus.finished.rawValue)
    }
    let digest = SHA256.hash(bytes)
    guard !acceptedDigests.contains(digest) else { return .duplicate }
    let message: ClientMessage
    if let decoded {
      message = decoded
    } else {
      do throws(SecureAggregationError) {
        message = try ClientMessage(serializedBytes: bytes, configuration: plan.secureAggregation)
      } catch {
        throw .refused(.secureAggregation(error))
      }
    }
    // The server is moved out while it takes the message, so its running sum is updated in
    // place (a copy left behind would make the sum copy itself on every masked input); a
    // refused message leaves it unchanged, and it goes back either way.
    guard var server = server.take() else {
      throw .roundNotRunning(id: id, status: RoundStatus.finished.rawValue)
    }
    defer { self.server = server }
    do throws(PrivateAggregationError) {
      try server.receive(message)
    } catch {
      throw .refused(error)
    }
    let sender = message.sender
    staged.append(.message(bytes))
    acceptedDigests.insert(digest)
    answered.insert(sender)
    return .accepted
  }

  /// The staged messages, in order, for the caller to append to the store in one transaction;
  /// they are no longer staged. After a failed append, call ``markDiverged()``.
  package mutating func takeStaged() -> [RoundEvent] {
    defer { staged = [] }
    return staged
  }

  /// Records that a write of this round's events failed: the value no longer matches the
  /// store, and every later call throws ``AggregationServiceError/mustResume(id:)``.
  package mutating func markDiverged() {
    diverged = true
  }

  /// Closes the phase and commits it: the next messages, or, after the last phase, the release
  /// (stored, with the close, in one transaction). Messages still staged (`stage(_:)`) are
  /// written first, in the same transaction.
  ///
  /// - Throws: ``AggregationServiceError/refused(_:)`` when the server cannot close the phase
  ///   (too few answers; nothing changes), and as ``receive(_:isolation:)``.
  public mutating func advance(
    isolation: isolated (any Actor)? = #isolation
  ) async throws(AggregationServiceError) -> RoundStep<StoredRelease> {
    guard !diverged else { throw .mustResume(id: id) }
    guard var server else { throw .roundNotRunning(id: id, status: RoundStatus.finished.rawValue) }
    let step: RoundStep<PrivateAggregationResult>
    do throws(PrivateAggregationError) {
      step = try server.advance()
    } catch {
      throw .refused(error)
    }
    self.server = server
    do {
      switch step {
      case .send(let messages):
        try await store.append(takeStaged() + [.advance], to: id)
        outbox = messages
        phaseNumber += 1
        answered = []
        return .send(messages)
      case .finished(let result):
        let release = StoredRelease(
          sum: result.release.sum, mean: result.release.mean,
          survivors: result.survivors.map(\.index))
        try await store.finish(id, appending: takeStaged() + [.advance], release: release)
        self.release = release
        self.server = nil
        outbox = []
        phaseNumber += 1
        answered = []
        return .finished(release)
      }
    } catch {
      diverged = true
      throw error
    }
  }
}
