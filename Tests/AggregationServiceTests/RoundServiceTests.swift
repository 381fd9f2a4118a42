import Foundation
import GRPCCore
import GRPCInProcessTransport
import PrivateAggregation
import SecureAggregation
import Testing

@testable import AggregationService

/// The gRPC service end to end: the generated service over the in-process transport, real
/// clients, a real SQLite store.
@Suite struct RoundServiceTests {
  typealias Support = ServiceTestSupport

  /// Eight clients contribute through `AggregationServiceClient`: the round starts when the
  /// cohort is full, closes each phase as soon as everyone answered, and releases the exact
  /// sum of the eight updates.
  @Test func aFullRoundGivesTheExactSum() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let configuration = Support.configuration()
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "full", configuration: configuration, phaseDeadline: .seconds(20))
      #expect(credentials.map(\.participant) == Array(1...8))
      #expect(Set(credentials.map(\.token)).count == 8)
      let client = AggregationServiceClient(wrapping: grpc)
      let outcomes = try await withThrowingTaskGroup(
        of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
      ) { group in
        for credential in credentials {
          group.addTask {
            try await client.contribute(
              update: Support.update(credential.participant), to: credential,
              expecting: configuration)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(outcomes == Array(repeating: .finished(answeredPhases: 4), count: 8))
      #expect(await operatorClient.isHealthy())
      let report = try await operatorClient.report(of: "full", wait: .seconds(5))
      #expect(report.status == .finished)
      try Support.expectExactSum(report.release, survivors: Array(1...8))
    }
    // Only hashes of the credentials are stored.
    let stored = try #require(try await store.credentialHash(roundID: "full", participant: 1))
    #expect(stored.count == 32)
    await store.close()
  }

  /// Calls without the right credential are refused as unauthenticated: a client token with
  /// one character changed, a token of another round, no token, and the operator's calls
  /// without the operator token. (Mutation: skipping the hash comparison in
  /// `ServiceHandler.authenticateClient` or `authenticateOperator` fails this test.)
  @Test func aWrongCredentialIsUnauthenticated() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let first = try await operatorClient.createRound(
        id: "a", configuration: Support.configuration())
      let second = try await operatorClient.createRound(
        id: "b", configuration: Support.configuration())
      let token = try #require(first.first?.token)
      let flipped = String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")
      #expect(
        await Support.fails(with: .unauthenticated) {
          _ = try await Support.checkIn(grpc, round: "a", token: flipped)
        })
      let otherRound = try #require(second.first?.token)
      #expect(
        await Support.fails(with: .unauthenticated) {
          _ = try await Support.checkIn(grpc, round: "a", token: otherRound)
        })
      #expect(
        await Support.fails(with: .unauthenticated) {
          _ = try await Support.submit(grpc, round: "a", token: flipped, bytes: [1, 2, 3])
        })
      #expect(
        await Support.fails(with: .unauthenticated) {
          var request = PrivateAggregation_Service_V1_CheckInRequest()
          request.roundID = "a"
          _ = try await Support.API(wrapping: grpc).checkIn(request)
        })
      // The operator's calls, with a client's token or a wrong operator token.
      let impostor = OperatorClient(wrapping: grpc, operatorToken: token)
      await #expect(throws: AggregationServiceError.self) {
        _ = try await impostor.createRound(id: "c", configuration: Support.configuration())
      }
      do throws(AggregationServiceError) {
        _ = try await OperatorClient(wrapping: grpc, operatorToken: "operator-token-for-test")
          .report(of: "a")
        Issue.record("a wrong operator token read a round")
      } catch .service(let code, let message) {
        #expect(code == "\(RPCError.Code.unauthenticated)")
        #expect(!message.contains("operator-token"))
      } catch {
        Issue.record("unexpected \(error)")
      }
      // Through the public client: the same refusal, and the token is in no message. (A
      // client let in would wait for the round forever: it is stopped after 5 s.)
      let client = AggregationServiceClient(wrapping: grpc)
      let attempt = Task {
        try await client.contribute(
          update: Support.update(1),
          to: RoundCredential(roundID: "a", participant: 1, token: flipped))
      }
      let watchdog = Task {
        try await Task.sleep(for: .seconds(5))
        attempt.cancel()
      }
      do {
        _ = try await attempt.value
        Issue.record("a wrong token contributed")
      } catch AggregationServiceError.service(let code, let message) {
        #expect(code == "\(RPCError.Code.unauthenticated)")
        #expect(!message.contains(flipped))
      } catch {
        Issue.record("a wrong token was let in: \(error)")
      }
      watchdog.cancel()
      // The right token still works.
      let answer = try await Support.checkIn(grpc, round: "a", token: token)
      #expect(answer.participant == 1)
    }
    await store.close()
  }

  /// A client that submits a message whose sender is another client is refused as
  /// `permissionDenied`, and the message is not taken: the real sender can still send it;
  /// a retry is a duplicate, other keys for the same phase `alreadyExists`, an oversized
  /// message `resourceExhausted` and garbage `invalidArgument`.
  /// (Mutation: removing the sender check in `RoundActor.submit` fails this test.)
  @Test func aMessageUnderAnotherClientsIDIsRefused() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "r", configuration: Support.configuration())
      for credential in credentials {
        _ = try await Support.checkIn(grpc, round: "r", token: credential.token)
      }
      let one = credentials[0]
      let two = credentials[1]
      let announcement = try Support.serverMessage(
        try await Support.next(grpc, round: "r", token: one.token, answered: 0))
      let plan = try AggregationPlan(Support.configuration())
      var client = try PrivateAggregationClient(
        plan: plan, id: try #require(ParticipantID(1)), update: Support.update(1))
      let bytes = try client.respond(to: announcement).serializedBytes()
      #expect(
        await Support.fails(with: .permissionDenied) {
          _ = try await Support.submit(grpc, round: "r", token: two.token, bytes: bytes)
        })
      let accepted = try await Support.submit(grpc, round: "r", token: one.token, bytes: bytes)
      #expect(!accepted.duplicate)
      let again = try await Support.submit(grpc, round: "r", token: one.token, bytes: bytes)
      #expect(again.duplicate)
      // Other keys from client 1 for the same phase (equivocation) are refused.
      var twin = try PrivateAggregationClient(
        plan: plan, id: try #require(ParticipantID(1)), update: Support.update(1))
      let other = try twin.respond(to: announcement).serializedBytes()
      #expect(
        await Support.fails(with: .alreadyExists) {
          _ = try await Support.submit(grpc, round: "r", token: one.token, bytes: other)
        })
      // A message longer than the round's largest is refused before it is decoded.
      let limit = WireFormat.maximumMessageByteCount(for: plan.secureAggregation)
      #expect(
        await Support.fails(with: .resourceExhausted) {
          _ = try await Support.submit(
            grpc, round: "r", token: two.token,
            bytes: [UInt8](repeating: 0x0a, count: limit + 1))
        })
      // Garbage is an invalid argument, and a far-ahead phase count only waits.
      #expect(
        await Support.fails(with: .invalidArgument) {
          _ = try await Support.submit(grpc, round: "r", token: two.token, bytes: [0xff, 0x01])
        })
      var ahead = PrivateAggregation_Service_V1_NextRequest()
      ahead.roundID = "r"
      ahead.answeredPhases = .max
      let waiting = try await Support.API(wrapping: grpc).next(
        ahead, metadata: Support.metadata(two.token))
      #expect(waiting.outcome == .pending(true))
    }
    await store.close()
  }

  /// Client 8 answers the first two phases and then goes silent: the masked-input phase closes
  /// at its deadline without it, the protocol recovers its masks, and the round releases the
  /// exact sum of clients 1…7; client 8 is then told it was dropped.
  @Test func aSilentClientIsDroppedAtThePhaseDeadline() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    try await Support.withInProcessService(store: store, clock: clock) { grpc in
      let (report, silent) = try await Support.runRoundWithSilentClient(
        grpc, clock: clock, round: "drop", silentAfter: 2)
      try Support.expectExactSum(report.release, survivors: Array(1...7))
      let late = try await Support.next(grpc, round: "drop", token: silent, answered: 2)
      #expect(late.outcome == .dropped(true))
    }
    await store.close()
  }

  /// Client 8 goes silent after answering `answered` phases (0: it never advertises its keys;
  /// 3: it sent its masked input and does not help unmask): the open phase closes at its
  /// deadline without it and the round releases the exact sum of the clients whose masked
  /// inputs arrived — 1…7, or 1…8 when client 8 went silent only in the unmasking phase.
  @Test(arguments: 0...3)
  func aClientSilentFromAnyPhaseIsDropped(answered silentAfter: Int) async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    try await Support.withInProcessService(store: store, clock: clock) { grpc in
      let (report, _) = try await Support.runRoundWithSilentClient(
        grpc, clock: clock, round: "silent-\(silentAfter)", silentAfter: silentAfter)
      try Support.expectExactSum(
        report.release, survivors: silentAfter == 3 ? Array(1...8) : Array(1...7))
    }
    await store.close()
  }

  /// A round whose check-in deadline passes with fewer clients than the protocol's minimum
  /// (3 of 8, minimum 5) fails without starting; its clients are told it ended.
  @Test func tooFewCheckInsFailTheRound() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    try await Support.withInProcessService(store: store, clock: clock) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "few", configuration: Support.configuration(), checkInDeadline: .seconds(2))
      for credential in credentials.prefix(3) {
        let answer = try await Support.checkIn(grpc, round: "few", token: credential.token)
        #expect(answer.status == .checkingIn)
      }
      clock.advance(by: .seconds(3))
      let client = AggregationServiceClient(wrapping: grpc)
      let outcomes = try await withThrowingTaskGroup(
        of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
      ) { group in
        for credential in credentials.prefix(3) {
          group.addTask {
            try await client.contribute(
              update: Support.update(credential.participant), to: credential)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(outcomes == Array(repeating: .ended(.failed, answeredPhases: 0), count: 3))
      let report = try await operatorClient.report(of: "few")
      #expect(report.status == .failed)
      #expect(report.checkedIn == 3)
      #expect(report.failure.contains("3 of 8"))
      #expect(report.release == nil)
    }
    #expect(try await store.round("few") == nil)  // never begun: nothing charged or stored
    await store.close()
  }

  /// A population with budget ε = 1.2 pays for one round of ε = 1: the first round finishes,
  /// and the second, created after the service was rebuilt on the reopened store, is refused
  /// when its cohort is full; its clients are told so and the ledger holds one round.
  @Test func theBudgetRefusesTheSecondRoundAcrossARestart() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    var configuration = Support.configuration()
    configuration.privacy = .central
    configuration.noise = .targetEpsilon(1)
    let central = configuration
    for (round, expected) in [
      (
        "first",
        AggregationServiceClient<InProcessTransport.Client>.Outcome.finished(
          answeredPhases: 4)
      ),
      ("second", .ended(.refused, answeredPhases: 0)),
    ] {
      let store = try await SQLiteRoundStore.open(path: path)
      try await Support.withInProcessService(store: store) { grpc in
        let operatorClient = OperatorClient(
          wrapping: grpc, operatorToken: Support.operatorToken)
        let credentials = try await operatorClient.createRound(
          id: round, configuration: central, population: ("P", 1.2))
        let client = AggregationServiceClient(wrapping: grpc)
        let outcomes = try await withThrowingTaskGroup(
          of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
        ) { group in
          for credential in credentials {
            group.addTask {
              try await client.contribute(
                update: Support.update(credential.participant), to: credential)
            }
          }
          return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: expected, count: 8), "round \(round)")
        let report = try await operatorClient.report(of: round)
        if round == "second" {
          #expect(report.status == .refused)
          #expect(report.failure.contains("budget"))
        } else {
          #expect(report.status == .finished)
        }
        // The report carries the population's total: one round of ε ≈ 1, refused or not.
        let spent = try #require(try await store.ledger(of: "P")).epsilon.epsilon
        #expect(report.populationEpsilon == spent)
        #expect(spent > 0.9 && spent <= 1.2)
      }
      #expect(try await store.ledger(of: "P")?.roundsRecorded == 1)
      await store.close()
    }
  }

  /// Cancelling a contribution stops it promptly with `cancelled`, while the round waits for
  /// check-ins.
  @Test func aContributionStopsWhenCancelled() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "cancel", configuration: Support.configuration())
      let client = AggregationServiceClient(wrapping: grpc)
      let credential = credentials[0]
      let task = Task { () throws(AggregationServiceError) in
        try await client.contribute(update: Support.update(1), to: credential)
      }
      // Checked in, then long-polling.
      var waited = 0
      while try await operatorClient.report(of: "cancel").checkedIn == 0 {
        waited += 1
        try #require(waited < 1000, "the client never checked in")
        try await Task.sleep(for: .milliseconds(10))
      }
      let clock = ContinuousClock()
      let start = clock.now
      task.cancel()
      await #expect(throws: AggregationServiceError.cancelled) { try await task.value }
      #expect(clock.now - start < .seconds(1))
    }
    await store.close()
  }

  /// Six of eight clients check in; at the check-in deadline the round starts with them (the
  /// protocol's minimum is five), the first phase closes as soon as the six answered, and the
  /// release is the exact sum of the six.
  @Test func theCheckInDeadlineStartsAPartialCohort() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    try await Support.withInProcessService(store: store, clock: clock) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "six", configuration: Support.configuration(), checkInDeadline: .seconds(10))
      let client = AggregationServiceClient(wrapping: grpc)
      async let outcomes = withThrowingTaskGroup(
        of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
      ) { group in
        for credential in credentials.prefix(6) {
          group.addTask {
            try await client.contribute(
              update: Support.update(credential.participant), to: credential)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      var waited = 0
      while try await operatorClient.report(of: "six").checkedIn < 6 {
        waited += 1
        try #require(waited < 1000, "the six never checked in")
        try await Task.sleep(for: .milliseconds(10))
      }
      #expect(try await operatorClient.report(of: "six").status == .checkingIn)
      clock.advance(by: .seconds(11))
      #expect(try await outcomes == Array(repeating: .finished(answeredPhases: 4), count: 6))
      let report = try await operatorClient.report(of: "six", wait: .seconds(5))
      #expect(report.status == .finished)
      try Support.expectExactSum(report.release, survivors: Array(1...6))
    }
    await store.close()
  }

  /// All eight check in but only four answer the first phase: at its deadline the protocol
  /// cannot go on (its minimum is five), so the round fails, says why, and every client is
  /// told it ended.
  @Test func aPhaseWithTooFewAnswersFailsTheRound() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    try await Support.withInProcessService(store: store, clock: clock) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "thin", configuration: Support.configuration(), phaseDeadline: .seconds(5))
      for credential in credentials {
        _ = try await Support.checkIn(grpc, round: "thin", token: credential.token)
      }
      let plan = try AggregationPlan(Support.configuration())
      for credential in credentials.prefix(4) {
        let message = try Support.serverMessage(
          try await Support.next(grpc, round: "thin", token: credential.token, answered: 0))
        var client = try PrivateAggregationClient(
          plan: plan, id: try #require(ParticipantID(credential.participant)),
          update: Support.update(credential.participant))
        _ = try await Support.submit(
          grpc, round: "thin", token: credential.token,
          bytes: try client.respond(to: message).serializedBytes())
      }
      #expect(try await operatorClient.report(of: "thin").answered == 4)
      clock.advance(by: .seconds(6))
      let report = try await operatorClient.report(of: "thin", wait: .seconds(5))
      #expect(report.status == .failed)
      #expect(report.failure.contains("phase 1"))
      for credential in [credentials[0], credentials[7]] {
        let next = try await Support.next(
          grpc, round: "thin", token: credential.token, answered: 1)
        #expect(next.outcome == .ended(.failed))
      }
    }
    #expect(try await store.round("thin")?.status == .failed)
    await store.close()
  }
}
