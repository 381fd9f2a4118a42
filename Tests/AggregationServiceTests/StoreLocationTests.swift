import AggregationService
import Testing

/// `--store` URLs: the two forms the issue names parse and print back; everything else is
/// refused with the parameter named.
@Suite struct StoreLocationTests {
  @Test(arguments: [
    ("sqlite:private-aggregation.db", StoreLocation.sqlite(path: "private-aggregation.db")),
    ("sqlite:/var/lib/pa/rounds.sqlite", .sqlite(path: "/var/lib/pa/rounds.sqlite")),
    (
      "postgres://aggregator@127.0.0.1:55432/private_aggregation",
      .postgres(user: "aggregator", host: "127.0.0.1", port: 55432, database: "private_aggregation")
    ),
    (
      "postgres://u@db.example:5432/d",
      .postgres(user: "u", host: "db.example", port: 5432, database: "d")
    ),
  ])
  func validURLsParseAndPrintBack(text: String, location: StoreLocation) throws {
    #expect(try StoreLocation(parsing: text) == location)
    #expect(location.description == text)
  }

  @Test(arguments: [
    "", "sqlite:", "mysql://u@h:1/d", "postgres://h:5432/d", "postgres://@h:5432/d",
    "postgres://u:secret@h:5432/d", "postgres://u@h/d", "postgres://u@h:0/d",
    "postgres://u@h:70000/d",
    "postgres://u@h:5432/", "postgres://u@h:5432", "postgres://u@:5432/d",
    "postgres://u@h:5432/d?ssl=1",
    "postgres://u@h:port/d",
  ])
  func otherTextIsRefused(text: String) {
    #expect {
      _ = try StoreLocation(parsing: text)
    } throws: { error in
      guard case .invalidParameter(let name, _, let expected) = error as? AggregationServiceError
      else { return false }
      return name == "store" && expected.contains("sqlite:PATH")
    }
  }

  /// A password never appears in an error message.
  @Test func aPasswordIsNotEchoedAsAPassword() {
    #expect {
      _ = try StoreLocation(parsing: "postgres://u:hunter2@h:5432/d")
    } throws: { error in
      "\(error)".contains("give it through the environment") && !"\(error)".contains("hunter2")
    }
    #expect(StoreLocation.default == .sqlite(path: "private-aggregation.db"))
  }
}
