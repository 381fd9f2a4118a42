import AggregationCrypto
import AggregationService
import PrivateAggregation
import Testing

/// Replicas on one PostgreSQL database: each replica is a `PostgresRoundStore` with its own
/// connection pool, as a separate `serve` process has. Runs when
/// `PRIVATE_AGGREGATION_TEST_POSTGRES` is set (`.ci/run` starts a server).
@Suite(.enabled(if: TestStoreKind.postgresEnabled))
struct PostgresRaceTests {
  static let replicas = 3
  static let populations = 40

  /// A round of ε = 1 (central noise) with a fresh nonce and noise key.
  static func record(_ id: String) -> RoundRecord {
    RoundRecord(
      id: id, configuration: DurableRoundTests.configuration(privacy: .central, epsilon: 1),
      nonce: SecureBytes(randomCount: 32).unprotectedArray, noiseKey: SymmetricKey())
  }

  /// Begins `round` on `store`: `true` when it began, `false` when the budget refused it.
  static func begins(_ round: RoundRecord, charging charge: RoundCharge, on store: any RoundStore)
    async throws -> Bool
  {
    do {
      try await store.beginRound(round, charging: charge)
      return true
    } catch .budgetExceeded {
      return false
    }
  }

  /// A release as ``RoundStore/finish(_:appending:release:)`` stores it; its numbers do not
  /// matter to the ledger.
  static let release = StoredRelease(sum: [0], mean: [0], survivors: [1])

  /// Three replicas race, 40 times, to begin one round each of a population whose budget has
  /// room for exactly one more round after a first one, which is still running (reserved) for
  /// half the populations and released (charged) for the other half: each time exactly one
  /// begins and the others are stored refused; once the rounds release, the ledger records
  /// two rounds, not three or four. The population's row exists before the race, so only
  /// `SELECT … FOR UPDATE` keeps the replicas from reading the same ledger and reservations
  /// and each admitting its round. (Mutation: without `FOR UPDATE` in `PostgresRoundStore`'s
  /// admission, this fails; see the commit message.)
  @Test func replicasRacingForOneBudgetBeginOneRound() async throws {
    let configuration = DurableRoundTests.configuration(privacy: .central, epsilon: 1)
    let privacy = try #require(
      try AggregationPlan(configuration).roundPrivacy(orders: RDP.defaultOrders))
    // A budget between the ε of two rounds and that of three.
    let probe = try PrivacyLedger(delta: configuration.delta)
    try probe.record(privacy)
    let two = try probe.epsilon(ifRecording: privacy).epsilon
    try probe.record(privacy)
    let three = try probe.epsilon(ifRecording: privacy).epsilon
    #expect(two < three)
    let budget = (two + three) / 2

    try await TestStore.with(.postgres) { location in
      var stores: [PostgresRoundStore] = []
      for _ in 0..<Self.replicas { stores.append(try await location.openPostgres()) }
      let replicas = stores
      var wins = 0
      for population in 0..<Self.populations {
        let name = "P\(population)"
        let charge = RoundCharge(population: name, budget: budget, privacy: privacy)
        try await replicas[0].beginRound(Self.record("\(name)-first"), charging: charge)
        let firstReleased = population.isMultiple(of: 2)
        if firstReleased {
          try await replicas[0].finish("\(name)-first", appending: [], release: Self.release)
        }
        let rounds = (0..<Self.replicas).map { Self.record("\(name)-replica\($0)") }
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
          for (replica, round) in zip(replicas, rounds) {
            group.addTask { try await Self.begins(round, charging: charge, on: replica) }
          }
          return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        let began = outcomes.filter { $0 }.count
        wins += began
        #expect(began == 1, "population \(name): \(began) rounds began")
        #expect(
          try await replicas[1].ledger(of: name)?.roundsRecorded == (firstReleased ? 1 : 0),
          "population \(name)")
        var statuses: [RoundStatus] = []
        for round in rounds {
          let status = try #require(try await replicas[2].round(round.id)).status
          statuses.append(status)
          if status == .running {
            try await replicas[2].finish(round.id, appending: [], release: Self.release)
          }
        }
        if !firstReleased {
          try await replicas[1].finish("\(name)-first", appending: [], release: Self.release)
        }
        #expect(statuses.filter { $0 == .running }.count == 1, "population \(name)")
        #expect(statuses.filter { $0 == .refused }.count == Self.replicas - 1, "population \(name)")
        #expect(try await replicas[1].ledger(of: name)?.roundsRecorded == 2, "population \(name)")
      }
      #expect(wins == Self.populations)
      for store in replicas { await store.close() }
    }
  }

  /// Three replicas release, 40 times, one round each of one population at the same moment:
  /// the ledger records all three. The charge reads, extends and writes the population's
  /// ledger; only `SELECT … FOR UPDATE` on its row keeps two releases from reading the same
  /// ledger, each writing it with only its own round, and so losing a charge, which would let
  /// later rounds spend that privacy again. (Mutation: without `FOR UPDATE` in
  /// `PostgresRoundStore`'s release charge, this fails; see the commit message.)
  @Test func replicasReleasingRoundsOfOnePopulationChargeEveryRound() async throws {
    let configuration = DurableRoundTests.configuration(privacy: .central, epsilon: 1)
    let privacy = try #require(
      try AggregationPlan(configuration).roundPrivacy(orders: RDP.defaultOrders))
    try await TestStore.with(.postgres) { location in
      var stores: [PostgresRoundStore] = []
      for _ in 0..<Self.replicas { stores.append(try await location.openPostgres()) }
      let replicas = stores
      for population in 0..<Self.populations {
        let name = "R\(population)"
        let charge = RoundCharge(population: name, budget: 100, privacy: privacy)
        let rounds = (0..<Self.replicas).map { Self.record("\(name)-round\($0)") }
        for round in rounds { try await replicas[0].beginRound(round, charging: charge) }
        try await withThrowingTaskGroup(of: Void.self) { group in
          for (replica, round) in zip(replicas, rounds) {
            group.addTask {
              try await replica.finish(round.id, appending: [], release: Self.release)
            }
          }
          try await group.waitForAll()
        }
        #expect(
          try await replicas[0].ledger(of: name)?.roundsRecorded == Self.replicas,
          "population \(name)")
      }
      for store in replicas { await store.close() }
    }
  }

  /// Replicas racing to begin the first round of new populations (each round alone fits the
  /// budget, two do not) also begin exactly one each: the population's row is made once, and
  /// the ledger is charged nothing until the round releases.
  @Test func replicasRacingForANewPopulationBeginOneRound() async throws {
    let configuration = DurableRoundTests.configuration(privacy: .central, epsilon: 1)
    let privacy = try #require(
      try AggregationPlan(configuration).roundPrivacy(orders: RDP.defaultOrders))
    try await TestStore.with(.postgres) { location in
      var stores: [PostgresRoundStore] = []
      for _ in 0..<Self.replicas { stores.append(try await location.openPostgres()) }
      let replicas = stores
      for population in 0..<Self.populations {
        let name = "N\(population)"
        let charge = RoundCharge(population: name, budget: 1.2, privacy: privacy)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
          for (index, replica) in replicas.enumerated() {
            let round = Self.record("\(name)-replica\(index)")
            group.addTask { try await Self.begins(round, charging: charge, on: replica) }
          }
          return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "population \(name)")
        #expect(try await replicas[0].ledger(of: name)?.roundsRecorded == 0, "population \(name)")
      }
      for store in replicas { await store.close() }
    }
  }

  /// Two replicas that begin a round with the same id: one begins it, the other is told the id
  /// is taken, and the population is charged once, by the release; a second release of the
  /// round is refused and charges nothing.
  @Test func replicasBeginningOneRoundIDChargeOnce() async throws {
    let configuration = DurableRoundTests.configuration(privacy: .central, epsilon: 1)
    let privacy = try #require(
      try AggregationPlan(configuration).roundPrivacy(orders: RDP.defaultOrders))
    try await TestStore.with(.postgres) { location in
      let first = try await location.openPostgres()
      let second = try await location.openPostgres()
      for attempt in 0..<10 {
        let charge = RoundCharge(population: "P\(attempt)", budget: 10, privacy: privacy)
        let id = "same\(attempt)"
        async let a: AggregationServiceError? = Self.error {
          () async throws(AggregationServiceError) in
          try await first.beginRound(Self.record(id), charging: charge)
        }
        async let b: AggregationServiceError? = Self.error {
          () async throws(AggregationServiceError) in
          try await second.beginRound(Self.record(id), charging: charge)
        }
        let errors = await [a, b]
        #expect(errors.filter { $0 == nil }.count == 1)
        #expect(errors.contains(.duplicateRound(id)))
        try await second.finish(id, appending: [], release: Self.release)
        await #expect(throws: AggregationServiceError.roundNotRunning(id: id, status: "finished")) {
          try await first.finish(id, appending: [], release: Self.release)
        }
        #expect(try await first.ledger(of: "P\(attempt)")?.roundsRecorded == 1)
      }
      await first.close()
      await second.close()
    }
  }

  static func error(_ body: () async throws(AggregationServiceError) -> Void) async
    -> AggregationServiceError?
  {
    do {
      try await body()
      return nil
    } catch {
      return error
    }
  }

  /// An unreachable server, a wrong database and a password in the URL are errors that name
  /// what failed and never repeat a password.
  @Test func openingFailsWithoutLeakingSecrets() async throws {
    guard case .postgres(let user, let host, let port, _) = TestStoreKind.postgresServer else {
      return
    }
    await #expect {
      _ = try await PostgresRoundStore.open(
        user: user, host: host, port: port, database: "no_such_database_here",
        password: "hunter2-secret")
    } throws: { error in
      guard case .store(let operation, let reason) = error as? AggregationServiceError else {
        return false
      }
      return !"\(operation) \(reason)".contains("hunter2") && reason.contains("3D000")
    }
    await #expect {
      _ = try await PostgresRoundStore.open(
        user: user, host: "127.0.0.1", port: 1, database: "x", password: "hunter2-secret")
    } throws: { error in
      guard case .store(_, let reason) = error as? AggregationServiceError else { return false }
      return !reason.contains("hunter2")
    }
  }
}
