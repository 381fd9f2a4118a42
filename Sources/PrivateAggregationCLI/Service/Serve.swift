import AggregationService
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle
import UnixSignals

/// `private-aggregation serve`: the aggregation service over gRPC, on a store.
struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve rounds over gRPC, their state and privacy ledgers kept in a store.",
    discussion: """
      Prints `listening on HOST:PORT` on stdout when ready, and one line `round ROUND phase \
      PHASE` per phase change on stderr. Stops gracefully on SIGTERM or SIGINT: every round \
      is in the store, and a server started again on it finishes them. TLS (or mutual TLS) \
      with --tls-certificate and --tls-key; plaintext on loopback only.
      """
  )

  @Option(help: "HOST:PORT to listen on (port 0: any free port; plaintext on loopback only).")
  var listen = "127.0.0.1:7070"

  @Option(
    help:
      "Where rounds and ledgers live: sqlite:PATH or postgres://USER@HOST:PORT/DB (password from PGPASSWORD)."
  )
  var store = StoreLocation.default.description

  @Option(
    help:
      "The file with the operator's token; made (32 random bytes, hex, mode 0600) when absent.")
  var operatorTokenFile = OperatorToken.defaultPath

  @OptionGroup var transportSecurity: TransportSecurityOptions

  @Option(help: "The most clients a round may have.")
  var maxClients = RoundService.Limits().maximumClients

  @Option(help: "The largest request a client may send, in bytes.")
  var maxMessageBytes = 64 * 1024 * 1024

  @Option(
    help: """
      The most bytes of client messages held at once; past it a submission is answered \
      'unavailable' and retried after the client's back-off (back-pressure).
      """)
  var maxPendingBytes = RoundService.Limits().maximumPendingBytes

  @Option(help: "Default check-in deadline of a round, in seconds.")
  var checkInDeadline = 60.0

  @Option(help: "Default deadline of each phase, in seconds.")
  var phaseDeadline = 30.0

  @Option(help: "The longest a long-poll waits on the server, in seconds.")
  var longestWait = 10.0

  @Option(help: "HOST:PORT to serve Prometheus metrics (GET /metrics) and GET /health on.")
  var metrics: String?

  /// The parsed `--listen`; plaintext only on loopback.
  func listenAddress() throws(ValidationError) -> ServiceEndpoint {
    let address = try endpoint(parsing: listen, flag: "--listen")
    if transportSecurity.security == .plaintext {
      try requirePlaintextOnLoopback(
        address, flag: "--listen", tlsFlags: "--tls-certificate and --tls-key")
    }
    return address
  }

  /// The parsed `--metrics`, if given.
  func metricsAddress() throws(ValidationError) -> ServiceEndpoint? {
    try metrics.map { text throws(ValidationError) in
      try endpoint(parsing: text, flag: "--metrics")
    }
  }

  /// The parsed `--store`.
  func storeLocation() throws(ValidationError) -> StoreLocation {
    do {
      return try StoreLocation(parsing: store)
    } catch {
      throw ValidationError("--store: \(error)")
    }
  }

  func validate() throws {
    try transportSecurity.validate()
    _ = try listenAddress()
    _ = try metricsAddress()
    _ = try storeLocation()
    guard maxClients >= 2 else { throw ValidationError("--max-clients \(maxClients): use ≥ 2") }
    guard maxMessageBytes >= 1024 else {
      throw ValidationError("--max-message-bytes \(maxMessageBytes): use ≥ 1024")
    }
    guard maxPendingBytes >= 1024 else {
      throw ValidationError("--max-pending-bytes \(maxPendingBytes): use ≥ 1024")
    }
    for (flag, value) in [
      ("--check-in-deadline", checkInDeadline), ("--phase-deadline", phaseDeadline),
      ("--longest-wait", longestWait),
    ] where !(value.isFinite && value > 0 && value <= 86_400) {
      throw ValidationError("\(flag) \(value): use seconds in (0, 86400]")
    }
  }

  /// The service's limits from the flags.
  var limits: RoundService.Limits {
    var limits = RoundService.Limits()
    limits.maximumClients = maxClients
    limits.maximumPendingBytes = maxPendingBytes
    limits.checkIn = duration(seconds: checkInDeadline)
    limits.phase = duration(seconds: phaseDeadline)
    limits.longestWait = duration(seconds: longestWait)
    return limits
  }

  func run() async throws {
    ProcessMemory.reuseLargeBuffers()
    let address = try listenAddress()
    let location = try storeLocation()
    let logger = Logger(label: "private-aggregation") { StandardErrorLogHandler(label: $0) }
    let (token, created) = try OperatorToken.readOrCreate(at: operatorTokenFile)
    if created {
      printError("wrote a new operator token to \(operatorTokenFile) (mode 0600)")
    }
    let password = ProcessInfo.processInfo.environment["PGPASSWORD"]
    let roundStore = try await location.open(password: password)
    let security = transportSecurity.security
    let metricsAddress = try self.metricsAddress()
    // Metrics go to Prometheus when asked for; the bootstrap comes before the service that
    // makes the metric handles.
    let metricsEndpoint = metricsAddress.map {
      MetricsEndpoint.bootstrappingPrometheus(endpoint: $0, health: { true })
    }
    let service = RoundService(
      store: roundStore, operatorToken: token, limits: limits, logger: logger)
    let maxMessageBytes = self.maxMessageBytes
    let transport = try ServiceTransport.makeServer(
      listeningOn: address, security: security,
      config: .defaults { $0.rpc.maxRequestPayloadSize = maxMessageBytes })
    if security == .plaintext {
      logger.info("serving plaintext on loopback (\(address))", metadata: ["store": "\(location)"])
    } else {
      logger.info("serving \(security) on \(address)", metadata: ["store": "\(location)"])
    }
    let server = GRPCServer(transport: transport, services: [service])
    // Graceful shutdown runs in reverse order: the deadline loop stops first (ending the
    // long-polls), then the server drains; the other order can trap in NIO.
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: [
          .init(
            service: ServerService(server: server, transport: transport),
            successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup),
          .init(
            service: DeadlineService(service: service),
            successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup),
        ] + metricsServices(metricsEndpoint, logger: logger),
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
      try await group.run()
    } catch {
      await roundStore.close()
      throw error
    }
    await roundStore.close()
    logger.info("stopped")
  }
}

/// `--tls-certificate`, `--tls-key` and `--tls-client-ca`: TLS (or mutual TLS) for `serve`.
struct TransportSecurityOptions: ParsableArguments {
  @Option(help: "PEM certificate chain for TLS (with --tls-key); needed off loopback.")
  var tlsCertificate: String?

  @Option(help: "PEM private key of --tls-certificate.")
  var tlsKey: String?

  @Option(help: "PEM certificate authority whose client certificates are required (mutual TLS).")
  var tlsClientCa: String?

  /// The server's security from the flags.
  var security: ServerSecurity {
    guard let tlsCertificate, let tlsKey else { return .plaintext }
    return .tls(
      certificateChainPath: tlsCertificate, privateKeyPath: tlsKey,
      clientCertificateAuthorityPath: tlsClientCa)
  }

  func validate() throws {
    guard (tlsCertificate == nil) == (tlsKey == nil) else {
      throw ValidationError("--tls-certificate and --tls-key: give both or neither")
    }
    if tlsClientCa != nil, tlsCertificate == nil {
      throw ValidationError("--tls-client-ca needs --tls-certificate and --tls-key")
    }
  }
}

/// The metrics endpoint as a service of the group, when `--metrics` asked for one.
func metricsServices(_ endpoint: MetricsEndpoint?, logger: Logger) -> [ServiceGroupConfiguration
  .ServiceConfiguration]
{
  guard let endpoint else { return [] }
  return [
    .init(
      service: MetricsService(endpoint: endpoint, logger: logger),
      successTerminationBehavior: .gracefullyShutdownGroup,
      failureTerminationBehavior: .gracefullyShutdownGroup)
  ]
}

/// `MetricsEndpoint` until the group shuts down.
struct MetricsService: Service {
  let endpoint: MetricsEndpoint
  let logger: Logger

  func run() async throws {
    let logger = self.logger
    try await cancelWhenGracefulShutdown {
      try await endpoint.run { bound in
        logger.info("metrics on http://\(bound)/metrics")
      }
    }
  }
}

/// The gRPC server as a service: prints `listening on HOST:PORT` once bound, and drains its
/// calls on a graceful shutdown.
struct ServerService: Service {
  let server: GRPCServer<HTTP2ServerTransport.Posix>
  let transport: HTTP2ServerTransport.Posix

  func run() async throws {
    try await withGracefulShutdownHandler {
      try await withThrowingDiscardingTaskGroup { group in
        group.addTask { try await server.serve() }
        let bound = try await transport.listeningAddress
        let text: String
        if let ipv4 = bound.ipv4 {
          text = "\(ipv4.host):\(ipv4.port)"
        } else if let ipv6 = bound.ipv6 {
          text = "[\(ipv6.host)]:\(ipv6.port)"
        } else {
          text = "\(bound)"
        }
        // Unbuffered, so that a script reading the pipe sees it at once.
        FileHandle.standardOutput.write(Data("listening on \(text)\n".utf8))
      }
    } onGracefulShutdown: {
      server.beginGracefulShutdown()
    }
  }
}

/// `RoundService.run()` as a service: cancelled on a graceful shutdown.
struct DeadlineService: Service {
  let service: RoundService

  func run() async throws {
    try await cancelWhenGracefulShutdown {
      try await service.run()
    }
  }
}

/// Log lines on standard error: `TIME LEVEL MESSAGE key=value …`, one write per line.
struct StandardErrorLogHandler: LogHandler {
  let label: String
  var logLevel: Logger.Level = .info
  var metadata: Logger.Metadata = [:]

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var line = "\(Self.timestamp()) \(event.level) \(event.message)"
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    for key in merged.keys.sorted() {
      if let value = merged[key] { line += " \(key)=\(value)" }
    }
    printError(line)
  }

  private static func timestamp() -> String {
    Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
  }
}
