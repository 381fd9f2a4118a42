import DifferentialPrivacy
import Foundation
import SecureAggregation
import Testing

@testable import PrivateAggregation

/// A server that stops at any phase and is made again from its stored nonce and noise key, with
/// its accepted messages and advances replayed, finishes the round exactly as if it had never
/// stopped — the same sum, the same noise — so a round never releases two different noisy sums.
@Suite struct ResumingTests {
  /// What a durable server stores as the round goes: each accepted reply's bytes, and each
  /// advance, in order.
  enum LogEntry {
    case message([UInt8])
    case advance
  }

  static func configuration(privacy: PrivacyMode, mode: AggregationConfiguration.SecurityMode)
    -> PrivateAggregationConfiguration
  {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 8, dimension: 20, clipBound: 1, privacy: privacy,
      noise: privacy == .none ? nil : .noiseMultiplier(1))
    configuration.graph = .complete
    configuration.bits = 24
    configuration.securityMode = mode
    configuration.colludingClients = 1
    configuration.minimumSurvivors = 5
    return configuration
  }

  /// Runs a round, stopping the server after `stopAfter` advances (nil: never) and resuming it
  /// from the log; client 8 drops before its masked input.
  static func run(
    plan: AggregationPlan, nonce: [UInt8], noiseKey: SymmetricKey, stopAfter: Int?
  ) throws -> PrivateAggregationResult {
    var keys: [ParticipantID: IdentityPrivateKey] = [:]
    if plan.configuration.securityMode == .active {
      for id in plan.secureAggregation.participantIDs {
        keys[id] = IdentityPrivateKey(
          from: .insecureDeterministic(seed: 900 + UInt64(id.index)))
      }
    }
    let directory = keys.mapValues(\.publicKey)
    var clients: [ParticipantID: PrivateAggregationClient] = [:]
    for id in plan.secureAggregation.participantIDs {
      clients[id] = try PrivateAggregationClient(
        plan: plan, id: id, identityKey: keys[id], identityDirectory: directory,
        update: PipelineTests.gaussian(20, seed: UInt64(id.index), scale: 0.1),
        randomSource: .insecureDeterministic(seed: 500 + UInt64(id.index)))
    }
    func makeServer() throws -> PrivateAggregationServer {
      try PrivateAggregationServer(
        plan: plan, identityDirectory: directory, nonce: nonce, noiseKey: noiseKey)
    }
    var server = try makeServer()
    var log: [LogEntry] = []
    var advances = 0
    var messages = server.start()
    while true {
      for message in messages {
        if case .shareRelay = message, message.recipient.index == 8 { continue }
        guard let reply = try clients[message.recipient]?.respond(to: message) else { continue }
        try server.receive(reply)
        log.append(.message(reply.serializedBytes()))
      }
      let step = try server.advance()
      log.append(.advance)
      advances += 1
      if advances == stopAfter {
        // The process dies; a new one reads the store and replays it.
        server = try makeServer()
        var replayed: RoundStep<PrivateAggregationResult>?
        for entry in log {
          switch entry {
          case .message(let bytes):
            try server.receive(
              ClientMessage(serializedBytes: bytes, configuration: plan.secureAggregation))
          case .advance:
            replayed = try server.advance()
          }
        }
        if case .finished(let result) = replayed { return result }
      }
      switch step {
      case .send(let next): messages = next
      case .finished(let result): return result
      }
    }
  }

  /// Every phase, both modes, central and distributed noise: the resumed round releases exactly
  /// the sum and mean of the round that never stopped, with 7 survivors.
  @Test(arguments: [
    (PrivacyMode.central, AggregationConfiguration.SecurityMode.semiHonest),
    (.distributed(.discreteGaussian), .semiHonest), (.central, .active), (.none, .active),
  ])
  func aResumedRoundReleasesTheSameSum(
    privacy: PrivacyMode, mode: AggregationConfiguration.SecurityMode
  ) throws {
    let plan = try AggregationPlan(Self.configuration(privacy: privacy, mode: mode))
    let nonce = [UInt8](repeating: 0x5A, count: 32)
    let noiseKey = SymmetricKey()
    let uninterrupted = try Self.run(plan: plan, nonce: nonce, noiseKey: noiseKey, stopAfter: nil)
    #expect(uninterrupted.survivors.count == 7)
    let phases = mode == .active ? 5 : 4
    for stop in 1...phases {
      let resumed = try Self.run(plan: plan, nonce: nonce, noiseKey: noiseKey, stopAfter: stop)
      #expect(resumed.encodedSum == uninterrupted.encodedSum, "stopped after advance \(stop)")
      #expect(resumed.release.sum == uninterrupted.release.sum, "stopped after advance \(stop)")
      #expect(resumed.survivors == uninterrupted.survivors)
    }
  }

  /// The central noise comes from the key: another key, another release (so the test above
  /// would see noise drawn from anywhere else).
  @Test func theNoiseKeyDecidesTheCentralNoise() throws {
    let plan = try AggregationPlan(Self.configuration(privacy: .central, mode: .semiHonest))
    let nonce = [UInt8](repeating: 7, count: 32)
    let first = try Self.run(plan: plan, nonce: nonce, noiseKey: SymmetricKey(), stopAfter: nil)
    let second = try Self.run(plan: plan, nonce: nonce, noiseKey: SymmetricKey(), stopAfter: nil)
    #expect(first.encodedSum == second.encodedSum)
    #expect(first.release.sum != second.release.sum)
  }

  /// Malformed resumption inputs are refused with the parameter named.
  @Test func badNoncesAndKeysAreRefused() throws {
    let plan = try AggregationPlan(Self.configuration(privacy: .central, mode: .semiHonest))
    #expect(throws: PrivateAggregationError.self) {
      _ = try PrivateAggregationServer(
        plan: plan, nonce: [UInt8](repeating: 1, count: 31), noiseKey: SymmetricKey())
    }
    #expect(
      throws: PrivateAggregationError.invalidParameter(
        name: "noiseKey", value: "16 bytes", expected: "32 bytes")
    ) {
      _ = try PrivateAggregationServer(
        plan: plan, nonce: [UInt8](repeating: 1, count: 32),
        noiseKey: SymmetricKey(randomByteCount: 16))
    }
  }

  /// A configuration survives JSON: the decoded one is equal and plans the same noise.
  @Test func configurationsEncodeAsData() throws {
    var configuration = Self.configuration(
      privacy: .distributed(.skellam), mode: .active)
    configuration.weighting = .weighted(maximumWeight: 3, denominator: .noised(noiseMultiplier: 2))
    configuration.graph = .harary(degree: 4)
    configuration.sampling = .poisson(rate: 0.5)
    configuration.rounds = 3
    configuration.graphBeacon = [UInt8](repeating: 3, count: 32)
    let data = try JSONEncoder().encode(configuration)
    let decoded = try JSONDecoder().decode(PrivateAggregationConfiguration.self, from: data)
    #expect(decoded == configuration)
    let plan = try AggregationPlan(configuration)
    let again = try AggregationPlan(decoded)
    #expect(again.scale == plan.scale)
    #expect(again.noiseStandardDeviation == plan.noiseStandardDeviation)
    #expect(again.report?.epsilon.epsilon == plan.report?.epsilon.epsilon)
  }
}
