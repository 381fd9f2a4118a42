/// Where a service keeps its rounds and ledgers, as given on the command line (`--store URL`):
/// `sqlite:PATH` (the default, `sqlite:private-aggregation.db`) or
/// `postgres://USER@HOST:PORT/DATABASE`.
///
/// A PostgreSQL URL carries no password: give it through the server's environment, never on a
/// command line that `ps` shows.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
  /// An SQLite file (made if absent).
  case sqlite(path: String)
  /// A PostgreSQL database.
  case postgres(user: String, host: String, port: Int, database: String)

  /// The default: `sqlite:private-aggregation.db` in the working directory.
  public static let `default` = StoreLocation.sqlite(path: "private-aggregation.db")

  /// The location a `--store` URL names.
  ///
  /// - Throws: ``AggregationServiceError/invalidParameter(name:value:expected:)`` naming `store`
  ///   for anything else: another scheme, an empty path, a PostgreSQL URL without a user, host,
  ///   port in 1...65535 or database, or with a password or query.
  public init(parsing text: String) throws(AggregationServiceError) {
    let expected = "sqlite:PATH or postgres://USER@HOST:PORT/DATABASE"
    let shown = Self.redacted(text)
    func invalid(_ why: String) -> AggregationServiceError {
      .invalidParameter(name: "store", value: "\(shown) (\(why))", expected: expected)
    }
    if text.hasPrefix("sqlite:") {
      let path = String(text.dropFirst("sqlite:".count))
      guard !path.isEmpty else { throw invalid("no path") }
      guard !path.contains("\0") else { throw invalid("a NUL byte in the path") }
      self = .sqlite(path: path)
      return
    }
    guard text.hasPrefix("postgres://") else { throw invalid("unknown scheme") }
    let rest = text.dropFirst("postgres://".count)
    guard !rest.contains("?"), !rest.contains("#") else { throw invalid("a query or fragment") }
    guard let at = rest.firstIndex(of: "@") else { throw invalid("no user") }
    let user = String(rest[..<at])
    guard !user.isEmpty else { throw invalid("no user") }
    guard !user.contains(":") else {
      throw invalid("a password in the URL; give it through the environment")
    }
    let afterUser = rest[rest.index(after: at)...]
    guard let slash = afterUser.firstIndex(of: "/") else { throw invalid("no database") }
    let hostPort = afterUser[..<slash]
    let database = String(afterUser[afterUser.index(after: slash)...])
    guard !database.isEmpty, !database.contains("/") else { throw invalid("no database") }
    guard let colon = hostPort.lastIndex(of: ":") else { throw invalid("no port") }
    let host = String(hostPort[..<colon])
    guard !host.isEmpty else { throw invalid("no host") }
    guard let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65_535).contains(port)
    else { throw invalid("a port outside 1...65535") }
    self = .postgres(user: user, host: host, port: port, database: database)
  }

  /// `text` with any password in a `scheme://user:password@…` authority replaced by `***`, so
  /// that an error never repeats it.
  static func redacted(_ text: String) -> String {
    guard let schemeEnd = text.firstIndex(of: ":"), text[schemeEnd...].hasPrefix("://") else {
      return text
    }
    let authorityStart = text.index(schemeEnd, offsetBy: 3)
    guard let at = text[authorityStart...].firstIndex(of: "@"),
      let colon = text[authorityStart..<at].firstIndex(of: ":")
    else { return text }
    return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
  }

  /// The URL form, which ``init(parsing:)`` reads back.
  public var description: String {
    switch self {
    case .sqlite(let path): return "sqlite:\(path)"
    case .postgres(let user, let host, let port, let database):
      return "postgres://\(user)@\(host):\(port)/\(database)"
    }
  }
}
