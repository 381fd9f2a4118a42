import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import PrivateAggregation
import Synchronization
import Testing

@testable import AggregationService

/// Log lines kept in memory, for tests.
final class LogRecorder: Sendable {
  struct Line: Sendable {
    let level: Logger.Level
    let message: String
    let metadata: Logger.Metadata
  }

  private let lines = Mutex<[Line]>([])

  /// Every line logged so far, in order.
  var recorded: [Line] { lines.withLock { $0 } }

  func append(_ line: Line) { lines.withLock { $0.append(line) } }

  /// A logger that records here.
  var logger: Logger {
    Logger(label: "test") { _ in Handler(recorder: self) }
  }

  struct Handler: LogHandler {
    let recorder: LogRecorder
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
      recorder.append(
        Line(
          level: event.level, message: "\(event.message)",
          metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
  }
}

/// The service's phase lines: `round ROUND phase PHASE`, one per change, in order.
@Suite struct PhaseLogTests {
  typealias Support = ServiceTestSupport

  /// Eight clients, one of which vanishes after the key-shares phase: the service logs
  /// checking-in, key-advertisement, key-shares, masked-input, unmasking and finished, each
  /// once and in that order, and the line that closes the masked-input phase says 7 answered
  /// and 1 was dropped. (Mutation: removing the log call in `closePhase` fails this test.)
  @Test func everyPhaseChangeIsLoggedOnceInOrder() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    let recorder = LogRecorder()
    try await Support.withInProcessService(store: store, clock: clock, logger: recorder.logger) {
      grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "logged", configuration: Support.configuration(), phaseDeadline: .seconds(4))
      let traffic = TrafficCounter()
      var client = AggregationServiceClient(wrapping: grpc)
      client.traffic = traffic
      var vanishing = client
      vanishing.vanishAfterPhases = 2
      let stayer = client
      let leaver = vanishing
      async let outcomes = withThrowingTaskGroup(
        of: (Int, AggregationServiceClient<InProcessTransport.Client>.Outcome).self
      ) { group in
        for credential in credentials {
          group.addTask {
            let contributor = credential.participant == 8 ? leaver : stayer
            return (
              credential.participant,
              try await contributor.contribute(
                update: Support.update(credential.participant), to: credential)
            )
          }
        }
        return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
      }
      var waited = 0
      while true {
        let report = try await operatorClient.report(of: "logged")
        if report.phase == 3, report.answered == 7 { break }
        waited += 1
        try #require(waited < 1000, "the seven never answered phase 3")
        try await Task.sleep(for: .milliseconds(20))
      }
      clock.advance(by: .seconds(5))
      let ended = try await outcomes
      #expect(ended[8] == .dropped(answeredPhases: 2))
      for participant in 1...7 {
        #expect(ended[participant] == .finished(answeredPhases: 4))
      }
      let report = try await operatorClient.report(of: "logged", wait: .seconds(5))
      #expect(report.status == .finished)
      try Support.expectExactSum(report.release, survivors: Array(1...7))
      // The shared counter saw the clients' replies and the server's messages.
      #expect(traffic.sent > 0)
      #expect(traffic.received > 0)
    }
    await store.close()

    let lines = recorder.recorded.filter { $0.message.hasPrefix("round logged phase ") }
    #expect(
      lines.map(\.message)
        == [
          "checking-in", "key-advertisement", "key-shares", "masked-input", "unmasking",
          "finished",
        ].map { "round logged phase \($0)" })
    let unmasking = try #require(lines.first { $0.message.hasSuffix(" unmasking") })
    #expect(unmasking.metadata["answered"] == "7")
    #expect(unmasking.metadata["dropped"] == "1")
    let finished = try #require(lines.last)
    #expect(finished.metadata["survivors"] == "7")
  }

  /// A round its population's budget cannot pay is logged `refused` after `checking-in`, and
  /// nothing else.
  @Test func aRefusedRoundIsLoggedRefused() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let recorder = LogRecorder()
    var configuration = Support.configuration()
    configuration.privacy = .central
    configuration.noise = .targetEpsilon(1)
    let central = configuration
    try await Support.withInProcessService(store: store, logger: recorder.logger) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "poor", configuration: central, population: ("P", 0.5))
      let client = AggregationServiceClient(wrapping: grpc)
      try await withThrowingTaskGroup(of: Void.self) { group in
        for credential in credentials {
          group.addTask {
            _ = try await client.contribute(
              update: Support.update(credential.participant), to: credential)
          }
        }
        try await group.waitForAll()
      }
    }
    await store.close()
    #expect(
      recorder.recorded.map(\.message).filter { $0.hasPrefix("round poor phase ") }
        == ["round poor phase checking-in", "round poor phase refused"])
  }
}
