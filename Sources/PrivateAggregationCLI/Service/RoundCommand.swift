import AggregationService
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PrivateAggregation

/// `private-aggregation round create|list|result`: the operator's calls.
struct RoundCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "round",
    abstract: "Create rounds on a server, list them and read their results (the operator).",
    subcommands: [Create.self, List.self, Result.self]
  )

  /// The operator's connection: the server and the token file.
  struct OperatorOptions: ParsableArguments {
    @OptionGroup var connection: ServerConnectionOptions

    @Option(help: "The file with the operator's token (serve writes it).")
    var operatorTokenFile = OperatorToken.defaultPath

    /// Runs `body` with an operator client on its own connection.
    func withOperator<Value: Sendable>(
      _ body: @Sendable (OperatorClient<HTTP2ClientTransport.Posix>) async throws -> Value
    ) async throws -> Value {
      let token = try OperatorToken.read(from: operatorTokenFile)
      let policy = connection.retryPolicy
      return try await withGRPCClient(transport: try connection.clientTransport()) {
        grpc in
        try await body(OperatorClient(wrapping: grpc, operatorToken: token, retry: policy))
      }
    }
  }

  /// `round create`.
  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create a round; write its clients' credentials (one per line, mode 0600).")

    @OptionGroup var operatorOptions: OperatorOptions
    @OptionGroup var round: RoundOptions

    @Option(help: "Expected fraction of clients that drop out (sizes the threshold).")
    var expectedDropout = 0.05

    @Option(help: "Where to write the credentials: a new file, one client token per line.")
    var credentialsOut: String

    @Option(
      help: ArgumentHelp(
        "Active mode: the directory of the clients' identity public keys (identity create).",
        discussion:
          "The round then runs with signatures and the consistency check; the server checks "
          + "every signature against this directory only, never against a key a message carries."
      ))
    var identityKeys: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
      guard !FileManager.default.fileExists(atPath: credentialsOut) else {
        throw ValidationError("--credentials-out \(credentialsOut): the file exists already")
      }
      guard expectedDropout.isFinite, (0..<0.5).contains(expectedDropout) else {
        throw ValidationError("--expected-dropout \(expectedDropout): use 0 ≤ p < 0.5")
      }
    }

    func run() async throws {
      var directory: [ParticipantID: IdentityPublicKey] = [:]
      if let identityKeys {
        directory = try IdentityFiles.readDirectory(identityKeys, flag: "--identity-keys")
        try IdentityFiles.check(directory, clients: round.clients, flag: "--identity-keys")
      }
      let configuration = try round.configuration(
        expectedDropout: expectedDropout, active: identityKeys != nil)
      let id = round.roundID(prefix: "round")
      let round = self.round
      let identityDirectory = directory
      let credentials = try await operatorOptions.withOperator { client in
        try await client.createRound(
          id: id, configuration: configuration, population: round.payer,
          checkInDeadline: round.checkInDeadline.map(duration(seconds:)),
          phaseDeadline: round.phaseDeadline.map(duration(seconds:)),
          identityDirectory: identityDirectory)
      }
      try SecretFile.create(
        credentials.map { $0.token + "\n" }.joined(), at: credentialsOut,
        flag: "--credentials-out")
      if json {
        try printJSON([
          "roundID": id, "clients": credentials.count, "credentialsFile": credentialsOut,
        ])
      } else {
        print(
          "round \(id): \(credentials.count) clients; their credentials are in "
            + "\(credentialsOut) (mode 0600), one per line")
      }
    }
  }

  /// `round list`.
  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the server's rounds.")

    @OptionGroup var operatorOptions: OperatorOptions

    @Option(help: "Only this population's rounds.")
    var population: String?

    @Flag(help: "Print one JSON array.")
    var json = false

    func run() async throws {
      let population = self.population
      let reports = try await operatorOptions.withOperator { client in
        try await client.rounds(population: population)
      }
      if json {
        let objects = reports.map(RoundCommand.fields(of:))
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
      } else {
        for report in reports { print(RoundCommand.line(for: report)) }
      }
    }
  }

  /// `round result`.
  struct Result: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print a round's status and, once it finished, its release.")

    @OptionGroup var operatorOptions: OperatorOptions

    @Option(help: "The round's id.")
    var round: String

    @Option(help: "Wait up to this many seconds for the round to be over.")
    var wait = 0.0

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
      guard wait.isFinite, wait >= 0 else {
        throw ValidationError("--wait \(wait): use a number of seconds ≥ 0")
      }
    }

    func run() async throws {
      let id = round
      let until = ContinuousClock.now + duration(seconds: wait)
      let report = try await operatorOptions.withOperator { client in
        var report = try await client.report(of: id)
        while !report.status.isOver, ContinuousClock.now < until {
          report = try await client.report(of: id, wait: until - ContinuousClock.now)
        }
        return report
      }
      if json {
        var fields = RoundCommand.fields(of: report)
        fields["populationEpsilon"] = report.populationEpsilon
        if let release = report.release {
          fields["sum"] = release.sum
          fields["mean"] = release.mean
          fields["survivors"] = release.survivors
        }
        try printJSON(fields)
      } else {
        print(RoundCommand.line(for: report))
        if let release = report.release {
          print("survivors: \(release.survivors.count) (\(release.survivors))")
          print("sum: \(release.sum)")
        }
      }
    }
  }

  static func fields(of report: OperatorClient<HTTP2ClientTransport.Posix>.Report)
    -> [String: Any]
  {
    [
      "roundID": report.id, "status": report.status.rawValue, "phase": report.phase,
      "clients": report.clients, "checkedIn": report.checkedIn, "answered": report.answered,
      "failure": report.failure,
    ]
  }

  static func line(for report: OperatorClient<HTTP2ClientTransport.Posix>.Report) -> String {
    var line =
      "\(report.id): \(report.status.rawValue), phase \(report.phase), "
      + "\(report.checkedIn)/\(report.clients) checked in, \(report.answered) answered"
    if !report.failure.isEmpty { line += " (\(report.failure))" }
    return line
  }
}

extension RoundStatus {
  /// Whether a round with this status is over.
  var isOver: Bool { self == .finished || self == .refused || self == .failed }
}
