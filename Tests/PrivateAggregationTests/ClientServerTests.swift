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

  /// A copy of a client made before the masked-input round cannot mask a second update once the
  /// original has: two masked inputs of one session would give the server their difference.
  @Test func aCopiedClientCannotMaskTwice() throws {
    let plan = try Self.plan()
    var server = try PrivateAggregationServer(plan: plan, insecureSeed: 2)
    var clients = try plan.secureAggregation.participantIDs.map { id in
      try PrivateAggregationClient(plan: plan, id: id, insecureSeed: UInt64(200 + id.index))
    }
    for index in clients.indices {
      try server.receive(.advertiseKeys(clients[index].advertiseKeys(for: server.announcement)))
    }
    for directory in try server.closeAdvertiseKeys() {
      let index = directory.recipient.index - 1
      try server.receive(.shareKeys(clients[index].shareKeys(for: directory)))
    }
    let relay = try #require(try server.closeShareKeys().first)
    let index = relay.recipient.index - 1
    var copy = clients[index]
    _ = try clients[index].maskedInput(
      for: relay, update: PipelineTests.gaussian(12, seed: 1, scale: 0.1))
    #expect(
      throws: PrivateAggregationError.secureAggregation(
        .unexpectedMessage(received: "share relay", expected: "the client is awaiting survivors"))
    ) {
      try copy.maskedInput(for: relay, update: PipelineTests.gaussian(12, seed: 2, scale: 0.1))
    }
  }

  /// One round: six clients, one gone before its masked input; a NaN update is refused and the
  /// client then sends a good one; the mean is the survivors' within 6 standard deviations of the
  /// noise per coordinate, and the ledger has the round.
  @Test func oneRoundMessageByMessage() throws {
    let plan = try Self.plan()
    let ledger = try PrivacyLedger(delta: 1e-5)
    var server = try PrivateAggregationServer(plan: plan, ledger: ledger, insecureSeed: 1)
    #expect(server.ledger?.roundsRecorded == 1)
    var clients = try plan.secureAggregation.participantIDs.map { id in
      try PrivateAggregationClient(plan: plan, id: id, insecureSeed: UInt64(100 + id.index))
    }
    let updates = clients.map { client in
      PipelineTests.gaussian(12, seed: UInt64(client.id.index), scale: 0.1)
    }
    for index in clients.indices {
      try server.receive(.advertiseKeys(clients[index].advertiseKeys(for: server.announcement)))
    }
    for directory in try server.closeAdvertiseKeys() {
      let index = directory.recipient.index - 1
      try server.receive(.shareKeys(clients[index].shareKeys(for: directory)))
    }
    for relay in try server.closeShareKeys() {
      let index = relay.recipient.index - 1
      if index == 5 { continue }  // client 6 drops
      if index == 0 {
        var bad = updates[0]
        bad[3] = .nan
        #expect(throws: PrivateAggregationError.nonFiniteValue(index: 3)) {
          try clients[0].maskedInput(for: relay, update: bad)
        }
      }
      try server.receive(
        .maskedInput(clients[index].maskedInput(for: relay, update: updates[index])))
    }
    guard case .unmasking(let requests) = try server.closeMaskedInputCollection() else {
      Issue.record("semi-honest mode asks for unmasking")
      return
    }
    for request in requests {
      let index = request.recipient.index - 1
      try server.receive(.unmaskingResponse(clients[index].unmaskingResponse(for: request)))
    }
    let result = try server.finish()
    #expect(result.survivors.count == 5)
    #expect(result.release.survivors == 5)
    let sigma = result.release.noiseVariance.squareRoot() / 5
    for coordinate in 0..<12 {
      let truth = (0..<5).map { updates[$0][coordinate] }.reduce(0, +) / 5
      #expect(abs(result.release.mean[coordinate] - truth) <= 6 * sigma + 1e-9)
    }
    let report = try #require(result.report)
    #expect(server.ledger === ledger)
    #expect(abs(try #require(result.epsilonSpent).epsilon - report.epsilon.epsilon) <= 1e-9)
    #expect(ledger.roundsRecorded == 1)
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
      let server = try PrivateAggregationServer(plan: plan, ledger: ledger, insecureSeed: 2)
      #expect(server.ledger === ledger)
    }
    #expect(ledger.roundsRecorded == 2)
    #expect {
      _ = try PrivateAggregationServer(plan: plan, ledger: ledger, insecureSeed: 3)
    } throws: { error in
      guard
        case .privacyBudgetExceeded(let limit, let spent, let wouldBe) =
          error as? PrivateAggregationError
      else { return false }
      return limit == budget && spent == two && wouldBe == three
    }
    #expect(ledger.roundsRecorded == 2)
  }

  /// A server finishing too early says so and keeps its state.
  @Test func finishingEarlyIsAnError() throws {
    let plan = try Self.plan()
    var server = try PrivateAggregationServer(plan: plan, insecureSeed: 4)
    #expect(throws: PrivateAggregationError.self) { try server.finish() }
    #expect(server.protocolServer.phase == .collectingKeys)
  }
}
