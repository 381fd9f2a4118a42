import Foundation
import GRPCInProcessTransport
import PrivateAggregation
import Testing

@testable import AggregationService

/// A store whose writes commit and then report a failure, as when the acknowledgement of a
/// commit is lost: the service must take the store's word over its memory.
actor LosingStore: ForwardingStore {
  nonisolated let inner: SQLiteRoundStore
  private let losing: Set<Int>
  private let losesBegin: Bool
  private var writes = 0
  /// How many writes were committed and then reported failed.
  private(set) var lost = 0

  /// Loses the acknowledgement of the appends and finishes numbered in `losing` (from 1),
  /// and of the round's begin when `losesBegin`.
  init(_ inner: SQLiteRoundStore, losing: Set<Int>, losesBegin: Bool = false) {
    self.inner = inner
    self.losing = losing
    self.losesBegin = losesBegin
  }

  private func afterWrite() throws(AggregationServiceError) {
    writes += 1
    if losing.contains(writes) {
      lost += 1
      throw .store(operation: "commit", reason: "acknowledgement lost (test)")
    }
  }

  func append(_ events: [RoundEvent], to roundID: String) async throws(AggregationServiceError) {
    try await inner.append(events, to: roundID)
    try afterWrite()
  }

  func finish(_ roundID: String, appending events: [RoundEvent], release: StoredRelease)
    async throws(AggregationServiceError)
  {
    try await inner.finish(roundID, appending: events, release: release)
    try afterWrite()
  }

  func beginRound(_ round: RoundRecord, charging charge: RoundCharge?)
    async throws(AggregationServiceError)
  {
    try await inner.beginRound(round, charging: charge)
    if losesBegin {
      lost += 1
      throw .store(operation: "commit", reason: "acknowledgement lost (test)")
    }
  }
}

@Suite struct LostAcknowledgementTests {
  typealias Support = ServiceTestSupport

  /// The round's begin and every second write of it commit and then fail: the check-in that
  /// began it and the submissions concerned answer `unavailable` and are retried (then
  /// answered as duplicates), the begin and phase closes concerned are taken from the store
  /// (running, a phase further, or finished), and the round releases the exact sum of all
  /// eight clients. Submissions are committed in groups, so how many writes a round takes
  /// varies from run to run; with every second one lost, at least 8 are (10–12 in runs here).
  @Test func committedWritesWhoseAcknowledgementIsLostAreNotRedone() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sqlite = try await SQLiteRoundStore.open(path: path)
    // 32 messages in groups, 3 closes and the finish, and the retries: lose every second write.
    let store = LosingStore(
      sqlite, losing: Set(stride(from: 2, through: 40, by: 2)), losesBegin: true)
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "lossy", configuration: Support.configuration())
      var retry = RetryPolicy()
      retry.initialBackoff = .milliseconds(10)
      retry.maximumBackoff = .milliseconds(50)
      let client = AggregationServiceClient(wrapping: grpc, retry: retry)
      // A round that never ends fails the test after 60 s instead of hanging it.
      let outcomes = try await Support.contributeAll(
        credentials, through: client, watchdog: .seconds(60))
      // A client whose last answer committed without an acknowledgement, and whose retry
      // found the round finished, cannot know that answer counted: it reports 3 phases.
      for outcome in outcomes {
        #expect(outcome == .finished(answeredPhases: 4) || outcome == .finished(answeredPhases: 3))
      }
      #expect(outcomes.count == 8)
      let report = try await operatorClient.report(of: "lossy", wait: .seconds(5))
      #expect(report.status == .finished)
      try Support.expectExactSum(report.release, survivors: Array(1...8))
    }
    #expect(await store.lost >= 8)
    await sqlite.close()
  }
}
