public import ArgumentParser
import Foundation
public import SecureAggregation

/// `--attack` takes the attacks' own names (``Attack/rawValue``).
extension Attack: ExpressibleByArgument {}

extension Simulate {
  /// `simulate --attack …`: runs the attack, prints the report, and fails when a mode that claims
  /// to stop the attack did not.
  func runAttack(_ attack: Attack) throws {
    let report = try attackReport(attack)
    if json {
      let data = try JSONSerialization.data(
        withJSONObject: attackFields(report), options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
    } else {
      print(attackText(report))
    }
    if Self.defenceFailed(report) { throw ExitCode.failure }
  }

  /// The attack's run, as `runAttack` reports it.
  func attackReport(_ attack: Attack) throws -> AttackReport {
    try AttackSimulation(
      configuration: makeConfiguration(), attack: attack,
      randomSource: .insecureDeterministic(seed: seed ?? 1)
    ).run()
  }

  /// A mode that claims to stop the attack let an input out, released a wrong sum, or (for a
  /// client or replay attack) released nothing.
  static func defenceFailed(_ report: AttackReport) -> Bool {
    guard report.defended else { return false }
    return report.inputRecovered || report.exact == false
      || (!report.attack.isServerAttack && !report.sumReleased)
  }

  /// The `--json` object of an attack run.
  func attackFields(_ report: AttackReport) -> [String: Any] {
    let configuration = report.configuration
    func counts(_ errors: [SecureAggregationError]) -> [String: Any] {
      var byError: [String: Int] = [:]
      for error in errors { byError["\(error)", default: 0] += 1 }
      return ["count": errors.count, "errors": byError]
    }
    return [
      "attack": report.attack.rawValue,
      "mode": configuration.securityMode.rawValue,
      "clients": configuration.clientCount,
      "graph": configuration.graph == .complete ? "complete" : "harary",
      "neighbors": configuration.degree,
      "threshold": configuration.threshold,
      "corruptedClients": configuration.corruptedClientBound,
      "corruptedNeighbors": configuration.corruptedNeighborBound,
      "defended": report.defended,
      "inputRecovered": report.inputRecovered,
      "sumReleased": report.sumReleased,
      "exact": report.exact.map { $0 as Any } ?? NSNull(),
      "refusals": counts(report.refusals),
      "serverRejections": counts(report.serverRejections),
      "victim": report.victim.map { Int($0.rawValue) as Any } ?? NSNull(),
      "attackers": report.attackers.map { Int($0.rawValue) },
      "respondersWithWrongShares": report.respondersWithWrongShares.map { Int($0.rawValue) },
      "summary": report.summary,
    ]
  }

  /// The attack report as text lines.
  func attackText(_ report: AttackReport) -> String {
    let configuration = report.configuration
    let graph =
      configuration.graph == .complete
      ? "complete graph" : "SecAgg+ Harary graph, \(configuration.degree) neighbours"
    return [
      "attack \(report.attack.rawValue) on \(configuration.clientCount) clients, \(graph), "
        + "t = \(configuration.threshold), \(configuration.securityMode.rawValue) mode, "
        + "\(configuration.corruptedNeighborBound) corrupt neighbours at most",
      report.summary,
      "defended by this mode: \(report.defended ? "yes" : "no (outside its threat model)")",
      "an honest input recovered: \(report.inputRecovered ? "YES" : "no")",
      "sum released: \(report.sumReleased ? "yes" : "no")"
        + (report.exact.map { $0 ? ", exact" : ", NOT EXACT" } ?? ""),
      "honest clients' refusals: \(report.refusals.count); server rejections: "
        + "\(report.serverRejections.count)",
    ].joined(separator: "\n")
  }
}
