import CoreMetrics
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2Posix
import Logging
import PrivateAggregation
import SecureAggregation
import Synchronization
import Testing

@testable import AggregationService

/// A clock the test moves: deadlines pass when the test says so, however slow the machine.
final class TestClock: Sendable {
  private let milliseconds = Mutex(Int64(Date().timeIntervalSince1970 * 1000))

  /// Milliseconds since 1970, as the test has set them.
  func now() -> Int64 { milliseconds.withLock { $0 } }

  /// Moves the clock forward.
  func advance(by duration: Duration) {
    milliseconds.withLock { $0 += duration.wholeMilliseconds }
  }
}

/// Rounds, servers and raw calls for the service tests.
enum ServiceTestSupport {
  static let operatorToken = "operator-token-for-tests"

  /// Deadlines checked every 20 ms; long-polls capped at 2 s.
  static var limits: RoundService.Limits {
    var limits = RoundService.Limits()
    limits.tick = .milliseconds(20)
    limits.longestWait = .seconds(2)
    return limits
  }

  static func storePath() -> String {
    FileManager.default.temporaryDirectory
      .appendingPathComponent("service-\(UUID().uuidString).sqlite").path
  }

  /// Eight clients, 16 values, no noise: the release is the survivors' exact sum up to the
  /// plan's rounding bound.
  static func configuration() -> PrivateAggregationConfiguration {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 8, dimension: 16, clipBound: 1, privacy: .none, noise: nil)
    configuration.graph = .complete
    configuration.bits = 24
    configuration.minimumSurvivors = 5
    configuration.colludingClients = 1
    return configuration
  }

  static func update(_ participant: Int) -> [Double] {
    (0..<16).map { Double((participant * 5 + $0 * 3) % 11) / 60 }
  }

  /// Checks that `release` is the plaintext sum of `survivors`' updates.
  static func expectExactSum(_ release: StoredRelease?, survivors: [Int]) throws {
    let release = try #require(release)
    #expect(release.survivors == survivors)
    let bound = try #require(try AggregationPlan(configuration()).quantizationErrorBound)
    let truth = (0..<16).map { coordinate in
      survivors.map { update($0)[coordinate] }.reduce(0, +)
    }
    #expect(release.sum.count == truth.count)
    for (released, exact) in zip(release.sum, truth) {
      #expect(abs(released - exact) <= bound)
    }
  }

  /// Runs round `round`: clients 1…7 contribute, client 8 (by hand) checks in and answers
  /// `silentAfter` phases, then goes silent; once the seven have answered the phase it is
  /// silent in, `clock` passes that phase's deadline. Expects the seven to finish all four
  /// phases and the round to finish; returns the round's report and client 8's token.
  static func runRoundWithSilentClient(
    _ grpc: GRPCClient<InProcessTransport.Client>, clock: TestClock, round: String,
    silentAfter: Int
  ) async throws -> (report: OperatorClient<InProcessTransport.Client>.Report, silent: String) {
    let operatorClient = OperatorClient(wrapping: grpc, operatorToken: operatorToken)
    let credentials = try await operatorClient.createRound(
      id: round, configuration: configuration(), phaseDeadline: .seconds(4))
    let silent = credentials[7]
    let client = AggregationServiceClient(wrapping: grpc)
    async let outcomes = withThrowingTaskGroup(
      of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
    ) { group in
      for credential in credentials.prefix(7) {
        group.addTask {
          try await client.contribute(update: update(credential.participant), to: credential)
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    let plan = try AggregationPlan(configuration())
    var eight = try PrivateAggregationClient(
      plan: plan, id: try #require(ParticipantID(8)), update: update(8))
    _ = try await checkIn(grpc, round: round, token: silent.token)
    for answered in 0..<silentAfter {
      let message = try serverMessage(
        try await next(grpc, round: round, token: silent.token, answered: answered))
      _ = try await submit(
        grpc, round: round, token: silent.token,
        bytes: try eight.respond(to: message).serializedBytes())
    }
    // The seven answer the phase client 8 is silent in; then its deadline passes.
    var waited = 0
    while true {
      let report = try await operatorClient.report(of: round)
      if report.phase == silentAfter + 1, report.answered == 7 { break }
      waited += 1
      try #require(waited < 1000, "the seven never answered phase \(silentAfter + 1)")
      try await Task.sleep(for: .milliseconds(20))
    }
    clock.advance(by: .seconds(5))
    #expect(try await outcomes == Array(repeating: .finished(answeredPhases: 4), count: 7))
    let report = try await operatorClient.report(of: round, wait: .seconds(5))
    #expect(report.status == .finished)
    return (report, silent.token)
  }

  /// Every credential's client contributes its `update(participant)` through `client`, at once;
  /// returns their outcomes. A round that never ends for them is cancelled after `watchdog`,
  /// so the test fails (`CancellationError`) instead of hanging.
  static func contributeAll(
    _ credentials: [RoundCredential],
    through client: AggregationServiceClient<InProcessTransport.Client>,
    watchdog limit: Duration
  ) async throws -> [AggregationServiceClient<InProcessTransport.Client>.Outcome] {
    let contributions = Task {
      try await withThrowingTaskGroup(
        of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
      ) { group in
        for credential in credentials {
          group.addTask {
            try await client.contribute(
              update: update(credential.participant), to: credential)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
    }
    let watchdog = Task {
      try await Task.sleep(for: limit)
      contributions.cancel()
    }
    defer { watchdog.cancel() }
    return try await contributions.value
  }

  /// Runs `body` against a service on `store` over the in-process transport, with the
  /// deadline loop running on `clock` (which only the test moves); tears all down afterwards.
  /// With `metrics`, the service counts into that factory instead of the global one.
  static func withInProcessService<Result: Sendable>(
    store: any RoundStore, clock: TestClock = TestClock(),
    limits: RoundService.Limits = limits, metrics: (any MetricsFactory)? = nil,
    logger: Logger = RoundService.quietLogger,
    _ body: (GRPCClient<InProcessTransport.Client>) async throws -> Result
  ) async throws -> Result {
    let transport = InProcessTransport()
    let service = ServiceMetrics.$factoryOverride.withValue(metrics) {
      RoundService(
        store: store, operatorToken: operatorToken, limits: limits, clock: { clock.now() },
        logger: logger)
    }
    let server = GRPCServer(transport: transport.server, services: [service])
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await server.serve() }
      group.addTask { try await service.run() }
      defer { group.cancelAll() }
      return try await withGRPCClient(transport: transport.client) { client in
        try await body(client)
      }
    }
  }

  // MARK: Raw calls (what a hostile or broken client could send)

  typealias API = PrivateAggregation_Service_V1_AggregationService.Client

  static func metadata(_ token: String) -> Metadata {
    ["authorization": "Bearer \(token)"]
  }

  /// CheckIn with `token`.
  static func checkIn<T: ClientTransport>(
    _ client: GRPCClient<T>, round: String, token: String
  ) async throws -> PrivateAggregation_Service_V1_CheckInResponse {
    var request = PrivateAggregation_Service_V1_CheckInRequest()
    request.roundID = round
    return try await API(wrapping: client).checkIn(request, metadata: metadata(token))
  }

  /// Next with `token`, waiting until it answers something other than pending.
  static func next<T: ClientTransport>(
    _ client: GRPCClient<T>, round: String, token: String, answered: Int
  ) async throws -> PrivateAggregation_Service_V1_NextResponse {
    var request = PrivateAggregation_Service_V1_NextRequest()
    request.roundID = round
    request.answeredPhases = UInt32(answered)
    request.waitMs = 2000
    while true {
      let response = try await API(wrapping: client).next(request, metadata: metadata(token))
      if case .pending = response.outcome { continue }
      return response
    }
  }

  /// Submit with `token`.
  static func submit<T: ClientTransport>(
    _ client: GRPCClient<T>, round: String, token: String, bytes: [UInt8]
  ) async throws -> PrivateAggregation_Service_V1_SubmitResponse {
    var request = PrivateAggregation_Service_V1_SubmitRequest()
    request.roundID = round
    request.clientMessage = Data(bytes)
    return try await API(wrapping: client).submit(request, metadata: metadata(token))
  }

  /// The server message in a Next response.
  static func serverMessage(_ response: PrivateAggregation_Service_V1_NextResponse) throws
    -> ServerMessage
  {
    guard case .serverMessage(let data) = response.outcome else {
      Issue.record("expected a server message, got \(String(describing: response.outcome))")
      throw CancellationError()
    }
    return try ServerMessage(
      serializedBytes: Array(data),
      configuration: try AggregationPlan(configuration()).secureAggregation)
  }

  /// Whether `body` fails with an `RPCError` of `code`.
  static func fails(
    with code: RPCError.Code, _ body: () async throws -> Void
  ) async -> Bool {
    do {
      try await body()
      return false
    } catch let error as RPCError {
      return error.code == code
    } catch {
      return false
    }
  }
}
