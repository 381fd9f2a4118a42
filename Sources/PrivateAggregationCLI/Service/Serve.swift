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
      is in the store, and a server started again on it finishes them. Plaintext on loopback \
      only in this build.
      """
  )

  @Option(help: "HOST:PORT to listen on (loopback only; port 0: any free port).")
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

  @Option(help: "Default check-in deadline of a round, in seconds.")
  var checkInDeadline = 60.0

  @Option(help: "Default deadline of each phase, in seconds.")
  var phaseDeadline = 30.0

  @Option(help: "The longest a long-poll waits on the server, in seconds.")
  var longestWait = 10.0

  /// The parsed `--listen`, loopback checked.
  func listenAddress() throws(ValidationError) -> ServiceAddress {
    let address = try ServiceAddress(parsing: listen, flag: "--listen")
    try address.requireLoopback(flag: "--listen")
    return address
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
    _ = try storeLocation()
    guard maxClients >= 2 else { throw ValidationError("--max-clients \(maxClients): use ≥ 2") }
    guard maxMessageBytes >= 1024 else {
      throw ValidationError("--max-message-bytes \(maxMessageBytes): use ≥ 1024")
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
    limits.checkIn = duration(seconds: checkInDeadline)
    limits.phase = duration(seconds: phaseDeadline)
    limits.longestWait = duration(seconds: longestWait)
    return limits
  }

  func run() async throws {
    let address = try listenAddress()
    let location = try storeLocation()
    let logger = Logger(label: "private-aggregation") { StandardErrorLogHandler(label: $0) }
    let (token, created) = try OperatorToken.readOrCreate(at: operatorTokenFile)
    if created {
      printError("wrote a new operator token to \(operatorTokenFile) (mode 0600)")
    }
    let password = ProcessInfo.processInfo.environment["PGPASSWORD"]
    let roundStore = try await location.open(password: password)
    logger.info(
      "serving plaintext on loopback (\(address)); TLS is needed for any other address",
      metadata: ["store": "\(location)"])
    let service = RoundService(
      store: roundStore, operatorToken: token, limits: limits, logger: logger)
    let maxMessageBytes = self.maxMessageBytes
    let config = HTTP2ServerTransport.Posix.Config.defaults {
      $0.rpc.maxRequestPayloadSize = maxMessageBytes
    }
    let transport: HTTP2ServerTransport.Posix
    if address.isIPv6 {
      transport = HTTP2ServerTransport.Posix(
        address: .ipv6(host: address.host, port: address.port), transportSecurity: .plaintext,
        config: config)
    } else {
      let host = address.host.lowercased() == "localhost" ? "127.0.0.1" : address.host
      transport = HTTP2ServerTransport.Posix(
        address: .ipv4(host: host, port: address.port), transportSecurity: .plaintext,
        config: config)
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
        ],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
      try await group.run()
    } catch {
      await Self.close(roundStore)
      throw error
    }
    await Self.close(roundStore)
    logger.info("stopped")
  }
}

extension Serve {
  /// Closes the stores `StoreLocation.open` makes.
  static func close(_ store: any RoundStore) async {
    if let sqlite = store as? SQLiteRoundStore {
      await sqlite.close()
    } else if let postgres = store as? PostgresRoundStore {
      await postgres.close()
    }
  }
}

/// Where `--tls-certificate` and `--tls-key` belong: TLS for a non-loopback `--listen` comes
/// with the library's TLS transport (branch issue15-tls). Until then the flags are refused.
struct TransportSecurityOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp("PEM certificate chain for TLS (not in this build).", visibility: .hidden))
  var tlsCertificate: String?

  @Option(help: ArgumentHelp("PEM private key for TLS (not in this build).", visibility: .hidden))
  var tlsKey: String?

  func validate() throws {
    if tlsCertificate != nil || tlsKey != nil {
      throw ValidationError(
        "--tls-certificate / --tls-key: TLS is not in this build yet; serve plaintext on loopback")
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
