import DifferentialPrivacy
import Foundation
import SecureAggregation
import Testing

@testable import PrivateAggregation

/// The client and server types, driven message by message as a transport would.
@Suite struct ClientServerTests {
  static func plan(noise: Double = 1, clients: Int = 6) throws -> AggregationPlan {
    var configuration = PrivateAggregationConfiguration(
      clientCount: clients, dimension: 12, clipBound: 1, noise: .noiseMultiplier(noise))
    configuration.graph = .complete
    configuration.minimumSurvivors = 4
    return try AggregationPlan(configuration)
  }

  /// The clients of `plan`, each with its update.
  static func clients(
    plan: AggregationPlan, updates: [[Double]], seedBase: UInt64,
    identityKeys: [ParticipantID: IdentityPrivateKey] = [:]
  ) throws -> [ParticipantID: PrivateAggregationClient] {
    let directory = identityKeys.mapValues(\.publicKey)
    var clients: [ParticipantID: PrivateAggregationClient] = [:]
    for (id, update) in zip(plan.secureAggregation.participantIDs, updates) {
      clients[id] = try PrivateAggregationClient(
        plan: plan, id: id, identityKey: identityKeys[id], identityDirectory: directory,
        update: update, randomSource: .insecureDeterministic(seed: seedBase + UInt64(id.index)))
    }
    return clients
  }

  /// The one loop of a round; `skip` says which messages go undelivered (a dropout).
  static func aggregate(
    server: inout PrivateAggregationServer,
    clients: inout [ParticipantID: PrivateAggregationClient],
    skip: (ServerMessage) -> Bool = { _ in false }
  ) throws -> PrivateAggregationResult {
    var messages = server.start()
    while true {
      for message in messages where !skip(message) {
        if let reply = try clients[message.recipient]?.respond(to: message) {
          try server.receive(reply)
        }
      }
      switch try server.advance() {
      case .send(let next): messages = next
      case .finished(let result): return result
      }
    }
  }

  /// Plays the round up to (not including) the first message for which `stop` holds, and
  /// returns that phase's messages.
  static func messages(
    server: inout PrivateAggregationServer,
    clients: inout [ParticipantID: PrivateAggregationClient], until stop: (ServerMessage) -> Bool
  ) throws -> [ServerMessage] {
    var messages = server.start()
    while !messages.contains(where: stop) {
      for message in messages {
        if let reply = try clients[message.recipient]?.respond(to: message) {
          try server.receive(reply)
        }
      }
      guard case .send(let next) = try server.advance() else { return [] }
      messages = next
    }
    return messages
  }

  static func isRelay(_ message: ServerMessage) -> Bool {
    if case .shareRelay = message { return true }
    return false
  }

  /// A copy of a client made before the masked-input round cannot mask a second update once the
  /// original has: two masked inputs of one session would give the server their difference.
  @Test func aCopiedClientCannotMaskTwice() throws {
    let plan = try Self.plan()
    var server = try PrivateAggregationServer(
      plan: plan, randomSource: .insecureDeterministic(seed: 2))
    let updates = (1...6).map { PipelineTests.gaussian(12, seed: UInt64($0), scale: 0.1) }
    var clients = try Self.clients(plan: plan, updates: updates, seedBase: 200)
    let relays = try Self.messages(server: &server, clients: &clients, until: Self.isRelay)
    let relay = try #require(relays.first)
    var original = try #require(clients[relay.recipient])
    var copy = original
    copy.update = PipelineTests.gaussian(12, seed: 9, scale: 0.1)
    _ = try original.respond(to: relay)
    #expect(
      throws: PrivateAggregationError.secureAggregation(
        .unexpectedMessage(received: "share relay", expected: "the client is awaiting survivors"))
    ) {
      try copy.respond(to: relay)
    }
  }

  /// A share relay addressed to another client, or of another session, is refused before the
  /// update is encoded: the client holding a NaN update answers with the protocol's error, not
  /// the encoder's, and keeps its update.
  @Test func aMisdirectedRelayIsRefusedBeforeEncoding() throws {
    let plan = try Self.plan()
    var server = try PrivateAggregationServer(
      plan: plan, randomSource: .insecureDeterministic(seed: 5))
    var updates = (1...6).map { PipelineTests.gaussian(12, seed: UInt64($0), scale: 0.1) }
    updates[0][3] = .nan
    var clients = try Self.clients(plan: plan, updates: updates, seedBase: 500)
    let relays = try Self.messages(server: &server, clients: &clients, until: Self.isRelay)
    var first = try #require(clients[ParticipantID(1)!])
    let other = try #require(relays.first { $0.recipient != first.id })
    #expect(
      throws: PrivateAggregationError.secureAggregation(
        .wrongRecipient(expected: first.id, received: other.recipient))
    ) {
      try first.respond(to: other)
    }
    #expect(first.update?.count == 12)
    // Its own relay reaches the encoder, which refuses the NaN.
    let own = try #require(relays.first { $0.recipient == first.id })
    #expect(throws: PrivateAggregationError.nonFiniteValue(index: 3)) {
      try first.respond(to: own)
    }
  }

  /// One round: six clients, one gone before its masked input; a NaN update is refused and the
  /// client then sends a good one; the mean is the survivors' within 6 standard deviations of the
  /// noise per coordinate, and the ledger has the round.
  @Test func oneRoundMessageByMessage() throws {
    let plan = try Self.plan()
    let ledger = try PrivacyLedger(delta: 1e-5)
    var server = try PrivateAggregationServer(
      plan: plan, ledger: ledger, randomSource: .insecureDeterministic(seed: 1))
    #expect(server.ledger?.roundsRecorded == 1)
    let updates = (1...6).map { PipelineTests.gaussian(12, seed: UInt64($0), scale: 0.1) }
    var clients = try Self.clients(plan: plan, updates: updates, seedBase: 100)
    let sixth = try #require(ParticipantID(6))
    let first = try #require(ParticipantID(1))
    var bad = updates[0]
    bad[3] = .nan
    clients[first]?.update = bad
    let relays = try Self.messages(server: &server, clients: &clients, until: Self.isRelay)
    for relay in relays where relay.recipient != sixth {  // client 6 drops
      if relay.recipient == first {
        #expect(throws: PrivateAggregationError.nonFiniteValue(index: 3)) {
          try clients[first]?.respond(to: relay)
        }
        clients[first]?.update = updates[0]
      }
      if let reply = try clients[relay.recipient]?.respond(to: relay) {
        try server.receive(reply)
      }
    }
    var result: PrivateAggregationResult?
    var step = try server.advance()
    while case .send(let messages) = step {
      for message in messages {
        if let reply = try clients[message.recipient]?.respond(to: message) {
          try server.receive(reply)
        }
      }
      step = try server.advance()
    }
    if case .finished(let released) = step { result = released }
    let released = try #require(result)
    #expect(released.survivors.count == 5)
    #expect(released.release.survivors == 5)
    let sigma = released.release.noiseVariance.squareRoot() / 5
    for coordinate in 0..<12 {
      let truth = (0..<5).map { updates[$0][coordinate] }.reduce(0, +) / 5
      #expect(abs(released.release.mean[coordinate] - truth) <= 6 * sigma + 1e-9)
    }
    let report = try #require(released.report)
    #expect(server.ledger === ledger)
    #expect(abs(try #require(released.epsilonSpent).epsilon - report.epsilon.epsilon) <= 1e-9)
    #expect(ledger.roundsRecorded == 1)
  }

  /// The same loop runs an active-mode round (signed keys, the consistency check) with no
  /// code for the mode: the survivors' mean comes out and every round was completed.
  @Test func oneLoopRunsActiveMode() throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 6, dimension: 12, clipBound: 1, privacy: .none, noise: nil)
    configuration.graph = .complete
    configuration.securityMode = .active
    configuration.colludingClients = 1
    configuration.minimumSurvivors = 4
    let plan = try AggregationPlan(configuration)
    var keys: [ParticipantID: IdentityPrivateKey] = [:]
    for id in plan.secureAggregation.participantIDs {
      keys[id] = IdentityPrivateKey(
        from: .insecureDeterministic(
          ChaChaRandomNumberGenerator(insecureDeterministicSeed: UInt64(id.index))))
    }
    let updates = (1...6).map { PipelineTests.gaussian(12, seed: UInt64($0), scale: 0.1) }
    var clients = try Self.clients(
      plan: plan, updates: updates, seedBase: 300, identityKeys: keys)
    var server = try PrivateAggregationServer(
      plan: plan, identityDirectory: keys.mapValues(\.publicKey),
      randomSource: .insecureDeterministic(seed: 3))
    let result = try Self.aggregate(server: &server, clients: &clients)
    #expect(result.survivors.count == 6)
    #expect(result.completed[.consistencyCheck]?.count == 6)
    let bound = try #require(plan.quantizationErrorBound) / 6
    for coordinate in 0..<12 {
      let truth = updates.map { $0[coordinate] }.reduce(0, +) / 6
      #expect(abs(result.release.mean[coordinate] - truth) <= bound)
    }
    #expect(throws: PrivateAggregationError.self) { try server.advance() }
  }

  /// A round that would exceed the budget never starts, and the ledger is unchanged. The caller
  /// never carries the ledger forward: each server charges the one shared object.
  @Test func budgetStopsARoundBeforeItStarts() throws {
    let plan = try Self.plan(noise: 0.8)
    // A budget between the ε of two rounds and of three.
    let probe = try PrivacyLedger(delta: 1e-5)
    let round = try #require(try plan.roundPrivacy())
    try probe.record(round)
    try probe.record(round)
    let two = probe.epsilon.epsilon
    let three = try probe.epsilon(ifRecording: round).epsilon
    let budget = (two + three) / 2
    let ledger = try PrivacyLedger(delta: 1e-5, budget: budget)
    for _ in 0..<2 {
      let server = try PrivateAggregationServer(
        plan: plan, ledger: ledger, randomSource: .insecureDeterministic(seed: 2))
      #expect(server.ledger === ledger)
    }
    #expect(ledger.roundsRecorded == 2)
    #expect {
      _ = try PrivateAggregationServer(
        plan: plan, ledger: ledger, randomSource: .insecureDeterministic(seed: 3))
    } throws: { error in
      guard
        case .privacyBudgetExceeded(let limit, let spent, let wouldBe) =
          error as? PrivateAggregationError
      else { return false }
      return limit == budget && spent == two && wouldBe == three
    }
    #expect(ledger.roundsRecorded == 2)
  }

  /// A server advancing before anyone answered says so (too few clients) and keeps its state.
  @Test func advancingEarlyIsAnError() throws {
    let plan = try Self.plan()
    var server = try PrivateAggregationServer(
      plan: plan, randomSource: .insecureDeterministic(seed: 4))
    #expect(throws: PrivateAggregationError.self) { try server.advance() }
    #expect(server.protocolServer.phase == .collectingKeys)
  }
}
