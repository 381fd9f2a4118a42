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

  /// Runs `body` against a service on `store` over the in-process transport, with the
  /// deadline loop running on `clock` (which only the test moves); tears all down afterwards.
  static func withInProcessService<Result: Sendable>(
    store: any RoundStore, clock: TestClock = TestClock(),
    logger: Logger = RoundService.quietLogger,
    _ body: (GRPCClient<InProcessTransport.Client>) async throws -> Result
  ) async throws -> Result {
    let transport = InProcessTransport()
    let service = RoundService(
      store: store, operatorToken: operatorToken, limits: limits, clock: { clock.now() },
      logger: logger)
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
