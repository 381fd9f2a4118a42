extension StoreLocation {
  /// Opens the store this location names: an ``SQLiteRoundStore`` for `sqlite:PATH`, a
  /// ``PostgresRoundStore`` for `postgres://USER@HOST:PORT/DATABASE`.
  ///
  /// - Parameter password: the PostgreSQL role's password, when the server asks for one (read
  ///   it from the environment, say `PGPASSWORD`, never from a command line); an SQLite store
  ///   ignores it. It is never logged and never part of an error.
  /// - Returns: the open store. Close it with its `close()` when done (an SQLite store or a
  ///   PostgreSQL store dropped without closing closes itself).
  /// - Throws: ``AggregationServiceError/store(operation:reason:)`` when the store cannot be
  ///   opened or its schema made.
  public func open(password: String? = nil) async throws(AggregationServiceError)
    -> any RoundStore
  {
    switch self {
    case .sqlite(let path):
      return try await SQLiteRoundStore.open(path: path)
    case .postgres(let user, let host, let port, let database):
      return try await PostgresRoundStore.open(
        user: user, host: host, port: port, database: database, password: password)
    }
  }
}
