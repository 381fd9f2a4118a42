import AggregationService
import Foundation
import PrivateAggregation
import Testing

/// Rounds that survive their process: the store is closed and opened again (as after
/// `kill -9`) at every phase and in the middle of one, and the round finishes exactly. Each test
/// runs against SQLite, and against PostgreSQL when `PRIVATE_AGGREGATION_TEST_POSTGRES` is set.
@Suite struct DurableRoundTests {
  static func configuration(privacy: PrivacyMode, epsilon: Double = 2)
    -> PrivateAggregationConfiguration
  {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 8, dimension: 16, clipBound: 1, privacy: privacy,
      noise: privacy == .none ? nil : .targetEpsilon(epsilon))
    configuration.graph = .complete
    configuration.bits = 24
    configuration.minimumSurvivors = 5
    configuration.colludingClients = 1
    return configuration
  }

  static func update(_ id: ParticipantID) -> [Double] {
    (0..<16).map { Double((id.index * 5 + $0 * 3) % 11) / 60 }
  }

  /// Runs round `id` to its end, reopening the store — a new process — after the messages
  /// counted in `crashAfter` (a running count of accepted messages and advances).
  static func run(
    id: String, configuration: PrivateAggregationConfiguration, in location: TestStore,
    population: (name: String, budget: Double)? = nil, crashAfter crashes: Set<Int>
  ) async throws -> StoredRelease {
    var store = try await location.open()
    var round = try await DurableRound.begin(
      id: id, configuration: configuration, population: population, store: store)
    var clients: [ParticipantID: PrivateAggregationClient] = [:]
    for participant in round.plan.secureAggregation.participantIDs {
      clients[participant] = try PrivateAggregationClient(
        plan: round.plan, id: participant, update: Self.update(participant))
    }
    var count = 0
    func crashIfDue() async throws {
      count += 1
      guard crashes.contains(count) else { return }
      await store.close()
      store = try await location.open()
      round = try await DurableRound.resume(id: id, store: store)
    }
    var messages = round.start()
    while true {
      for message in messages {
        // Client 8 vanishes before its masked input.
        if case .shareRelay = message, message.recipient.index == 8 { continue }
        guard let reply = try clients[message.recipient]?.respond(to: message) else { continue }
        try await round.receive(reply.serializedBytes())
        try await crashIfDue()
      }
      let step = try await round.advance()
      if case .finished(let release) = step {
        await store.close()
        return release
      }
      try await crashIfDue()
      guard case .send(let next) = step else { continue }
      messages = next
    }
  }

  /// Without noise the release is the survivors' exact mean (up to the plan's rounding bound),
  /// however often the process died: after every phase, and in the middle of each.
  @Test(arguments: TestStoreKind.available)
  func aRoundFinishesExactlyWhateverKillsIt(kind: TestStoreKind) async throws {
    let configuration = Self.configuration(privacy: .none)
    let plan = try AggregationPlan(configuration)
    let survivors = plan.secureAggregation.participantIDs.filter { $0.index != 8 }
    let truth = (0..<16).map { coordinate in
      survivors.map { Self.update($0)[coordinate] }.reduce(0, +)
    }
    let bound = try #require(plan.quantizationErrorBound)
    // 8 + 8 + 7 + 7 messages and 4 advances: crash at every one of them, one run each, and all
    // at once.
    let total = 8 + 8 + 7 + 7 + 3
    var schedules = (1...total).map { Set([$0]) }
    schedules.append(Set(1...total))
    for crashes in schedules {
      let release = try await TestStore.with(kind) { location in
        try await Self.run(
          id: "round", configuration: configuration, in: location, crashAfter: crashes)
      }
      #expect(release.survivors == survivors.map(\.index), "crashes \(crashes.sorted())")
      for (released, exact) in zip(release.sum, truth) {
        #expect(abs(released - exact) <= bound, "crashes \(crashes.sorted())")
      }
    }
  }

  /// A refused message changes nothing: client 1's second, different key advertisement
  /// (equivocation) and bytes that do not decode are refused, and the round then takes every
  /// other reply and releases the exact sum of all eight. (Mutation: not putting the server
  /// back after a refusal leaves the round without one and fails this test.)
  @Test(arguments: TestStoreKind.available)
  func aRefusedMessageLeavesTheRoundAsItWas(kind: TestStoreKind) async throws {
    let configuration = Self.configuration(privacy: .none)
    let release = try await TestStore.with(kind) { location in
      let store = try await location.open()
      var round = try await DurableRound.begin(
        id: "refusals", configuration: configuration, store: store)
      var clients: [ParticipantID: PrivateAggregationClient] = [:]
      for participant in round.plan.secureAggregation.participantIDs {
        clients[participant] = try PrivateAggregationClient(
          plan: round.plan, id: participant, update: Self.update(participant))
      }
      var messages = round.start()
      var refusalsSent = false
      while true {
        for message in messages {
          guard let reply = try clients[message.recipient]?.respond(to: message) else { continue }
          try await round.receive(reply.serializedBytes())
          guard !refusalsSent else { continue }
          refusalsSent = true
          // Another client 1 with other keys: the same sender, other bytes, same phase.
          var twin = try PrivateAggregationClient(
            plan: round.plan, id: message.recipient, update: Self.update(message.recipient))
          let equivocation = try twin.respond(to: message).serializedBytes()
          await #expect(throws: AggregationServiceError.self) {
            try await round.receive(equivocation)
          }
          await #expect(throws: AggregationServiceError.self) {
            try await round.receive([0xff, 0x00, 0x13])
          }
        }
        let step = try await round.advance()
        if case .finished(let release) = step {
          await store.close()
          return release
        }
        guard case .send(let next) = step else { continue }
        messages = next
      }
    }
    let plan = try AggregationPlan(configuration)
    let everyone = plan.secureAggregation.participantIDs
    #expect(release.survivors == everyone.map(\.index))
    let bound = try #require(plan.quantizationErrorBound)
    let truth = (0..<16).map { coordinate in
      everyone.map { Self.update($0)[coordinate] }.reduce(0, +)
    }
    for (released, exact) in zip(release.sum, truth) {
      #expect(abs(released - exact) <= bound)
    }
  }

  /// With central noise, a round resumed after every message releases one noised sum; reading
  /// the round again returns that stored release, never a new draw.
  @Test(arguments: TestStoreKind.available)
  func aFinishedRoundKeepsItsOneRelease(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      let configuration = Self.configuration(privacy: .central)
      let release = try await Self.run(
        id: "noised", configuration: configuration, in: location, crashAfter: Set(1...33))
      #expect(release.survivors.count == 7)
      let store = try await location.open()
      let again = try await DurableRound.resume(id: "noised", store: store)
      #expect(again.release == release)
      #expect(again.phase == .finished)
      let stored = try #require(try await store.round("noised"))
      #expect(stored.status == .finished)
      #expect(stored.events.isEmpty)  // the masked inputs are gone once the release is stored
      await store.close()
    }
  }

  /// A population's budget pays for one round of ε = 1 out of 1.2, not two. The first round
  /// reserves its privacy when it begins, and the ledger is charged only by its release: while
  /// it runs the ledger holds nothing, yet the second round is refused before it starts (the
  /// reservation counts), also after the store is reopened; once the first releases, the
  /// ledger holds exactly that round, at the ε the configuration targets, and a third is
  /// refused too. Nothing is charged for a refused round.
  @Test(arguments: TestStoreKind.available)
  func theBudgetRefusesARoundBeforeItStarts(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      let configuration = Self.configuration(privacy: .central, epsilon: 1)
      var store = try await location.open()
      _ = try await DurableRound.begin(
        id: "first", configuration: configuration, population: ("P", 1.2), store: store)
      #expect(try await store.ledger(of: "P")?.roundsRecorded == 0)
      await store.close()
      store = try await location.open()
      func isRefusal(_ error: any Error) -> Bool {
        guard
          case .budgetExceeded(let population, let budget, let spent, let wouldBe) =
            error as? AggregationServiceError
        else { return false }
        // `spent` counts the first round's ε (1, as configured), reserved or charged.
        return population == "P" && budget == 1.2 && spent > 0.9 && spent <= 1 + 1e-9
          && wouldBe > 1.2
      }
      await #expect {
        _ = try await DurableRound.begin(
          id: "second", configuration: configuration, population: ("P", 1.2), store: store)
      } throws: { isRefusal($0) }
      #expect(try await store.ledger(of: "P")?.roundsRecorded == 0)
      #expect(try await store.round("second")?.status == .refused)
      await store.close()
      // The first round runs to its release in its own store (a resumed process), which charges.
      let resumed = try await location.open()
      var round = try await DurableRound.resume(id: "first", store: resumed)
      var clients: [ParticipantID: PrivateAggregationClient] = [:]
      for participant in round.plan.secureAggregation.participantIDs {
        clients[participant] = try PrivateAggregationClient(
          plan: round.plan, id: participant, update: Self.update(participant))
      }
      var messages = round.outbox
      finishing: while true {
        for message in messages {
          if let reply = try clients[message.recipient]?.respond(to: message) {
            try await round.receive(reply.serializedBytes())
          }
        }
        switch try await round.advance() {
        case .send(let next): messages = next
        case .finished: break finishing
        }
      }
      await resumed.close()
      store = try await location.open()
      let ledger = try #require(try await store.ledger(of: "P"))
      #expect(ledger.roundsRecorded == 1)
      #expect(ledger.epsilon.epsilon > 0.9 && ledger.epsilon.epsilon <= 1.0 + 1e-9)
      await #expect {
        _ = try await DurableRound.begin(
          id: "third", configuration: configuration, population: ("P", 1.2), store: store)
      } throws: { isRefusal($0) }
      #expect(try await store.ledger(of: "P")?.roundsRecorded == 1)
      await #expect(
        throws: AggregationServiceError.roundNotRunning(id: "second", status: "refused")
      ) {
        _ = try await DurableRound.resume(id: "second", store: store)
      }
      await store.close()
    }
  }

  /// Two processes on one store (file or database) race to begin rounds that one budget can
  /// pay only once: exactly one begins. (`PostgresRaceTests` races many more times.)
  @Test(arguments: TestStoreKind.available)
  func twoStoresOnOneFileSpendTheBudgetOnce(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      let configuration = Self.configuration(privacy: .central, epsilon: 1)
      let first = try await location.open()
      let second = try await location.open()
      async let a: Bool = Self.begins(id: "a", configuration: configuration, store: first)
      async let b: Bool = Self.begins(id: "b", configuration: configuration, store: second)
      let outcomes = try await [a, b]
      #expect(outcomes.filter { $0 }.count == 1)
      // Reserved, not charged: the ledger is charged by a release.
      #expect(try await first.ledger(of: "P")?.roundsRecorded == 0)
      let rounds = [try await first.round("a"), try await first.round("b")]
      #expect(Set(rounds.compactMap { $0?.status }) == [.refused, .running])
      await first.close()
      await second.close()
    }
  }

  static func begins(
    id: String, configuration: PrivateAggregationConfiguration, store: any RoundStore
  ) async throws -> Bool {
    do {
      _ = try await DurableRound.begin(
        id: id, configuration: configuration, population: ("P", 1.2), store: store)
      return true
    } catch .budgetExceeded {
      return false
    }
  }

  /// A client that sends its reply again — its acknowledgement lost, or the server restarted
  /// after committing it — gets `duplicate` and changes nothing, before and after a restart;
  /// other bytes from it for the same phase are refused; the round still finishes exactly.
  @Test(arguments: TestStoreKind.available)
  func retriesAreAnsweredOnceAndEquivocationRefused(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      let configuration = Self.configuration(privacy: .none)
      var store = try await location.open()
      var round = try await DurableRound.begin(id: "r", configuration: configuration, store: store)
      let plan = round.plan
      var clients: [ParticipantID: PrivateAggregationClient] = [:]
      for participant in plan.secureAggregation.participantIDs {
        clients[participant] = try PrivateAggregationClient(
          plan: plan, id: participant, update: Self.update(participant))
      }
      var sent: [[UInt8]] = []
      for message in round.start() {
        guard let reply = try clients[message.recipient]?.respond(to: message) else { continue }
        let bytes = reply.serializedBytes()
        #expect(try await round.receive(bytes) == .accepted)
        #expect(try await round.receive(bytes) == .duplicate)
        sent.append(bytes)
      }
      // A fresh client with the same id advertises other keys: equivocation, refused.
      let first = try #require(ParticipantID(1))
      var twin = try PrivateAggregationClient(plan: plan, id: first)
      let other = try twin.respond(to: try #require(round.start().first))
      await #expect(
        throws: AggregationServiceError.refused(.secureAggregation(.duplicateParticipant(first)))
      ) {
        try await round.receive(other.serializedBytes())
      }
      // After a restart every earlier reply is still a duplicate.
      await store.close()
      store = try await location.open()
      round = try await DurableRound.resume(id: "r", store: store)
      for bytes in sent { #expect(try await round.receive(bytes) == .duplicate) }
      #expect(try await store.round("r")?.events.count == sent.count)
      await store.close()
    }
  }

  /// A store dropped without `close()` — a caller that left on an error — closes itself (no
  /// trap), and what it committed is there when the store is opened again.
  @Test(arguments: TestStoreKind.available)
  func aStoreDroppedWithoutClosingKeepsItsCommits(kind: TestStoreKind) async throws {
    try await TestStore.with(kind) { location in
      do {
        let store = try await location.open()
        _ = try await DurableRound.begin(
          id: "kept", configuration: Self.configuration(privacy: .none), store: store)
      }
      try await Task.sleep(for: .milliseconds(200))
      let store = try await location.open()
      #expect(try await store.round("kept")?.status == .running)
      await store.close()
    }
  }
}
