import CoreMetrics
import Foundation
import GRPCCore
import GRPCInProcessTransport
import MetricsTestKit
import NIOCore
import NIOPosix
import PrivateAggregation
import Prometheus
import SecureAggregation
import Synchronization
import Testing

@testable import AggregationService

/// The service's metrics, with a factory injected for one service (the global
/// `MetricsSystem` is bootstrapped once per process, and other suites share it), and the
/// HTTP endpoint that exposes them.
@Suite struct ServiceMetricsTests {
  typealias Support = ServiceTestSupport

  /// Client 8 answers two phases and goes silent; the masked-input phase closes at its
  /// deadline. The metrics then say: one round created and finished, none failed or refused,
  /// one client dropped, each of the four semi-honest phases opened once, payload bytes both
  /// ways, every RPC timed by method, and the active-rounds gauge saw the round.
  /// (Mutation: not counting in `closePhase` leaves dropped at 0 and fails this test.)
  @Test func aRoundWithASilentClientIsCounted() async throws {
    let metrics = TestMetrics()
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    try await Support.withInProcessService(store: store, clock: clock, metrics: metrics) { grpc in
      _ = try await Support.runRoundWithSilentClient(
        grpc, clock: clock, round: "drop", silentAfter: 2)
    }
    await store.close()

    #expect(try metrics.expectCounter("aggregation_rounds_created_total").totalValue == 1)
    #expect(
      metrics.counterTotal(
        label: "aggregation_rounds_ended_total", dimensions: [("status", "finished")]) == 1)
    #expect(
      metrics.counterTotal(
        label: "aggregation_rounds_ended_total", dimensions: [("status", "failed")]) == 0)
    #expect(
      metrics.counterTotal(
        label: "aggregation_rounds_ended_total", dimensions: [("status", "refused")]) == 0)
    #expect(try metrics.expectCounter("aggregation_clients_dropped_total").totalValue == 1)
    let phases = Dictionary(
      uniqueKeysWithValues: metrics.counters(label: "aggregation_phases_opened_total").map {
        ($0.dimensions.first { $0.0 == "phase" }?.1 ?? "?", $0.totalValue)
      })
    #expect(
      phases == [
        "key-advertisement": 1, "key-shares": 1, "masked-input": 1, "unmasking": 1,
      ])
    #expect(
      try metrics.expectCounter("aggregation_payload_bytes_received_total").totalValue > 0)
    #expect(try metrics.expectCounter("aggregation_payload_bytes_sent_total").totalValue > 0)
    let methods = Set(
      metrics.timers(label: "aggregation_rpc_duration_seconds").compactMap {
        $0.dimensions.first { $0.0 == "method" }?.1
      })
    #expect(methods.isSuperset(of: ["CreateRound", "CheckIn", "Next", "Submit", "GetResult"]))
    #expect(try metrics.expectGauge("aggregation_active_rounds").values.contains(1))
  }

  // MARK: The endpoint

  /// `GET /metrics` answers the exposition text with the service's series; `GET /health`
  /// answers what the health check says; other paths 404, other methods 405, and bytes that
  /// are not HTTP 400, with the endpoint still serving afterwards.
  @Test func theEndpointServesMetricsAndHealth() async throws {
    let registry = PrometheusCollectorRegistry()
    let metrics = ServiceMetrics.$factoryOverride.withValue(
      PrometheusMetricsFactory(registry: registry)
    ) { ServiceMetrics() }
    metrics.roundsCreated.increment()
    metrics.statusChanged(from: .running, to: .finished)
    metrics.phaseOpened(.collectingMaskedInputs)
    metrics.clientsDropped.increment(by: 1)
    metrics.recordDuration(of: "Submit", .milliseconds(3))
    let healthy = HealthFlag()
    let endpoint = MetricsEndpoint(
      endpoint: try ServiceEndpoint(parsing: "127.0.0.1:0"), registry: registry,
      health: { healthy.value })
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let running = Task {
      try await endpoint.run { bound in
        portContinuation.yield(bound.port)
        portContinuation.finish()
      }
    }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())

    let scrape = try await Self.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(scrape.hasPrefix("HTTP/1.1 200 OK"))
    #expect(scrape.contains("aggregation_rounds_created_total 1"))
    #expect(scrape.contains("aggregation_rounds_ended_total{status=\"finished\"} 1"))
    #expect(
      scrape.contains("aggregation_phases_opened_total{phase=\"masked-input\"} 1"))
    #expect(scrape.contains("aggregation_clients_dropped_total 1"))
    #expect(scrape.contains("aggregation_rpc_duration_seconds_count{method=\"Submit\"} 1"))

    let health = try await Self.exchange(port: port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(health.hasPrefix("HTTP/1.1 200 OK") && health.hasSuffix("ok\n"))
    healthy.value = false
    let sick = try await Self.exchange(port: port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(sick.hasPrefix("HTTP/1.1 503"))

    let missing = try await Self.exchange(port: port, "GET /secret HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(missing.hasPrefix("HTTP/1.1 404"))
    let post = try await Self.exchange(
      port: port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    #expect(post.hasPrefix("HTTP/1.1 405"))
    let garbage = try await Self.exchange(port: port, "\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n")
    #expect(garbage.hasPrefix("HTTP/1.1 400"))
    // A body larger than the endpoint buffers: refused (413, though the client may see only
    // the connection's reset, as the endpoint closes it without reading the rest).
    _ = try? await Self.exchange(
      port: port,
      "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n"
        + String(repeating: "a", count: 40_000))

    // Still serving.
    let again = try await Self.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(again.hasPrefix("HTTP/1.1 200 OK"))
    running.cancel()
    try await running.value
  }

  /// `MetricsEndpoint.bootstrappingPrometheus` bootstraps the global metrics system to its
  /// registry, so a service made afterwards is exposed by the endpoint. (In a child process:
  /// the bootstrap is once per process.)
  @Test func bootstrappingPrometheusFeedsTheEndpointsRegistry() async {
    await #expect(processExitsWith: .success) {
      let endpoint = MetricsEndpoint.bootstrappingPrometheus(
        endpoint: try ServiceEndpoint(parsing: "127.0.0.1:0"))
      let metrics = ServiceMetrics()
      metrics.roundCreated()
      metrics.clientsDropped(2)
      let text = String(decoding: endpoint.registry.emitToBuffer(), as: UTF8.self)
      guard text.contains("aggregation_rounds_created_total 1"),
        text.contains("aggregation_clients_dropped_total 2")
      else { exit(1) }
    }
  }

  /// Sends `request` on a new connection to 127.0.0.1:`port` and returns all it answers
  /// until the server closes the connection.
  static func exchange(port: Int, _ request: String) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .connect(host: "127.0.0.1", port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
    return try await channel.executeThenClose { inbound, outbound in
      try? await outbound.write(ByteBuffer(string: request))
      var answer = ""
      do {
        for try await buffer in inbound {
          answer += String(buffer: buffer)
        }
      } catch {
        // A reset after the answer: what arrived is the answer.
      }
      return answer
    }
  }
}

/// A health answer the test flips.
final class HealthFlag: Sendable {
  private let state = Mutex(true)
  var value: Bool {
    get { state.withLock { $0 } }
    set { state.withLock { $0 = newValue } }
  }
}
