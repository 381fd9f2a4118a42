import Foundation
import Testing

@testable import SecureAggregation

@Suite struct InMemoryRoundTests {
  struct Scenario: Sendable, CustomTestStringConvertible {
    let seed: UInt64
    var testDescription: String { "seed \(seed)" }
  }

  /// A random small configuration: n ≤ 30, m ≤ 300, complete or Harary graph, either mode, a
  /// power-of-two or another modulus, a threshold anywhere in the mode's range.
  static func randomConfiguration(seed: UInt64) throws -> AggregationConfiguration {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    let n = Int.random(in: 3...30, using: &random)
    let mode: AggregationConfiguration.SecurityMode =
      Bool.random(using: &random) ? .active : .semiHonest
    let moduli: [Modulus] = [
      try Modulus(bitWidth: 32), try Modulus(bitWidth: 1), try Modulus(bitWidth: 13),
      try Modulus(bitWidth: 64), try Modulus(1_000_003), try Modulus(.max - 58),
    ]
    let modulus = moduli[Int.random(in: 0..<moduli.count, using: &random)]
    var graph = AggregationConfiguration.Graph.complete
    if n >= 6, Bool.random(using: &random) {
      graph = .harary(degree: 2 * Int.random(in: 1...((n - 2) / 2), using: &random))
    }
    let degree = graph == .complete ? n - 1 : { if case .harary(let k) = graph { k } else { 0 } }()
    // A SecAgg+ neighbourhood of k holds at most k − 2 colluders for some threshold to fit
    // 2t > k + c (active) and t > c (semi-honest).
    let corrupted = min(
      Int.random(in: 0...(n / 4), using: &random), graph == .complete ? n : degree - 2)
    // The smallest threshold each mode allows (Bonawitz et al. §6; Bell et al. for SecAgg+, with
    // c = min(n_C, k) colluders in a neighbourhood and never t = 1 in a sparse graph).
    let smallest: Int
    switch (mode, graph) {
    case (.semiHonest, .complete): smallest = corrupted + 1
    case (.semiHonest, .harary): smallest = max(2, min(corrupted, degree) + 1)
    case (.active, .complete): smallest = (n + corrupted) / 2 + 1
    case (.active, .harary): smallest = (degree + min(corrupted, degree)) / 2 + 1
    }
    // The configuration's own default agrees in active mode, where the default is the smallest.
    let base = try AggregationConfiguration(
      clientCount: n, vectorLength: 1, modulus: modulus, graph: graph, securityMode: mode,
      corruptedClientBound: corrupted)
    if mode == .active { #expect(base.threshold == smallest) }
    let threshold = Int.random(in: smallest...degree, using: &random)
    let minimum = Int.random(in: 1...n, using: &random)
    return try AggregationConfiguration(
      clientCount: n, vectorLength: Int.random(in: 1...300, using: &random), modulus: modulus,
      graph: graph, threshold: threshold, minimumSurvivors: minimum, securityMode: mode,
      corruptedClientBound: corrupted)
  }

  /// Random dropouts at every round, ids and rounds chosen at random.
  static func randomSchedule(configuration: AggregationConfiguration, seed: UInt64)
    -> DropoutSchedule
  {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed ^ 0xd5)
    let rounds = ProtocolRound.allCases.filter {
      configuration.securityMode == .active || $0 != .consistencyCheck
    }
    var dropouts: [ParticipantID: ProtocolRound] = [:]
    let rate = Double.random(in: 0...0.4, using: &random)
    for id in configuration.participantIDs where Double.random(in: 0..<1, using: &random) < rate {
      dropouts[id] = rounds[Int.random(in: 0..<rounds.count, using: &random)]
    }
    return DropoutSchedule(dropouts)
  }

  /// 1,000 random sessions by default; `PRIVATE_AGGREGATION_SCHEDULES=N` runs N
  /// (`bash Tests/random-schedules.sh` runs 10,000).
  static let scenarios = (1...scenarioCount).map { Scenario(seed: UInt64($0)) }

  static var scenarioCount: Int {
    guard let value = ProcessInfo.processInfo.environment["PRIVATE_AGGREGATION_SCHEDULES"],
      let count = Int(value), count >= 320
    else { return 1_000 }
    return count
  }

  // Property test: over a thousand random configurations and dropout schedules (any round, both
  // modes, Harary and complete), the sum is exact whenever the server releases one, the
  // survivors are those the set-level oracle predicts, and the server aborts — with a typed
  // error and no sum — exactly when the oracle says recovery is impossible.
  @Test(arguments: scenarios)
  func randomSchedulesAreExactOrAbortWhenTheyMust(scenario: Scenario) throws {
    let configuration = try Self.randomConfiguration(seed: scenario.seed)
    let schedule = Self.randomSchedule(configuration: configuration, seed: scenario.seed)
    let round = InMemoryRound(
      configuration: configuration, dropouts: schedule,
      randomSource: .insecureDeterministic(seed: scenario.seed))
    let report = try round.run()
    let graph = try configuration.neighborGraph(sessionID: report.sessionID)
    let expected = ProtocolOracle.outcome(
      configuration: configuration, graph: graph, dropouts: schedule)
    switch expected {
    case .aborted:
      #expect(report.sum == nil, "expected an abort; \(configuration)")
      #expect(report.abortReason != nil, "an abort names its reason")
    case .released(let survivors):
      #expect(report.abortReason == nil, "\(String(describing: report.abortReason))")
      #expect(report.exact)
      #expect(report.survivors == survivors)
    }
  }

  // The property test above must not degenerate: its scenarios cover aborts and releases, both
  // modes and graphs, a non-power-of-two modulus, and dropouts in every round.
  @Test func scenariosCoverEveryCase() throws {
    var aborted = 0
    var released = 0
    var modes = Set<String>()
    var graphs = Set<String>()
    var otherModuli = 0
    var dropoutRounds: [ProtocolRound: Int] = [:]
    for scenario in Self.scenarios {
      let configuration = try Self.randomConfiguration(seed: scenario.seed)
      let schedule = Self.randomSchedule(configuration: configuration, seed: scenario.seed)
      let driver = try InMemoryRound(
        configuration: configuration, dropouts: schedule,
        randomSource: .insecureDeterministic(seed: scenario.seed)
      ).makeDriver()
      let graph = try configuration.neighborGraph(sessionID: driver.server.sessionID)
      switch ProtocolOracle.outcome(configuration: configuration, graph: graph, dropouts: schedule)
      {
      case .aborted: aborted += 1
      case .released: released += 1
      }
      modes.insert(configuration.securityMode.rawValue)
      graphs.insert(configuration.graph == .complete ? "complete" : "harary")
      if !configuration.modulus.isPowerOfTwo { otherModuli += 1 }
      for round in Set(schedule.dropouts.values) { dropoutRounds[round, default: 0] += 1 }
    }
    #expect(aborted >= 30)
    #expect(released >= 100)
    #expect(modes.count == 2)
    #expect(graphs.count == 2)
    #expect(otherModuli >= 40)
    for round in ProtocolRound.allCases {
      #expect(dropoutRounds[round, default: 0] >= 20, "dropouts in \(round.name)")
    }
  }

  @Test func noDropoutsGiveTheExactSumOfEveryone() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 12, vectorLength: 500, modulus: Modulus(bitWidth: 32), graph: .harary(degree: 6))
    let report = try InMemoryRound(
      configuration: configuration, randomSource: .insecureDeterministic(seed: 5)
    ).run()
    #expect(report.exact)
    #expect(report.survivors.count == 12)
    #expect(report.clientBytesSent > 500 * 4)
    #expect(report.serverBytesSent > 0)
  }

  @Test func tooManyDropoutsAbortWithTheCounts() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 10, vectorLength: 8, modulus: Modulus(bitWidth: 16), minimumSurvivors: 8)
    let schedule = DropoutSchedule(
      Dictionary(
        uniqueKeysWithValues: (1...3).compactMap { ParticipantID($0) }.map {
          ($0, ProtocolRound.maskedInputCollection)
        }))
    let report = try InMemoryRound(
      configuration: configuration, dropouts: schedule,
      randomSource: .insecureDeterministic(seed: 1)
    )
    .run()
    #expect(report.sum == nil)
    #expect(
      report.abortReason
        == .tooFewSurvivors(round: .maskedInputCollection, needed: 8, remaining: 7))
  }

  @Test func seededRunsAreReproducible() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 8, vectorLength: 64, modulus: Modulus(1000))
    let schedule = DropoutSchedule([try #require(ParticipantID(3)): .maskedInputCollection])
    let first = try InMemoryRound(
      configuration: configuration, dropouts: schedule,
      randomSource: .insecureDeterministic(seed: 9)
    )
    .run()
    let second = try InMemoryRound(
      configuration: configuration, dropouts: schedule,
      randomSource: .insecureDeterministic(seed: 9)
    )
    .run()
    #expect(first.sum == second.sum)
    #expect(first.exact && second.exact)
    #expect(first.survivors.count == 7)
  }
}

/// The report's second check: the sum must also hold every client the schedule kept, so that a
/// client the server refuses cannot pass as a dropout.
@Suite struct SurvivorsAsScheduledTests {
  static func configuration() throws -> AggregationConfiguration {
    try AggregationConfiguration(
      clientCount: 8, vectorLength: 6, modulus: Modulus(bitWidth: 32), threshold: 4)
  }

  /// With two clients scheduled to drop before their masked input, the other six are the
  /// survivors and both checks hold; with one client scheduled to drop after it (in the
  /// unmasking round), all eight are in the sum.
  @Test func scheduledDropoutsAreNotCountedAgainstTheSum() throws {
    let configuration = try Self.configuration()
    for (round, survivors) in [(ProtocolRound.maskedInputCollection, 6), (.unmasking, 8)] {
      let ids = configuration.participantIDs
      var schedule = DropoutSchedule([ids[1]: round])
      if round == .maskedInputCollection { schedule.dropouts[ids[4]] = .shareKeys }
      let report = try InMemoryRound(
        configuration: configuration, dropouts: schedule,
        randomSource: .insecureDeterministic(seed: 3)
      ).run()
      #expect(report.exact)
      #expect(report.survivors.count == survivors)
      #expect(report.survivorsAsScheduled)
    }
  }

  /// Client 3's input has the wrong length, so the server refuses its masked input: the sum
  /// still equals the plaintext sum of the inputs the server took (`exact`), but client 3 was
  /// not scheduled to drop, and `survivorsAsScheduled` says so.
  @Test func aRefusedClientIsNotADropout() throws {
    let configuration = try Self.configuration()
    let modulus = configuration.modulus
    let report = try InMemoryRound(
      configuration: configuration, randomSource: .insecureDeterministic(seed: 4),
      inputs: { id, _ in
        ModularVector(zeroCount: id.index == 3 ? 5 : 6, modulus: modulus)
      }
    ).run()
    #expect(report.exact)
    #expect(report.survivors.count == 7)
    #expect(!report.survivorsAsScheduled)
  }
}
