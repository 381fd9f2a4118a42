import Foundation
import Logging

/// A clock in milliseconds since 1970 (tests move their own).
typealias ServiceClock = @Sendable () -> Int64

/// The rounds a server runs, by id: each loaded from the store once (after a restart, on first
/// use or when the deadline loop starts), then kept in memory while the server lives.
actor RoundRegistry {
  private let store: any RoundStore
  private var rounds: [String: RoundActor] = [:]
  /// The service's clock for deadlines, in milliseconds since 1970.
  nonisolated let clock: ServiceClock
  /// The service's metrics, made with the registry.
  nonisolated let metrics = ServiceMetrics()
  /// Where the rounds log their phase changes.
  nonisolated let logger: Logger

  init(
    store: any RoundStore, clock: @escaping ServiceClock = RoundRegistry.wallClock,
    logger: Logger = RoundService.quietLogger
  ) {
    self.store = store
    self.clock = clock
    self.logger = logger
  }

  /// Milliseconds since 1970.
  @Sendable static func wallClock() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
  }

  /// The round `id`, loaded from the store when it is not in memory; `nil` when there is none.
  func round(_ id: String) async throws(AggregationServiceError) -> RoundActor? {
    if let round = rounds[id] { return round }
    guard let loaded = try await RoundActor.load(id, store: store, clock: clock, logger: logger)
    else {
      return nil
    }
    await loaded.attach(metrics)
    // Another call may have loaded it while this one read the store: keep the first.
    if let round = rounds[id] { return round }
    rounds[id] = loaded
    return loaded
  }

  /// Keeps a round just created.
  func add(_ round: RoundActor) async {
    rounds[round.id] = round
    metrics.roundCreated()
    await round.attach(metrics)
  }

  /// Loads every round of the store that is not over, so their deadlines run after a restart.
  /// A round that does not load (an unreadable log, say) is left out, and its calls answer
  /// the error, so it cannot stop the others.
  func loadUnfinished() async throws(AggregationServiceError) {
    for state in try await store.serviceRounds(population: nil)
    where state.status == .checkingIn || state.status == .running {
      _ = try? await round(state.record.id)
    }
  }

  /// Whether the service is stopping: long-polls then answer at once.
  private(set) var isStopping = false

  /// Marks the service stopping and wakes every long-poll, so a graceful shutdown of the
  /// transport does not wait for them.
  func stop() async {
    isStopping = true
    for round in rounds.values {
      await round.wakeAll()
    }
  }

  /// The rounds in memory that are not over.
  func active() async -> [RoundActor] {
    var result: [RoundActor] = []
    for round in rounds.values where !(await round.isOver) {
      result.append(round)
    }
    metrics.recordActiveRounds(result.count)
    return result
  }
}
