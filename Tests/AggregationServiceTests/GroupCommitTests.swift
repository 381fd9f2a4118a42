import Foundation
import Logging
import PrivateAggregation
import SecureAggregation
import Synchronization
import Testing

@testable import AggregationService

/// A store whose appends wait at a gate the test opens, and which records what each append
/// carried.
actor GatedStore: ForwardingStore {
  nonisolated let inner: SQLiteRoundStore
  private var open = true
  private var waiting: [CheckedContinuation<Void, Never>] = []
  /// How many messages each append carried, in order (an append of a phase close counts its
  /// staged messages too).
  private(set) var messagesPerAppend: [Int] = []
  /// Messages committed so far.
  private(set) var committedMessages = 0
  /// Whether an append is waiting at the gate.
  private(set) var blocked = false

  init(_ inner: SQLiteRoundStore) { self.inner = inner }

  func closeGate() { open = false }

  func openGate() {
    open = true
    let resumed = waiting
    waiting = []
    for continuation in resumed { continuation.resume() }
  }

  /// Whether an append waits at the gate within `limit` (polled, so a regression that never
  /// writes fails the test instead of hanging it).
  func waitUntilBlocked(within limit: Duration) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !blocked, ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(5))
    }
    return blocked
  }

  func append(_ events: [RoundEvent], to roundID: String) async throws(AggregationServiceError) {
    let messages = events.filter { if case .message = $0 { true } else { false } }.count
    if !open {
      blocked = true
      await withCheckedContinuation { waiting.append($0) }
      blocked = false
    }
    try await inner.append(events, to: roundID)
    messagesPerAppend.append(messages)
    committedMessages += messages
  }
}

/// Acknowledgements counted across tasks.
final class AcknowledgementCount: Sendable {
  private let count = Mutex(0)
  func add() { count.withLock { $0 += 1 } }
  var value: Int { count.withLock { $0 } }
}

/// Replies are committed in groups, and none is acknowledged before the write that holds it
/// has committed.
@Suite struct GroupCommitTests {
  typealias Support = ServiceTestSupport

  /// A task that submits `bytes` as `participant` and counts the acknowledgement.
  static func submitting(
    _ bytes: [UInt8], from participant: Int, to round: RoundActor,
    counting acknowledged: AcknowledgementCount
  ) -> Task<DurableRound.Receipt, any Error> {
    Task {
      let receipt = try await round.submit(participant: participant, bytes: bytes)
      acknowledged.add()
      return receipt
    }
  }

  /// While the first reply's write waits at the gate, the other seven arrive: none of the eight
  /// is acknowledged until the gate opens; then the seven share one write, and the phase
  /// closes once all eight are committed.
  @Test func repliesWaitForTheirCommitAndShareAWrite() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sqlite = try await SQLiteRoundStore.open(path: path)
    let store = GatedStore(sqlite)
    let clock = TestClock()
    let record = ServiceRoundRecord(
      id: "grouped", configuration: Support.configuration(), population: nil, budget: 0,
      createdMilliseconds: clock.now(), checkInDeadlineMilliseconds: clock.now() + 60_000,
      phaseMilliseconds: 60_000)
    let plan = try AggregationPlan(record.configuration)
    let round = try await RoundActor.create(
      record: record, plan: plan, credentialHashes: [:], store: store,
      clock: { clock.now() }, logger: Logger(label: "test"))
    for participant in 1...8 {
      _ = try await round.checkIn(participant: participant)
    }
    #expect(await round.status == .running)
    // Each client's reply to the announcement.
    var replies: [Int: [UInt8]] = [:]
    for participant in 1...8 {
      let outcome = await round.next(
        participant: participant, answeredPhases: 0, wait: .milliseconds(1))
      guard case .message(let bytes, phase: 1) = outcome else {
        Issue.record("no announcement for \(participant): \(outcome)")
        return
      }
      let message = try ServerMessage(
        serializedBytes: bytes, configuration: plan.secureAggregation)
      var client = try PrivateAggregationClient(
        plan: plan, id: try #require(ParticipantID(participant)),
        update: Support.update(participant))
      replies[participant] = try client.respond(to: message).serializedBytes()
    }

    await store.closeGate()
    let acknowledged = AcknowledgementCount()
    let first = Self.submitting(replies[1] ?? [], from: 1, to: round, counting: acknowledged)
    guard await store.waitUntilBlocked(within: .seconds(10)) else {
      Issue.record("the first reply was never written")
      await store.openGate()
      await sqlite.close()
      return
    }
    let others = (2...8).map { participant in
      Self.submitting(
        replies[participant] ?? [], from: participant, to: round, counting: acknowledged)
    }
    // Give the seven time to be staged (they are, or they wait for the actor): none may be
    // acknowledged while the first write waits.
    try await Task.sleep(for: .milliseconds(200))
    #expect(acknowledged.value == 0)
    #expect(await store.committedMessages == 0)
    #expect(await round.answeredCount == 8)
    await store.openGate()
    #expect(try await first.value == .accepted)
    for task in others { #expect(try await task.value == .accepted) }
    #expect(acknowledged.value == 8)
    #expect(await store.committedMessages == 8)
    // One write for the first reply, one for the other seven (with or without the close).
    #expect(await store.messagesPerAppend.filter { $0 > 0 } == [1, 7])
    #expect(await round.phase == 2)
    await sqlite.close()
  }
}
