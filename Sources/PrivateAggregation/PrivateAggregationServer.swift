public import DifferentialPrivacy
public import SecureAggregation

/// What a private aggregation releases: the decoded sum and mean, who is in it, and the privacy
/// spent.
public struct PrivateAggregationResult: Sendable {
  /// The decoded sum, mean, denominator and extra coordinates.
  public let release: SumDecoder.Release
  /// The clients whose updates are in the sum.
  public let survivors: [ParticipantID]
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
/// that would exceed the budget never starts: ``init(plan:ledger:identityDirectory:)`` throws
/// ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` instead, and a round
/// that fails later stays charged (see ``PrivacyLedger``). The ledger is a shared reference:
/// give the same one to every round's server. Every method leaves the server unchanged when it
/// throws.
public struct PrivateAggregationServer {
  /// The plan the clients follow.
  public let plan: AggregationPlan
  /// The privacy ledger this round was charged to (the one given, not a copy); `nil` when none
  /// was given.
  public let ledger: PrivacyLedger?
  /// The secure-aggregation server underneath.
  public private(set) var protocolServer: AggregationServer
  /// The server's randomness for central noise: securely seeded unless made for tests.
  private let generator: ChaChaRandomNumberGenerator

  /// A server whose nonce and noise come from the system's secure generator.
  ///
  /// - Parameters:
  ///   - plan: the round's plan.
  ///   - ledger: the privacy spent so far, with its budget; this round is charged to it now.
  ///   - identityDirectory: active mode: the participants' identity public keys.
  /// - Throws: ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` when the
  ///   round would exceed the ledger's budget, and protocol errors.
  public init(
    plan: AggregationPlan, ledger: PrivacyLedger? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:]
  ) throws(PrivateAggregationError) {
    let server: AggregationServer
    do {
      server = try AggregationServer(
        configuration: plan.secureAggregation, identityDirectory: identityDirectory)
    } catch {
      throw .secureAggregation(error)
    }
    try self.init(
      plan: plan, ledger: ledger, server: server, generator: ChaChaRandomNumberGenerator())
  }

  /// A server whose nonce and noise come from `insecureSeed` — for reproducible tests only.
  ///
  /// - Warning: Insecure: the session id and the central noise become predictable.
  public init(
    plan: AggregationPlan, ledger: PrivacyLedger? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:], insecureSeed: UInt64
  ) throws(PrivateAggregationError) {
    let root = ChaChaRandomNumberGenerator(insecureDeterministicSeed: insecureSeed)
    let server: AggregationServer
    do {
      server = try AggregationServer(
        configuration: plan.secureAggregation, identityDirectory: identityDirectory,
        insecureRandomSource: .insecureDeterministic(
          root.insecureDeterministicChild(label: "nonce")))
    } catch {
      throw .secureAggregation(error)
    }
    try self.init(
      plan: plan, ledger: ledger, server: server,
      generator: root.insecureDeterministicChild(label: "noise"))
  }

  private init(
    plan: AggregationPlan, ledger: PrivacyLedger?, server: AggregationServer,
    generator: ChaChaRandomNumberGenerator
  ) throws(PrivateAggregationError) {
    if let ledger, let privacy = try plan.roundPrivacy(orders: ledger.orders) {
      try ledger.record(privacy)
    }
    self.plan = plan
    self.ledger = ledger
    protocolServer = server
    self.generator = generator
  }

  /// The announcement that opens the session (send it to every client).
  public var announcement: SessionAnnouncement { protocolServer.announcement }

  /// Takes one client's message of the current round.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``; the server is unchanged.
  public mutating func receive(_ message: ClientMessage) throws(PrivateAggregationError) {
    do {
      try protocolServer.receive(message)
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Ends round 0: the key directory for each client.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``.
  public mutating func closeAdvertiseKeys() throws(PrivateAggregationError)
    -> [KeyDirectoryMessage]
  {
    do {
      return try protocolServer.closeAdvertiseKeys()
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Ends round 1: each client's relay of the shares addressed to it.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``.
  public mutating func closeShareKeys() throws(PrivateAggregationError) -> [ShareRelayMessage] {
    do {
      return try protocolServer.closeShareKeys()
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Ends round 2: the consistency check (active mode) or unmasking requests.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``, e.g. too few survivors.
  public mutating func closeMaskedInputCollection() throws(PrivateAggregationError)
    -> AggregationServer.SurvivorRequests
  {
    do {
      return try protocolServer.closeMaskedInputCollection()
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Ends round 3 (active mode): the unmasking requests.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``.
  public mutating func closeConsistencyCheck() throws(PrivateAggregationError)
    -> [UnmaskingRequest]
  {
    do {
      return try protocolServer.closeConsistencyCheck()
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Ends round 4: unmasks the sum, adds central noise (central DP), and decodes it.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` when the sum cannot be recovered,
  ///   and the decoder's errors.
  public mutating func finish() throws(PrivateAggregationError) -> PrivateAggregationResult {
    var copy = protocolServer
    let result: AggregationResult
    do {
      result = try copy.finish()
    } catch {
      throw .secureAggregation(error)
    }
    var random = generator
    let release = try SumDecoder(plan: plan).decode(
      result.sum, survivors: result.survivors.count, sessionID: announcement.sessionID,
      using: &random)
    protocolServer = copy
    return PrivateAggregationResult(
      release: release, survivors: result.survivors, report: plan.report,
      epsilonSpent: ledger?.epsilon, respondersWithWrongShares: result.respondersWithWrongShares)
  }

  /// Drops everything `responder` revealed in round 4, so that ``finish()`` can run on the other
  /// responses (``AggregationServer/discardUnmaskingResponse(from:)``).
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)``.
  public mutating func discardUnmaskingResponse(from responder: ParticipantID)
    throws(PrivateAggregationError)
  {
    do {
      try protocolServer.discardUnmaskingResponse(from: responder)
    } catch {
      throw .secureAggregation(error)
    }
  }
}
