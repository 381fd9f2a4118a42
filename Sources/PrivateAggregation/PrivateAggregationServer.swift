public import DifferentialPrivacy
public import SecureAggregation

/// What a private aggregation releases: the decoded sum and mean, who is in it, and the privacy
/// spent.
public struct PrivateAggregationResult: Sendable {
  /// The decoded sum, mean, denominator and extra coordinates.
  public let release: SumDecoder.Release
  /// The clients whose updates are in the sum.
  public let survivors: [ParticipantID]
  /// For each protocol round, the clients that completed it.
  public let completed: [ProtocolRound: [ParticipantID]]
  /// The unmasked sum of the encoded inputs in Z_{2^b}, before decoding (and before the
  /// server's noise in central DP): what the secure aggregation released.
  public let encodedSum: ModularVector
  /// The privacy of the plan's rounds (``AggregationPlan/report``); `nil` without privacy.
  public let report: PrivacyReport?
  /// The ε spent so far by the ledger's rounds, this one included; `nil` without a ledger.
  public let epsilonSpent: EpsilonAtOrder?
  /// The responders whose revealed shares were off their owner's polynomial and were left out
  /// (`AggregationResult.respondersWithWrongShares`).
  public let respondersWithWrongShares: [ParticipantID]
}

/// The server of one private aggregation: runs the secure aggregation, decodes the sum it
/// releases, adds the noise itself in central DP, and keeps the privacy ledger.
///
/// The round is charged to the ledger when the server is made, before it starts, so a round
/// that would exceed the budget never starts: ``init(plan:ledger:identityDirectory:randomSource:)`` throws
/// ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` instead, and a round
/// that fails later stays charged (see ``PrivacyLedger``). The ledger is a shared reference:
/// give the same one to every round's server. Every method leaves the server unchanged when it
/// throws.
///
/// A round is one loop, the same in every mode:
///
/// ```swift
/// var messages = server.start()
/// while true {
///   for message in messages {
///     // deliver `message` to client `message.recipient`; for each reply that comes back:
///     try server.receive(reply)
///   }
///   switch try server.advance() {
///   case .send(let next): messages = next
///   case .finished(let result): return result.release.mean
///   }
/// }
/// ```
public struct PrivateAggregationServer {
  /// The plan the clients follow.
  public let plan: AggregationPlan
  /// The privacy ledger this round was charged to (the one given, not a copy); `nil` when none
  /// was given.
  public let ledger: PrivacyLedger?
  /// The secure-aggregation server underneath.
  public private(set) var protocolServer: AggregationServer
  /// The server's randomness for central noise: securely seeded unless made for tests.
  private let noise: NoiseSource

  /// Where the central noise comes from.
  private enum NoiseSource {
    /// A source: the system's generator, or a deterministic one advanced by each draw.
    case source(RandomSource)
    /// A stored key: every finishing attempt draws from a fresh generator with this key, so a
    /// resumed server draws exactly the noise the stopped one would have.
    case key(SymmetricKey)
  }

  /// A server whose nonce and central noise come from `randomSource`: the system's secure
  /// generator unless a test passes ``RandomSource/insecureDeterministic(seed:)``.
  ///
  /// - Parameters:
  ///   - plan: the round's plan.
  ///   - ledger: the privacy spent so far, with its budget; this round is charged to it now.
  ///   - identityDirectory: active mode: the participants' identity public keys.
  ///   - randomSource: where the nonce (its `"nonce"` child) and the central noise (its
  ///     `"noise"` child) come from; a deterministic source makes both predictable (tests
  ///     only).
  /// - Throws: ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` when the
  ///   round would exceed the ledger's budget, and protocol errors.
  public init(
    plan: AggregationPlan, ledger: PrivacyLedger? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:],
    randomSource: RandomSource = .system
  ) throws(PrivateAggregationError) {
    try self.init(
      plan: plan, ledger: ledger, identityDirectory: identityDirectory,
      nonceSource: randomSource.child(label: "nonce"),
      noiseSource: randomSource.child(label: "noise"))
  }

  /// A server with the given randomness: `nonceSource` for the session nonce,
  /// `noiseSource` for central noise.
  package init(
    plan: AggregationPlan, ledger: PrivacyLedger?,
    identityDirectory: [ParticipantID: IdentityPublicKey], nonceSource: RandomSource,
    noiseSource: RandomSource
  ) throws(PrivateAggregationError) {
    let server = try PrivateAggregationError.liftingProtocolError {
      () throws(SecureAggregationError) in
      try AggregationServer(
        configuration: plan.secureAggregation, identityDirectory: identityDirectory,
        randomSource: nonceSource)
    }
    if let ledger, let privacy = try plan.roundPrivacy(orders: ledger.orders) {
      try ledger.record(privacy)
    }
    self.plan = plan
    self.ledger = ledger
    protocolServer = server
    noise = .source(noiseSource)
  }

  /// A server that resumes, or begins durably, the session of `nonce`, drawing its central noise
  /// from `noiseKey`: a service stores the nonce and the key when the round begins, and after a
  /// restart makes the server again from them and replays, in order, every client message it
  /// accepted and every ``advance()`` it made. The replayed server is the one that stopped, and
  /// it draws exactly the noise the stopped one would have, so a round never releases two
  /// different noisy sums.
  ///
  /// This initializer charges no ledger: charge the round once, when it begins (in the same
  /// transaction that stores the nonce and the key), with ``AggregationPlan/roundPrivacy(orders:)``.
  ///
  /// - Parameters:
  ///   - plan: the round's plan.
  ///   - identityDirectory: active mode: the participants' identity public keys.
  ///   - nonce: the session's 32-byte nonce.
  ///   - noiseKey: a 32-byte secret key made for this round (`SymmetricKey()`), kept as secret
  ///     as the server's other keys: whoever knows it knows the central noise.
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` for a nonce that is not 32 bytes
  ///   and ``PrivateAggregationError/invalidParameter(name:value:expected:)`` for a key that is
  ///   not 32 bytes.
  public init(
    plan: AggregationPlan, identityDirectory: [ParticipantID: IdentityPublicKey] = [:],
    nonce: [UInt8], noiseKey: SymmetricKey
  ) throws(PrivateAggregationError) {
    guard noiseKey.byteCount == 32 else {
      throw .invalidParameter(
        name: "noiseKey", value: "\(noiseKey.byteCount) bytes", expected: "32 bytes")
    }
    protocolServer = try PrivateAggregationError.liftingProtocolError {
      () throws(SecureAggregationError) in
      try AggregationServer(
        configuration: plan.secureAggregation, identityDirectory: identityDirectory, nonce: nonce)
    }
    self.plan = plan
    ledger = nil
    noise = .key(noiseKey)
  }

  /// The session id (every message of the round carries it).
  public var sessionID: SessionID { protocolServer.sessionID }

  /// The messages that open the session: an announcement for every client.
  public func start() -> [ServerMessage] { protocolServer.start() }

  /// Takes one client's reply to the current phase's message.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``; the server is unchanged and
  ///   the sender counts as not having answered.
  public mutating func receive(_ message: ClientMessage) throws(PrivateAggregationError) {
    try PrivateAggregationError.liftingProtocolError { () throws(SecureAggregationError) in
      try protocolServer.receive(message)
    }
  }

  /// Closes the current phase and returns the next messages, whatever the security mode; after
  /// the unmasking phase, unmasks the sum, adds the central noise (central DP), decodes it and
  /// returns the result.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` (too few clients answered, or
  ///   the sum cannot be recovered) and the decoder's errors. The server is unchanged when it
  ///   throws: wait for more replies and advance again, or
  ///   ``discardUnmaskingResponse(from:)`` and advance again, or give up.
  public mutating func advance() throws(PrivateAggregationError)
    -> RoundStep<PrivateAggregationResult>
  {
    var copy = protocolServer
    let step = try PrivateAggregationError.liftingProtocolError {
      () throws(SecureAggregationError) in
      try copy.advance()
    }
    switch step {
    case .send(let messages):
      protocolServer = copy
      return .send(messages)
    case .finished(let result):
      var random: ChaChaRandomNumberGenerator
      switch noise {
      case .source(let source): random = source.drawingGenerator()
      case .key(let key):
        // The key's length was checked when the server was made.
        guard let fresh = try? ChaChaRandomNumberGenerator(key: key) else {
          throw .invalidParameter(
            name: "noiseKey", value: "\(key.byteCount) bytes", expected: "32 bytes")
        }
        random = fresh
      }
      let release = try SumDecoder(plan: plan).decode(
        result.sum, survivors: result.survivors.count, sessionID: sessionID, using: &random)
      protocolServer = copy
      return .finished(
        PrivateAggregationResult(
          release: release, survivors: result.survivors, completed: result.completed,
          encodedSum: result.sum, report: plan.report, epsilonSpent: ledger?.epsilon,
          respondersWithWrongShares: result.respondersWithWrongShares))
    }
  }

  /// Drops everything `responder` revealed in the unmasking phase, so that ``advance()`` can
  /// finish on the other responses (``AggregationServer/discardUnmaskingResponse(from:)``).
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``.
  public mutating func discardUnmaskingResponse(from responder: ParticipantID)
    throws(PrivateAggregationError)
  {
    try PrivateAggregationError.liftingProtocolError { () throws(SecureAggregationError) in
      try protocolServer.discardUnmaskingResponse(from: responder)
    }
  }
}

extension PrivateAggregationServer: DrivableServer {}
