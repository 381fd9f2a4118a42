import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PrivateAggregation
import SecureAggregation
import Testing

@testable import AggregationService

/// A server torn down in the middle of a round, over loopback HTTP/2, and a new one built on
/// the same store file and port: the clients retry and the round finishes exactly.
@Suite struct ServiceRestartTests {
  typealias Support = ServiceTestSupport

  /// A server on 127.0.0.1:`port` (0: any free port) and its deadline loop.
  struct RunningServer {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let serving: Task<Void, any Error>
    let deadlines: Task<Void, any Error>
    let port: Int

    /// Stops taking calls and drops the service with all it had in memory: only the store
    /// file is left. (A graceful shutdown of the transport: cancelling a NIO server's task
    /// can trap in NIOAsyncWriter's deinit, swift-nio issue 3481.)
    func tearDown() async {
      deadlines.cancel()
      _ = await deadlines.result
      server.beginGracefulShutdown()
      _ = await serving.result
    }
  }

  static func startServer(store: any RoundStore, port: Int) async throws -> RunningServer {
    let transport = HTTP2ServerTransport.Posix(
      address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)
    let service = RoundService(
      store: store, operatorToken: Support.operatorToken, limits: Support.limits)
    let server = GRPCServer(transport: transport, services: [service])
    let serving = Task { try await server.serve() }
    let deadlines = Task { try await service.run() }
    let bound = try #require(try await transport.listeningAddress.ipv4?.port)
    return RunningServer(server: server, serving: serving, deadlines: deadlines, port: bound)
  }

  /// Seven clients contribute through `AggregationServiceClient`; client 8, by hand, answers
  /// two phases and receives its share relay. Then the server is torn down (the service and
  /// its store dropped: nothing but the file survives) and a new server is built on
  /// the same file and port. Client 8 answers with retries, the seven retry their calls, and
  /// the round releases the exact sum of all eight.
  @Test func aServerRebuiltOnItsStoreFinishesTheRound() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let first = try await SQLiteRoundStore.open(path: path)
    let firstServer = try await Self.startServer(store: first, port: 0)
    let port = firstServer.port
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
    var retry = RetryPolicy()
    retry.maximumBackoff = .milliseconds(500)
    retry.giveUpAfter = .seconds(60)
    let policy = retry
    try await withGRPCClient(transport: transport) { grpc in
      let operatorClient = OperatorClient(
        wrapping: grpc, operatorToken: Support.operatorToken, retry: policy)
      let credentials = try await operatorClient.createRound(
        id: "restart", configuration: Support.configuration(), phaseDeadline: .seconds(30))
      var client = AggregationServiceClient(wrapping: grpc, retry: policy)
      client.pollWait = .seconds(1)
      let contributor = client
      let others = Task {
        try await withThrowingTaskGroup(
          of: AggregationServiceClient<HTTP2ClientTransport.Posix>.Outcome.self
        ) { group in
          for credential in credentials.prefix(7) {
            group.addTask {
              try await contributor.contribute(
                update: Support.update(credential.participant), to: credential)
            }
          }
          return try await group.reduce(into: []) { $0.append($1) }
        }
      }
      let token = credentials[7].token
      let plan = try AggregationPlan(Support.configuration())
      var eight = try PrivateAggregationClient(
        plan: plan, id: try #require(ParticipantID(8)), update: Support.update(8))
      _ = try await Support.checkIn(grpc, round: "restart", token: token)
      for answered in 0..<2 {
        let message = try Support.serverMessage(
          try await Support.next(grpc, round: "restart", token: token, answered: answered))
        _ = try await Support.submit(
          grpc, round: "restart", token: token,
          bytes: try eight.respond(to: message).serializedBytes())
      }
      let relay = try Support.serverMessage(
        try await Support.next(grpc, round: "restart", token: token, answered: 2))
      let maskedInput = try eight.respond(to: relay).serializedBytes()

      // Tear the server down in the middle of the masked-input phase.
      let before = try await operatorClient.report(of: "restart")
      #expect(before.status == .running)
      #expect(before.phase == 3)
      await firstServer.tearDown()
      await first.close()
      let second = try await SQLiteRoundStore.open(path: path)
      let secondServer = try await Self.startServer(store: second, port: port)

      _ = try await policy.run {
        try await Support.submit(grpc, round: "restart", token: token, bytes: maskedInput)
      }
      let unmasking = try Support.serverMessage(
        try await policy.run {
          try await Support.next(grpc, round: "restart", token: token, answered: 3)
        })
      let shares = try eight.respond(to: unmasking).serializedBytes()
      _ = try await policy.run {
        try await Support.submit(grpc, round: "restart", token: token, bytes: shares)
      }
      #expect(
        try await others.value == Array(repeating: .finished(answeredPhases: 4), count: 7))
      let report = try await operatorClient.report(of: "restart", wait: .seconds(10))
      #expect(report.status == .finished)
      try Support.expectExactSum(report.release, survivors: Array(1...8))
      await secondServer.tearDown()
      await second.close()
    }
  }
}
