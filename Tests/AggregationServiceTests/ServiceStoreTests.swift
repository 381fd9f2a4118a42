import AggregationCrypto
import Foundation
import GRPCCore
import PrivateAggregation
import SecureAggregation
import Testing

@testable import AggregationService

/// What the service keeps in the store beside the rounds' logs, and its credentials. The store
/// tests run against SQLite, and against PostgreSQL when `PRIVATE_AGGREGATION_TEST_POSTGRES` is
/// set.
@Suite struct ServiceStoreTests {
  typealias Support = ServiceTestSupport

  static func record(_ id: String) -> ServiceRoundRecord {
    ServiceRoundRecord(
      id: id, configuration: Support.configuration(), population: "P", budget: 2,
      createdMilliseconds: 1_000, checkInDeadlineMilliseconds: 61_000, phaseMilliseconds: 30_000)
  }

  /// A created round, its credentials' hashes and check-ins survive reopening; an id is taken
  /// once; a check-in is counted once however often it is sent.
  @Test(arguments: TestStoreKind.available)
  func createdRoundsAndCheckInsSurviveReopening(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      var store = try await location.open()
      let hash = Credentials.hash("1.secret")
      try await store.createRound(Self.record("r"), credentialHashes: [1: hash])
      await #expect(throws: AggregationServiceError.duplicateRound("r")) {
        try await store.createRound(Self.record("r"), credentialHashes: [:])
      }
      #expect(try await store.checkIn(roundID: "r", participant: 1, atMilliseconds: 2_000) == [1])
      #expect(try await store.checkIn(roundID: "r", participant: 1, atMilliseconds: 3_000) == [1])
      #expect(
        try await store.checkIn(roundID: "r", participant: 3, atMilliseconds: 3_000) == [1, 3])
      await #expect(throws: AggregationServiceError.unknownRound("nope")) {
        _ = try await store.checkIn(roundID: "nope", participant: 1, atMilliseconds: 0)
      }
      await store.close()
      store = try await location.open()
      let state = try #require(try await store.serviceRound("r"))
      #expect(state.record == Self.record("r"))
      #expect(state.checkedIn == [1, 3])
      #expect(state.status == .checkingIn)
      #expect(try await store.credentialHash(roundID: "r", participant: 1) == hash)
      #expect(try await store.credentialHash(roundID: "r", participant: 2) == nil)
      #expect(try await store.serviceRounds(population: "P").map(\.record.id) == ["r"])
      #expect(try await store.serviceRounds(population: "Q").isEmpty)
      await store.close()
    }
  }

  /// An active round's identity directory comes back from the store exactly, also after
  /// reopening, and a round without one reads back with none.
  @Test(arguments: TestStoreKind.available)
  func identityDirectoriesSurviveReopening(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      var store = try await location.open()
      var configuration = Support.configuration()
      configuration.securityMode = .active
      let source = RandomSource.insecureDeterministic(seed: 7)
      var directory: [ParticipantID: IdentityPublicKey] = [:]
      for participant in 1...8 {
        let id = try #require(ParticipantID(participant))
        directory[id] = IdentityPrivateKey(from: source.child(label: "\(participant)")).publicKey
      }
      let record = ServiceRoundRecord(
        id: "active", configuration: configuration, population: nil, budget: 0,
        createdMilliseconds: 1_000, checkInDeadlineMilliseconds: 61_000,
        phaseMilliseconds: 30_000, identityDirectory: directory)
      try await store.createRound(record, credentialHashes: [:])
      try await store.createRound(Self.record("plain"), credentialHashes: [:])
      await store.close()
      store = try await location.open()
      #expect(try await store.serviceRound("active")?.record == record)
      #expect(try await store.serviceRound("active")?.record.identityDirectory.count == 8)
      #expect(try await store.serviceRound("plain")?.record.identityDirectory.isEmpty == true)
      await store.close()
    }
  }

  /// Failing a running round stops it for good: its status is failed, its log and noise key
  /// are erased, and it cannot be resumed. It released nothing, so nothing is charged, and its
  /// reservation ends: a budget of ε = 1.2 that refused a second round of ε = 1 while it ran
  /// admits one once it failed.
  @Test(arguments: TestStoreKind.available)
  func aFailedRoundIsErasedAndNotCharged(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      let store = try await location.open()
      var configuration = Support.configuration()
      configuration.privacy = .central
      configuration.noise = .targetEpsilon(1)
      let record = ServiceRoundRecord(
        id: "f", configuration: configuration, population: "P", budget: 1.2,
        createdMilliseconds: 0, checkInDeadlineMilliseconds: 0, phaseMilliseconds: 1)
      try await store.createRound(record, credentialHashes: [:])
      var round = try await DurableRound.begin(
        id: "f", configuration: configuration, population: ("P", 1.2), store: store)
      await #expect {
        _ = try await DurableRound.begin(
          id: "g", configuration: configuration, population: ("P", 1.2), store: store)
      } throws: { error in
        guard case .budgetExceeded(_, _, let spent, _) = error as? AggregationServiceError
        else { return false }
        return spent > 0.5  // f's reservation, though the ledger was charged nothing
      }
      let plan = round.plan
      var client = try PrivateAggregationClient(
        plan: plan, id: try #require(round.outbox.first?.recipient), update: Support.update(1))
      try await round.receive(
        try client.respond(to: try #require(round.outbox.first)).serializedBytes())
      #expect(try await store.round("f")?.events.count == 1)
      try await store.failRound("f", reason: "too few answers")
      let stored = try #require(try await store.round("f"))
      #expect(stored.status == .failed)
      #expect(stored.events.isEmpty)
      #expect(stored.record.noiseKey.withUnsafeBytes { $0.isEmpty })
      let state = try #require(try await store.serviceRound("f"))
      #expect(state.status == .failed)
      #expect(state.failure == "too few answers")
      await #expect(throws: AggregationServiceError.roundNotRunning(id: "f", status: "failed")) {
        _ = try await DurableRound.resume(id: "f", store: store)
      }
      let ledger = try #require(try await store.ledger(of: "P"))
      #expect(ledger.roundsRecorded == 0)
      #expect(ledger.epsilon.epsilon == 0)
      _ = try await DurableRound.begin(
        id: "h", configuration: configuration, population: ("P", 1.2), store: store)
      #expect(try await store.round("h")?.status == .running)
      await store.close()
    }
  }

  /// Client tokens: the participant in front is read only from well-formed tokens, and a
  /// bearer token only from exactly one `authorization: Bearer …` value.
  @Test func credentialsParseOnlyWellFormedTokens() {
    let (token, hash) = Credentials.makeToken(participant: 7)
    #expect(Credentials.participant(in: token) == 7)
    #expect(Credentials.matches(token, hash: hash))
    #expect(!Credentials.matches(token + "0", hash: hash))
    #expect(token.utf8.count == 2 + 64)
    for hostile in [
      "", ".", "7", ".abc", "0.abc", "65536.abc", "+7.abc", "-7.abc", "007777.abc", "٧.abc",
      "7 .abc", String(repeating: "9", count: 40) + ".abc",
    ] {
      #expect(Credentials.participant(in: hostile) == nil, "\(hostile)")
    }
    #expect(Credentials.bearerToken(in: ["authorization": "Bearer abc"]) == "abc")
    #expect(Credentials.bearerToken(in: ["authorization": "Basic abc"]) == nil)
    #expect(Credentials.bearerToken(in: ["authorization": "Bearer "]) == nil)
    #expect(Credentials.bearerToken(in: [:]) == nil)
    var twice = Metadata()
    twice.addString("Bearer abc", forKey: "authorization")
    twice.addString("Bearer def", forKey: "authorization")
    #expect(Credentials.bearerToken(in: twice) == nil)
    var long = Metadata()
    long.addString("Bearer " + String(repeating: "a", count: 2000), forKey: "authorization")
    #expect(Credentials.bearerToken(in: long) == nil)
  }
}
