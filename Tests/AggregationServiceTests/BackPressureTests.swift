import Foundation
import GRPCCore
import GRPCInProcessTransport
import MetricsTestKit
import PrivateAggregation
import Testing

@testable import AggregationService

/// Back-pressure: the service holds at most `maximumPendingBytes` of client messages at once.
@Suite struct BackPressureTests {
  typealias Support = ServiceTestSupport

  /// The reservation itself: within the limit it is taken, past it refused until bytes are
  /// released; a message larger than the limit is taken only when nothing else is held.
  @Test func reservationsStayWithinTheLimit() {
    let pending = PendingMessageBytes(limit: 100)
    #expect(pending.reserve(60))
    #expect(!pending.reserve(41))
    #expect(pending.reserve(40))
    #expect(pending.current == 100)
    #expect(!pending.reserve(1))
    pending.release(60)
    #expect(!pending.reserve(61))
    #expect(pending.reserve(60))
    pending.release(100)
    #expect(pending.current == 0)
    #expect(pending.reserve(500))
    #expect(!pending.reserve(1))
  }

  /// With room for one message at a time, eight clients submitting at once are deferred
  /// (answered `unavailable`, counted) and retry after their back-off; the round still
  /// releases the exact sum of all eight. (Mutation: skipping the reservation leaves the
  /// deferred count at 0 and fails this test.)
  @Test func aBurstIsDeferredAndTheRoundStillFinishesExactly() async throws {
    let metrics = TestMetrics()
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    var limits = Support.limits
    limits.maximumPendingBytes = 1
    let release = try await Support.withInProcessService(
      store: store, limits: limits, metrics: metrics
    ) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "burst", configuration: Support.configuration())
      var retry = RetryPolicy()
      retry.initialBackoff = .milliseconds(1)
      retry.maximumBackoff = .milliseconds(10)
      let client = AggregationServiceClient(wrapping: grpc, retry: retry)
      try await withThrowingDiscardingTaskGroup { clients in
        for credential in credentials {
          clients.addTask {
            _ = try await client.contribute(
              update: Support.update(credential.participant), to: credential)
          }
        }
      }
      return try await operatorClient.report(of: "burst", wait: .seconds(5)).release
    }
    await store.close()
    try Support.expectExactSum(release, survivors: Array(1...8))
    #expect(
      try metrics.expectCounter("aggregation_submissions_deferred_total").totalValue > 0)
  }
}
