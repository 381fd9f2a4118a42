public import GRPCCore
public import Logging

/// The aggregation service: the gRPC API of `Protos/aggregation_service.proto` over a
/// ``RoundStore``. Register it with a `GRPCServer`, and run ``run()`` beside the server: it
/// closes check-ins and phases when their deadlines pass.
///
/// ```swift
/// let service = RoundService(store: store, operatorToken: operatorToken)
/// let server = GRPCServer(transport: transport, services: [service])
/// try await withThrowingDiscardingTaskGroup { group in
///   group.addTask { try await server.serve() }
///   group.addTask { try await service.run() }
/// }
/// ```
///
/// An operator (who holds the operator token given here) creates rounds and gets per-client
/// credentials; each client checks in, long-polls its next protocol message and submits its
/// reply, with its own credential. Every change is committed to the store before the call
/// returns, so a server rebuilt on the same store after a crash finishes its rounds with the
/// clients retrying. Transport security (TLS) is the transport's: make it with
/// ``ServiceTransport/makeServer(listeningOn:security:config:)``, which refuses plaintext off
/// loopback.
///
/// Each phase change of a round is logged as one line, `round ROUND phase PHASE`
/// (``RoundPhaseName``), with the clients that answered and were dropped as metadata; the
/// message itself stays as it is so that scripts can wait for it. Without a `logger`, the
/// service logs nothing.
public final class RoundService: RegistrableRPCService {
  /// The service's limits and defaults.
  public struct Limits: Sendable {
    /// The check-in deadline of a round created without one.
    public var checkIn: Duration = .seconds(60)
    /// The phase deadline of a round created without one.
    public var phase: Duration = .seconds(30)
    /// The longest a long-poll (Next, GetResult) waits before answering `pending`.
    public var longestWait: Duration = .seconds(30)
    /// How often deadlines are checked.
    public var tick: Duration = .milliseconds(100)
    /// The most clients a round may have.
    public var maximumClients = 10_000
    /// The most bytes of client messages the service holds at once (decoding, staged, or
    /// waiting for their commit): a submission past it is answered `unavailable` and retried
    /// by the client after its back-off. 256 MiB by default: 640 masked inputs of 10⁵
    /// 32-bit values.
    public var maximumPendingBytes = 256 << 20

    /// The defaults.
    public init() {}
  }

  let handler: ServiceHandler

  /// A service over `store`.
  ///
  /// - Parameters:
  ///   - store: where rounds, credentials' hashes and ledgers live.
  ///   - operatorToken: the bearer token that may create rounds and read results (only its
  ///     hash is kept).
  ///   - limits: limits and default deadlines.
  ///   - logger: where phase changes are logged (never a token or key); by default nowhere.
  public convenience init(
    store: any RoundStore, operatorToken: String, limits: Limits = Limits(),
    logger: Logger = RoundService.quietLogger
  ) {
    self.init(
      store: store, operatorToken: operatorToken, limits: limits, clock: RoundRegistry.wallClock,
      logger: logger)
  }

  /// A service whose deadlines follow `clock` (milliseconds since 1970): tests move it.
  init(
    store: any RoundStore, operatorToken: String, limits: Limits,
    clock: @escaping @Sendable () -> Int64, logger: Logger = RoundService.quietLogger
  ) {
    handler = ServiceHandler(
      store: store, registry: RoundRegistry(store: store, clock: clock, logger: logger),
      operatorTokenHash: Credentials.hash(operatorToken), limits: limits,
      pending: PendingMessageBytes(limit: limits.maximumPendingBytes))
  }

  /// The default logger: it discards everything, so a library user sees no line unless they
  /// pass a logger of their own.
  public static let quietLogger = Logger(
    label: "private-aggregation.service", factory: { _ in SwiftLogNoOpLogHandler() })

  /// Registers the service's methods with a server's router.
  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    handler.registerMethods(with: &router)
    router.registerInterceptors(pipeline: [
      .apply(RPCMetricsInterceptor(metrics: handler.registry.metrics), to: .all)
    ])
  }

  /// Loads the store's unfinished rounds, then closes check-ins and phases as their deadlines
  /// pass, until the task is cancelled.
  ///
  /// Cancelling it also ends every long-poll at once (they answer `unavailable`, and clients
  /// retry), so a graceful shutdown of the server that follows does not wait for them. Every
  /// round is in its store already: a new service on the same store goes on from there.
  ///
  /// - Throws: ``AggregationServiceError`` when the store cannot be read at the start.
  public func run() async throws {
    try await handler.registry.loadUnfinished()
    while !Task.isCancelled {
      for round in await handler.registry.active() {
        await round.tick()
      }
      do {
        try await Task.sleep(for: handler.limits.tick)
      } catch {
        break
      }
    }
    await handler.registry.stop()
  }
}
