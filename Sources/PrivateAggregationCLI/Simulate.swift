import ArgumentParser
import Foundation
import PrivateAggregation
import SecureAggregation

/// `private-aggregation simulate`: one whole secure-aggregation session in memory, every message
/// crossing as encoded bytes, checked against the plaintext sum.
struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run one in-memory secure-aggregation session and check the server's sum.",
    discussion: """
      n clients each mask a random vector in Z_R^m; the server sums the masked vectors, recovers \
      the dropped clients' masks from their neighbours' Shamir shares, and releases the sum, which \
      is checked against the plaintext sum of the survivors' inputs. Every message crosses between \
      client and server as wire-format bytes, so the byte counts are what a network would carry. \
      By default: 100 clients, 100,000 elements mod 2^32, SecAgg+ with the parameter finder's \
      degree and threshold, 5% of the clients dropped before sending their masked input.
      """
  )

  enum Mode: String, ExpressibleByArgument, CaseIterable {
    case semiHonest = "semi-honest"
    case active
  }

  enum DropoutRound: String, ExpressibleByArgument, CaseIterable {
    case advertise, share
    case maskedInput = "masked-input"
    case consistency, unmasking

    var round: ProtocolRound {
      switch self {
      case .advertise: return .advertiseKeys
      case .share: return .shareKeys
      case .maskedInput: return .maskedInputCollection
      case .consistency: return .consistencyCheck
      case .unmasking: return .unmasking
      }
    }
  }

  @Option(help: "Number of clients n (2...65535).")
  var clients = 100

  @Option(help: "Vector length m per client.")
  var length = 100_000

  @Option(help: "Modulus R = 2^B (1...64); default 32.")
  var bits: Int?

  @Option(help: "Modulus R (2...2^64 − 1), instead of --bits.")
  var modulus: UInt64?

  @Option(
    help: "SecAgg+ degree k: neighbours per client, even (default: from the parameter finder).")
  var neighbors: Int?

  @Flag(help: "Use the complete graph (SecAgg) instead of SecAgg+.")
  var complete = false

  @Option(help: "Fraction of clients that drop out (0...1).")
  var dropout = 0.05

  @Option(
    help:
      "The round in which they drop: \(DropoutRound.allCases.map(\.rawValue).joined(separator: ", "))."
  )
  var dropoutRound = DropoutRound.maskedInput

  @Option(help: "Security mode: semi-honest or active.")
  var mode = Mode.semiHonest

  @Option(
    help:
      "Fraction of clients assumed to collude with the server, for the parameter finder (default 0.05; semi-honest mode)."
  )
  var corrupted: Double?

  @Option(
    help:
      "The most clients that may collude with the server (0 allowed). Required with --mode active, whose threshold depends on it (2t > k + min(this, k)); replaces --corrupted."
  )
  var corruptedClients: Int?

  @Option(help: "Shamir threshold t (default: from the finder, or the mode's default).")
  var threshold: Int?

  @Option(help: "Fewest inputs a released sum may contain (default: max(t, ⌊n/2⌋ + 1)).")
  var minimumSurvivors: Int?

  @Option(help: "Seed for a reproducible run (insecure: every key becomes predictable).")
  var seed: UInt64?

  enum DataKind: String, ExpressibleByArgument, CaseIterable {
    case gaussian, sphere
  }

  @Option(
    help:
      "Run float updates through the whole pipeline with this privacy: none, central, distributed-gaussian, skellam or local. Without it, the protocol alone on uniform vectors of Z_R."
  )
  var privacy: PrivacyMode?

  @Option(help: "With --privacy: calibrate the noise for this ε (at --delta).")
  var epsilon: Double?

  @Option(help: "With --privacy: δ (default 1e-5).")
  var delta: Double?

  @Option(help: "With --privacy: the noise multiplier z instead of --epsilon.")
  var noiseMultiplier: Double?

  @Option(help: "With --privacy: the L2 clip bound C (default 1).")
  var clip: Double?

  @Option(
    help:
      "With --privacy: the clients' vectors, gaussian (N(0, 1) coordinates, clipped) or sphere (on the sphere of radius C; default)."
  )
  var data: DataKind?

  @Option(
    help:
      "pld (privacy loss distributions, tight; the default), rdp, or with --privacy central analytic (the analytic Gaussian, one release)."
  )
  var accountant: Accountant?

  @Option(
    help:
      "Carry out an attack instead: \(Attack.allCases.map(\.rawValue).joined(separator: ", ")). The attacker corrupts as many of the victim's neighbours as the configuration states (--corrupted-clients); nobody drops out."
  )
  var attack: Attack?

  @Flag(help: "Print one JSON object instead of the report.")
  var json = false

  @Flag(help: "No progress line on stderr (it appears only for runs longer than 2 s anyway).")
  var quiet = false

  func validate() throws {
    if dropoutRound == .consistency && mode == .semiHonest {
      throw ValidationError(
        "--dropout-round consistency exists only with --mode active (semi-honest mode has no consistency round)"
      )
    }
    if complete && neighbors != nil {
      throw ValidationError("--neighbors and --complete exclude each other")
    }
    if bits != nil && modulus != nil {
      throw ValidationError("--bits and --modulus exclude each other")
    }
    guard dropout.isFinite, (0...1).contains(dropout) else {
      throw ValidationError("--dropout \(dropout) is out of range; use 0...1")
    }
    if let corrupted, !(corrupted.isFinite && (0..<1).contains(corrupted)) {
      throw ValidationError("--corrupted \(corrupted) is out of range; use 0 ≤ f < 1")
    }
    if corrupted != nil && corruptedClients != nil {
      throw ValidationError("--corrupted and --corrupted-clients exclude each other")
    }
    if let corruptedClients, !(0..<clients).contains(corruptedClients) {
      throw ValidationError(
        "--corrupted-clients \(corruptedClients) is out of range; use 0...\(clients - 1)")
    }
    if mode == .active && corruptedClients == nil {
      throw ValidationError(
        "--mode active needs --corrupted-clients N: the most clients that may collude with the "
          + "server (0 allowed), since the active threshold must satisfy 2t > k + min(N, k)")
    }
    try validatePrivacyOptions()
    if attack != nil && privacy != nil {
      throw ValidationError("--attack runs the protocol alone: drop --privacy")
    }
  }

  func run() throws {
    ProcessMemory.reuseLargeBuffers()
    if let privacy {
      try runPrivate(privacy)
      return
    }
    if let attack {
      try runAttack(attack)
      return
    }
    let report = try protocolRun()
    if json {
      try printJSON(report)
    } else {
      printReport(report)
    }
    if !(report.exact && report.survivorsAsScheduled) { throw ExitCode.failure }
  }

  /// The clients that did not send their message in the dropout round: the dropouts that
  /// happened, as the report counts them (not as `--dropout` asked).
  func dropped(_ report: RoundReport) -> Int {
    report.configuration.clientCount - (report.completed[dropoutRound.round]?.count ?? 0)
  }

  /// The protocol-only session (no `--privacy`), as `run()` reports it.
  func protocolRun() throws -> RoundReport {
    let configuration = try makeConfiguration()
    let schedule = try DropoutSchedule.random(
      clientCount: clients, fraction: dropout, round: dropoutRound.round,
      seed: seed ?? RandomSource.system.nextUInt64())
    let meter = ProgressMeter(enabled: !quiet)
    let report = try InMemoryRound(
      configuration: configuration, dropouts: schedule,
      randomSource: seed.map { .insecureDeterministic(seed: $0) } ?? .system
    ).run { meter.update($0) }
    meter.finish()
    return report
  }

  func makeConfiguration() throws -> AggregationConfiguration {
    let ring = try modulus.map { try Modulus($0) } ?? Modulus(bitWidth: bits ?? 32)
    // A stated count wins; otherwise the fraction (the finder counts ⌊γn⌋ the same way).
    let corruptedFraction =
      corruptedClients.map { Double($0) / Double(clients) } ?? corrupted ?? 0.05
    var corruptedClientBound =
      corruptedClients ?? Int((corruptedFraction * Double(clients)).rounded(.down))
    var corruptedNeighborBound: Int?
    let securityMode: AggregationConfiguration.SecurityMode =
      mode == .active ? .active : .semiHonest
    var graph = AggregationConfiguration.Graph.complete
    var threshold = self.threshold
    if !complete {
      if let neighbors {
        graph = .harary(degree: neighbors)
      } else {
        let found = try ParameterFinder.parameters(
          clientCount: clients,
          dropoutRate: ParameterFinder.dropoutRate(
            designingFor: max(dropout, 0.05), clientCount: clients),
          corruptedFraction: corruptedFraction,
          threatModel: mode == .active ? .semiMalicious : .semiHonest)
        graph = found.isComplete ? .complete : .harary(degree: found.degree)
        if threshold == nil, !found.isComplete { threshold = found.threshold }
        corruptedClientBound = found.corruptedClientCount
        if !found.isComplete { corruptedNeighborBound = found.corruptedNeighborBound }
      }
    }
    return try AggregationConfiguration(
      clientCount: clients, vectorLength: length, modulus: ring, graph: graph,
      threshold: threshold, minimumSurvivors: minimumSurvivors, securityMode: securityMode,
      corruptedClientBound: corruptedClientBound, corruptedNeighborBound: corruptedNeighborBound)
  }

  private struct JSONReport: Encodable {
    let exact: Bool
    let clients: Int
    let survivors: Int
    let length: Int
    let modulus: String
    let graph: String
    let neighbors: Int
    let threshold: Int
    let minimumSurvivors: Int
    let mode: String
    let dropout: Double
    let dropped: Int
    let dropoutRound: String
    let clientSeconds: Double
    let clientBytesSent: Double
    let serverSeconds: Double
    let serverBytesSent: Int
    let phases: [Phase]
    let abortReason: String?

    struct Phase: Encodable {
      let round: String
      let clientMeanSeconds: Double
      let clientMaxSeconds: Double
      let serverSeconds: Double
    }
  }

  private func printJSON(_ report: RoundReport) throws {
    let data = try JSONSerialization.data(
      withJSONObject: try protocolFields(report), options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  }

  /// The protocol report's fields, as the `--json` object has them.
  func protocolFields(_ report: RoundReport) throws -> [String: Any] {
    let configuration = report.configuration
    let value = JSONReport(
      exact: report.exact && report.survivorsAsScheduled, clients: configuration.clientCount,
      survivors: report.survivors.count,
      length: configuration.vectorLength, modulus: "\(configuration.modulus)",
      graph: configuration.graph == .complete ? "complete" : "harary",
      neighbors: configuration.degree, threshold: configuration.threshold,
      minimumSurvivors: configuration.minimumSurvivors, mode: configuration.securityMode.rawValue,
      dropout: dropout, dropped: dropped(report), dropoutRound: dropoutRound.rawValue,
      clientSeconds: report.clientSeconds,
      clientBytesSent: report.clientBytesSent, serverSeconds: report.serverSeconds,
      serverBytesSent: report.serverBytesSent,
      phases: report.phases.map {
        JSONReport.Phase(
          round: $0.round.name, clientMeanSeconds: $0.clientMeanSeconds,
          clientMaxSeconds: $0.clientMaxSeconds, serverSeconds: $0.serverSeconds)
      }, abortReason: report.abortReason.map { "\($0)" })
    let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value))
    var fields = object as? [String: Any] ?? [:]
    if value.abortReason == nil { fields["abortReason"] = NSNull() }
    return fields
  }

  func printReport(_ report: RoundReport) {
    print(protocolText(report))
  }

  /// The protocol report as text lines.
  func protocolText(_ report: RoundReport) -> String {
    var lines: [String] = []
    func print(_ line: String) { lines.append(line) }
    let configuration = report.configuration
    let graph =
      configuration.graph == .complete
      ? "complete graph" : "SecAgg+ Harary graph, \(configuration.degree) neighbours"
    print(
      "\(configuration.clientCount) clients × \(configuration.vectorLength) elements mod "
        + "\(configuration.modulus), \(graph), t = \(configuration.threshold), "
        + "\(configuration.securityMode.rawValue) mode")
    print(
      "dropped: \(dropped(report)) in the \(dropoutRound.rawValue) round; "
        + "survivors in the sum: \(report.survivors.count) "
        + "(at least \(configuration.minimumSurvivors) required)")
    for phase in report.phases {
      print(
        "  \(phase.round.name.padding(toLength: 13, withPad: " ", startingAt: 0)) client mean "
          + "\(milliseconds(phase.clientMeanSeconds)) ms, max \(milliseconds(phase.clientMaxSeconds)) ms; "
          + "server \(milliseconds(phase.serverSeconds)) ms")
    }
    print(
      "client: \(milliseconds(report.clientSeconds)) ms and \(Int(report.clientBytesSent)) bytes sent "
        + "on average; server: \(milliseconds(report.serverSeconds)) ms, "
        + "\(report.serverBytesSent) bytes sent")
    if let reason = report.abortReason {
      print("the server aborted: \(reason)")
    } else {
      switch (report.exact, report.survivorsAsScheduled) {
      case (true, true): print("sum matches the plaintext sum: yes")
      case (false, _): print("sum matches the plaintext sum: NO")
      case (true, false):
        print(
          "sum matches the plaintext sum: NO (it matches the inputs the server took, but "
            + "the survivors are not the clients the dropout schedule kept: a client that "
            + "followed the protocol was left out)")
      }
    }
    return lines.joined(separator: "\n")
  }

  private func milliseconds(_ seconds: Double) -> String {
    String(format: "%.1f", seconds * 1000)
  }
}
