import AggregationService
import Foundation
import PostgresNIO
import Testing

/// The stores the store tests run against: SQLite always, PostgreSQL too when
/// `PRIVATE_AGGREGATION_TEST_POSTGRES` names a server's database
/// (`postgres://USER@HOST:PORT/DATABASE`, trust authentication; `.ci/run` starts one).
///
/// Each test gets a store of its own: a fresh SQLite file, or a fresh PostgreSQL database made
/// (and dropped afterwards) through the named one, so runs and parallel tests never meet.
enum TestStoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
  case sqlite
  case postgres

  var testDescription: String { rawValue }

  /// The server given by `PRIVATE_AGGREGATION_TEST_POSTGRES`; `nil` when unset.
  static let postgresServer: StoreLocation? = {
    guard let text = ProcessInfo.processInfo.environment["PRIVATE_AGGREGATION_TEST_POSTGRES"],
      !text.isEmpty
    else { return nil }
    return try? StoreLocation(parsing: text)
  }()

  /// Whether the PostgreSQL tests run: whenever the variable is set, so that a URL that does
  /// not parse fails them (``TestStoreError/noServer``) rather than skipping them.
  static var postgresEnabled: Bool {
    !(ProcessInfo.processInfo.environment["PRIVATE_AGGREGATION_TEST_POSTGRES"] ?? "").isEmpty
  }

  /// The kinds to parameterize store tests over.
  static var available: [TestStoreKind] { postgresEnabled ? [.sqlite, .postgres] : [.sqlite] }
}

/// One test's own store: where it lives, to open (again, as a restarted process would) and to
/// remove at the end.
struct TestStore: Sendable {
  let location: StoreLocation

  /// Makes a fresh store of `kind`, runs `body` with it, and removes it, also when `body`
  /// throws.
  static func with<Result>(
    _ kind: TestStoreKind, _ body: (TestStore) async throws -> Result
  ) async throws -> Result {
    let store = try await make(kind)
    do {
      let result = try await body(store)
      try await store.remove()
      return result
    } catch {
      try? await store.remove()
      throw error
    }
  }

  static func make(_ kind: TestStoreKind) async throws -> TestStore {
    switch kind {
    case .sqlite:
      let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("store-\(UUID().uuidString).sqlite").path
      return TestStore(location: .sqlite(path: path))
    case .postgres:
      guard case .postgres(let user, let host, let port, _) = TestStoreKind.postgresServer else {
        throw TestStoreError.noServer
      }
      let database = "pa_test_\(UUID().uuidString.lowercased().filter(\.isHexDigit))"
      try await Self.administer("CREATE DATABASE \(database)")
      return TestStore(
        location: .postgres(user: user, host: host, port: port, database: database))
    }
  }

  /// Opens the store (a new connection, as a new process would make).
  func open() async throws -> any RoundStore {
    try await location.open()
  }

  /// Opens the store as PostgreSQL, for the tests of that store alone.
  func openPostgres() async throws -> PostgresRoundStore {
    guard case .postgres(let user, let host, let port, let database) = location else {
      throw TestStoreError.noServer
    }
    return try await PostgresRoundStore.open(
      user: user, host: host, port: port, database: database)
  }

  /// Removes the file or drops the database (closing whatever still uses it).
  func remove() async throws {
    switch location {
    case .sqlite(let path):
      for suffix in ["", "-wal", "-shm"] {
        try? FileManager.default.removeItem(atPath: path + suffix)
      }
    case .postgres(_, _, _, let database):
      try await Self.administer("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
    }
  }

  /// Runs one statement outside a transaction in the server's named database.
  private static func administer(_ sql: String) async throws {
    guard case .postgres(let user, let host, let port, let database) = TestStoreKind.postgresServer
    else { throw TestStoreError.noServer }
    let client = PostgresClient(
      configuration: .init(
        host: host, port: port, username: user, password: nil, database: database, tls: .disable))
    let running = Task.immediate { await client.run() }
    defer { running.cancel() }
    try await client.query(PostgresQuery(unsafeSQL: sql))
  }
}

enum TestStoreError: Error {
  case noServer
}
