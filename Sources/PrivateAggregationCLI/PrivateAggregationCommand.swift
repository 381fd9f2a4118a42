import ArgumentParser
import PrivateAggregation

/// The `private-aggregation` command: secure aggregation with differential privacy, from the
/// shell.
@main
struct PrivateAggregationCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "private-aggregation",
    abstract: "Secure aggregation with differential privacy: a server learns only a noised sum.",
    version: PrivateAggregationLibrary.version,
    subcommands: [
      Simulate.self, Epsilon.self, Calibrate.self, Tradeoff.self, Serve.self, RoundCommand.self,
      Contribute.self, LoadTest.self, IdentityCommand.self, Version.self,
    ]
  )
}

/// `private-aggregation version`: prints the library version.
struct Version: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print the library version.")

  func run() {
    print("private-aggregation \(PrivateAggregationLibrary.version)")
  }
}
