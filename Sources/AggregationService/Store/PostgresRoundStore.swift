import Foundation
import Logging
import NIOCore
import PostgresNIO
import PrivateAggregation
import Synchronization

/// The store for replicas: one PostgreSQL database that several service processes share, each
/// operation one transaction.
///
/// Every operation runs in one `BEGIN` … `COMMIT` (postgres-nio's `withTransaction`), rolled
/// back when it fails, so a process killed at any moment leaves the database at a transaction
/// boundary. The privacy ledger is serialised by `SELECT … FOR UPDATE` on the population's row:
/// two replicas beginning rounds of one population take turns, the second sees the first's
/// charge, and a budget that pays for one round pays for one round only. A round's row is
/// locked the same way by every write to it, so a message is never logged after the round
/// finished or failed. Reads of a round and its log run in one `REPEATABLE READ` snapshot.
///
/// The schema is made at ``open(user:host:port:database:password:)`` if absent, under a
/// transaction-level advisory lock, so replicas may start together.
///
/// The noise keys of running rounds are stored in the database: grant its role and its backups
/// the care you give the server's other keys. A finished round's key is erased with its log.
public final class PostgresRoundStore: RoundStore, Sendable {
  let client: PostgresClient
  let logger: Logger
  /// Runs the client's connection pool until ``close()``.
  private let running: Task<Void, Never>
  private let closed = Mutex(false)

  private init(client: PostgresClient, logger: Logger) {
    self.client = client
    self.logger = logger
    // Started at once, on this thread, so that run() is under way before the first lease.
    self.running = Task.immediate { await client.run() }
  }

  /// Opens the store in `database` on the server at `host`:`port` as `user`, making its tables
  /// if absent.
  ///
  /// The connection is in plaintext to a loopback host (`127.0.0.1`, `::1`, `localhost`) and
  /// requires TLS, verified against the system's trust roots, to any other host.
  ///
  /// - Parameters:
  ///   - user: the role to connect as.
  ///   - host: the server's host name or address.
  ///   - port: the server's port.
  ///   - database: the database, which must exist.
  ///   - password: the role's password, when the server asks for one; never logged and never
  ///     part of an error.
  /// - Throws: ``AggregationServiceError/store(operation:reason:)`` when the server cannot be
  ///   reached or refuses, or the schema cannot be made.
  public static func open(
    user: String, host: String, port: Int = 5432, database: String, password: String? = nil
  ) async throws(AggregationServiceError) -> PostgresRoundStore {
    let operation = "open postgres://\(user)@\(host):\(port)/\(database)"
    let loopback = ["127.0.0.1", "::1", "localhost"].contains(host.lowercased())
    let logger = Logger(label: "private-aggregation.store")
    // One connection of its own first: an unreachable server or a refused login fails here at
    // once, with the server's reason, rather than after the pool's retries; it makes the schema.
    do {
      let tls: PostgresConnection.Configuration.TLS =
        loopback ? .disable : .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
      let connection = try await PostgresConnection.connect(
        configuration: .init(
          host: host, port: port, username: user, password: password, database: database,
          tls: tls),
        id: 0, logger: logger)
      do {
        try await migrate(connection, logger: logger)
        try await connection.close()
      } catch {
        try? await connection.close()
        throw error
      }
    } catch {
      throw storeError(operation, error)
    }
    let configuration = PostgresClient.Configuration(
      host: host, port: port, username: user, password: password, database: database,
      tls: loopback ? .disable : .require(.makeClientConfiguration()))
    return PostgresRoundStore(
      client: PostgresClient(configuration: configuration, backgroundLogger: logger),
      logger: logger)
  }

  /// Closes the connections; the store cannot be used afterwards.
  public func close() async {
    let first = closed.withLock { closed in
      defer { closed = true }
      return !closed
    }
    guard first else { return }
    running.cancel()
    await running.value
  }

  /// A store dropped without ``close()`` still closes its connections: every transaction has
  /// been committed or rolled back by then.
  deinit {
    running.cancel()
  }

  // MARK: Schema

  /// The advisory lock key that serialises schema creation between replicas ("PA" "schema").
  private static let schemaLock: Int64 = 0x5041_7363_6865_6D61

  /// Makes the tables that are absent, in one transaction.
  private static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
    try await connection.withTransaction(logger: logger) { connection in
      // Two replicas that run CREATE TABLE IF NOT EXISTS at once can collide in the catalog.
      try await connection.query("SELECT pg_advisory_xact_lock(\(schemaLock))", logger: logger)
      for statement in schema {
        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
      }
    }
  }

  /// The tables, as in ``SQLiteRoundStore`` (BYTEA for blobs, BIGINT for times).
  private static let schema = [
    """
    CREATE TABLE IF NOT EXISTS populations (
      name TEXT PRIMARY KEY, ledger BYTEA NOT NULL)
    """,
    """
    CREATE TABLE IF NOT EXISTS rounds (
      id TEXT PRIMARY KEY, configuration BYTEA NOT NULL, nonce BYTEA NOT NULL,
      noise_key BYTEA, status TEXT NOT NULL, population TEXT, release BYTEA, charge BYTEA)
    """,
    // A database made before rounds reserved their privacy (they were charged when they
    // began): its rounds have no `charge`, so their release charges nothing again.
    "ALTER TABLE rounds ADD COLUMN IF NOT EXISTS charge BYTEA",
    """
    CREATE TABLE IF NOT EXISTS round_events (
      round_id TEXT NOT NULL, seq BIGINT NOT NULL, kind INTEGER NOT NULL, payload BYTEA,
      PRIMARY KEY (round_id, seq))
    """,
    """
    CREATE TABLE IF NOT EXISTS service_rounds (
      id TEXT PRIMARY KEY, configuration BYTEA NOT NULL, population TEXT,
      budget DOUBLE PRECISION NOT NULL, created_ms BIGINT NOT NULL,
      check_in_deadline_ms BIGINT NOT NULL, phase_ms BIGINT NOT NULL, failure TEXT)
    """,
    """
    CREATE TABLE IF NOT EXISTS credentials (
      round_id TEXT NOT NULL, participant BIGINT NOT NULL, token_hash BYTEA NOT NULL,
      PRIMARY KEY (round_id, participant))
    """,
    """
    CREATE TABLE IF NOT EXISTS identity_keys (
      round_id TEXT NOT NULL, participant BIGINT NOT NULL, public_key BYTEA NOT NULL,
      PRIMARY KEY (round_id, participant))
    """,
    """
    CREATE TABLE IF NOT EXISTS check_ins (
      round_id TEXT NOT NULL, participant BIGINT NOT NULL, at_ms BIGINT NOT NULL,
      PRIMARY KEY (round_id, participant))
    """,
  ]

  // MARK: Transactions

  /// Runs `body` in one transaction on a leased connection: `BEGIN`, `body`, `COMMIT`, and
  /// `ROLLBACK` when `body` throws. A read-only `snapshot` sees one `REPEATABLE READ` state of
  /// the database throughout.
  func transaction<Result: Sendable>(
    _ operation: String, snapshot: Bool = false,
    _ body: (PostgresConnection) async throws -> Result
  ) async throws(AggregationServiceError) -> Result {
    do {
      return try await client.withTransaction(logger: logger) { connection in
        if snapshot {
          try await connection.query(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
        }
        return try await body(connection)
      }
    } catch {
      throw Self.storeError(operation, error)
    }
  }

  /// The rows of `query`, each checked to have `columns` cells (a row of another shape is a
  /// corrupt store, never a trap).
  func rows(
    _ query: PostgresQuery, on connection: PostgresConnection, columns: Int, what: String
  ) async throws -> [[PostgresCell]] {
    let rows = try await connection.query(query, logger: logger).collect()
    return try rows.map { row in
      let cells = Array(row)
      guard cells.count == columns else { throw AggregationServiceError.corruptStore(what: what) }
      return cells
    }
  }

  /// The service's error for `error`, thrown while doing `operation`: the store's own errors
  /// pass through; PostgreSQL's become ``AggregationServiceError/store(operation:reason:)``
  /// with its SQLSTATE and message only (never the query's bound values, nor a password).
  static func storeError(_ operation: String, _ error: any Error) -> AggregationServiceError {
    switch error {
    case let error as AggregationServiceError:
      return error
    case let error as PostgresTransactionError:
      if let inner = error.closureError ?? error.beginError ?? error.commitError {
        return storeError(operation, inner)
      }
      return .store(operation: operation, reason: "the transaction failed")
    case let error as PSQLError:
      return .store(operation: operation, reason: reason(error))
    case is CancellationError:
      return .cancelled
    default:
      return .store(operation: operation, reason: "\(type(of: error))")
    }
  }

  private static func reason(_ error: PSQLError) -> String {
    var parts = ["\(error.code)"]
    if let info = error.serverInfo {
      if let state = info[.sqlState] { parts.append("SQLSTATE \(state)") }
      if let message = info[.message] { parts.append(String(message.prefix(300))) }
    } else if let underlying = error.underlying {
      parts.append(String("\(underlying)".prefix(300)))
    }
    return parts.joined(separator: ": ")
  }
}

extension PostgresCell {
  /// The cell as `T`; a cell of another type is a corrupt store (`what`).
  func value<T: PostgresDecodable>(_: T.Type, _ what: String) throws(AggregationServiceError)
    -> T
  {
    do {
      return try decode(T.self)
    } catch {
      throw .corruptStore(what: what)
    }
  }

  /// The cell's bytes; `nil` for NULL.
  func bytes(_ what: String) throws(AggregationServiceError) -> [UInt8]? {
    try value(ByteBuffer?.self, what).map { Array($0.readableBytesView) }
  }
}
