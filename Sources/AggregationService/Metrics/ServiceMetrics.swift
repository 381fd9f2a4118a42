import CoreMetrics
import GRPCCore
import SecureAggregation

/// The service's metrics, through swift-metrics: whatever backend the process bootstrapped
/// (`MetricsSystem.bootstrap`, with `PrometheusMetricsFactory` for ``MetricsEndpoint``) gets
/// them; without one they cost nothing.
///
/// | Name | Kind | Dimensions | What |
/// | --- | --- | --- | --- |
/// | `aggregation_rounds_created_total` | counter | | rounds created by the operator |
/// | `aggregation_rounds_ended_total` | counter | `status`: finished, failed, refused | rounds over |
/// | `aggregation_phases_opened_total` | counter | `phase`: key-advertisement, … (``RoundPhaseName``, as logged) | phases opened |
/// | `aggregation_clients_dropped_total` | counter | | clients that missed a phase's deadline |
/// | `aggregation_submissions_deferred_total` | counter | | submissions answered `unavailable` because the service held its most message bytes |
/// | `aggregation_payload_bytes_received_total` | counter | | protocol message bytes clients submitted |
/// | `aggregation_payload_bytes_sent_total` | counter | | protocol message bytes sent to clients |
/// | `aggregation_active_rounds` | gauge | | rounds in memory not over (each deadline tick) |
/// | `aggregation_rpc_duration_seconds` | timer | `method` | each RPC's time in the service |
///
/// The handles are made when a ``RoundService`` is made, from `MetricsSystem.factory` (so
/// bootstrap the metrics system first), or from ``factoryOverride`` when a test sets it.
final class ServiceMetrics: Sendable {
  /// The factory a ``RoundService`` made in this task's scope uses instead of the global one
  /// (tests: `MetricsSystem.bootstrap` is once per process).
  @TaskLocal static var factoryOverride: (any MetricsFactory)?

  let factory: any MetricsFactory
  let roundsCreated: Counter
  let clientsDropped: Counter
  let submissionsDeferred: Counter
  let payloadBytesReceived: Counter
  let payloadBytesSent: Counter
  let activeRounds: Gauge

  /// Handles from ``factoryOverride``, or the global factory.
  init() {
    let factory = Self.factoryOverride ?? MetricsSystem.factory
    self.factory = factory
    roundsCreated = Counter(label: "aggregation_rounds_created_total", factory: factory)
    clientsDropped = Counter(label: "aggregation_clients_dropped_total", factory: factory)
    submissionsDeferred = Counter(
      label: "aggregation_submissions_deferred_total", factory: factory)
    payloadBytesReceived = Counter(
      label: "aggregation_payload_bytes_received_total", factory: factory)
    payloadBytesSent = Counter(label: "aggregation_payload_bytes_sent_total", factory: factory)
    activeRounds = Gauge(label: "aggregation_active_rounds", factory: factory)
  }

  /// Counts a round the operator created.
  func roundCreated() {
    roundsCreated.increment()
  }

  /// Counts clients that missed a phase's deadline.
  func clientsDropped(_ count: Int) {
    guard count > 0 else { return }
    clientsDropped.increment(by: Int64(count))
  }

  /// Counts a submission deferred by back-pressure (``RoundService/Limits/maximumPendingBytes``).
  func submissionDeferred() {
    submissionsDeferred.increment()
  }

  /// Counts protocol message bytes a client submitted.
  func received(bytes: Int) {
    payloadBytesReceived.increment(by: Int64(bytes))
  }

  /// Counts protocol message bytes sent to a client.
  func sent(bytes: Int) {
    payloadBytesSent.increment(by: Int64(bytes))
  }

  /// Records how many rounds are in memory and not over.
  func recordActiveRounds(_ count: Int) {
    activeRounds.record(count)
  }

  /// Counts a round's change of status when it is over.
  func statusChanged(from old: RoundStatus, to new: RoundStatus) {
    guard old != new else { return }
    switch new {
    case .finished, .failed, .refused:
      Counter(
        label: "aggregation_rounds_ended_total", dimensions: [("status", new.rawValue)],
        factory: factory
      ).increment()
    case .checkingIn, .running:
      return
    }
  }

  /// Counts a phase that opened, under the name the log gives it (``RoundPhaseName``), so a
  /// dashboard and a script reading the log name phases alike.
  func phaseOpened(_ phase: AggregationServer.Phase) {
    Counter(
      label: "aggregation_phases_opened_total",
      dimensions: [("phase", RoundPhaseName(phase).rawValue)],
      factory: factory
    ).increment()
  }

  /// Records how long an RPC of `method` took.
  func recordDuration(of method: String, _ duration: Duration) {
    Timer(
      label: "aggregation_rpc_duration_seconds", dimensions: [("method", method)],
      factory: factory
    ).recordNanoseconds(
      duration.components.seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue
        &+ duration.components.attoseconds / 1_000_000_000)
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: Character, with replacement: Character)
    -> String
  {
    String(map { $0 == target ? replacement : $0 })
  }
}

/// Times every RPC of the service (`aggregation_rpc_duration_seconds`, by method).
struct RPCMetricsInterceptor: ServerInterceptor {
  let metrics: ServiceMetrics

  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws
      -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let clock = ContinuousClock()
    let start = clock.now
    defer { metrics.recordDuration(of: context.descriptor.method, clock.now - start) }
    return try await next(request, context)
  }
}

extension RoundActor {
  /// Gives the round the service's metrics (after it is created or loaded: a round loaded
  /// from its store counts only the changes this process makes).
  func attach(_ metrics: ServiceMetrics) {
    self.metrics = metrics
  }

  /// The live clients that have not answered the open phase: dropped if it closes now.
  func unansweredCount(of round: DurableRound) -> Int {
    round.outbox.map(\.recipient).filter {
      checkedIn.contains($0.index) && !round.answered.contains($0)
    }.count
  }
}
