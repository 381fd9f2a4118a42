import ArgumentParser
import Foundation
import Testing

@testable import PrivateAggregationCLI

/// `tradeoff`: a small configuration of task mean, end to end. It tests the sweep (runs, CSV,
/// tables, plots, reproducibility), so it calibrates by RDP, which is fast in a debug build;
/// PLD calibration has its own tests (`PLDCalibrationTests`, `PrivacyCommandTests`).
@Suite struct TradeoffTests {
  static let arguments = [
    "--task", "mean", "--clients", "100", "--dimension", "32", "--clip", "1",
    "--epsilons", "0.5", "2", "8", "--bits", "14", "16", "--repeats", "3", "--seed", "11",
    "--accountant", "rdp", "--quiet",
  ]

  func runSweep(into directory: URL) throws -> [[String: String]] {
    var command = try Tradeoff.parse(Self.arguments + ["--out", directory.path])
    try command.validate()
    try command.run()
    let csv = try String(
      contentsOf: directory.appendingPathComponent("tradeoff-mean.csv"), encoding: .utf8)
    let lines = csv.split(separator: "\n").map(String.init)
    let header = try #require(lines.first).split(separator: ",").map(String.init)
    return lines.dropFirst().map { line in
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      return Dictionary(uniqueKeysWithValues: zip(header, fields))
    }
  }

  @Test func csvHasTheColumnsAndMSEFallsAsEpsilonGrows() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("tradeoff-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let rows = try runSweep(into: directory)
    for column in [
      "task", "mechanism", "bits", "epsilon", "delta", "clients", "dimension", "seed", "mse",
      "expected_mse", "epsilon_spent", "epsilon_without_amplification",
    ] {
      #expect(rows.first?[column] != nil, "column \(column)")
    }
    // central, central-analytic, local at 32 bits; two mechanisms at 14 and 16 bits: 7 series,
    // 3 ε, 3 seeds.
    #expect(rows.count == 7 * 3 * 3)
    #expect(
      Set(rows.compactMap { $0["mechanism"] }) == [
        "central", "central-analytic", "distributed-gaussian", "skellam", "local",
      ])
    #expect(rows.allSatisfy { $0["task"] == "mean" && $0["clients"] == "100" })
    #expect(rows.allSatisfy { $0["dimension"] == "32" && $0["delta"] == "1e-05" })
    #expect(Set(rows.compactMap { $0["seed"] }) == ["11", "12", "13"])
    var means: [String: [Double: Double]] = [:]
    for row in rows {
      let series = "\(row["mechanism"] ?? "") \(row["bits"] ?? "")"
      let epsilon = try #require(Double(row["epsilon"] ?? ""))
      let mse = try #require(Double(row["mse"] ?? ""))
      #expect(mse > 0 && mse.isFinite)
      means[series, default: [:]][epsilon, default: 0] += mse / 3
    }
    #expect(means.count == 7)
    for (series, byEpsilon) in means {
      let ordered = [0.5, 2, 8].map { byEpsilon[$0] ?? .nan }
      #expect(ordered[0] > ordered[1] && ordered[1] > ordered[2], "\(series): \(ordered)")
    }
    // The table and both plots are written and readable on their own.
    let table = try String(
      contentsOf: directory.appendingPathComponent("tradeoff-mean.md"), encoding: .utf8)
    #expect(table.contains("| distributed-gaussian, 16 bits |"))
    #expect(table.contains("Expected MSE ÷ central-analytic's expected MSE"))
    #expect(
      table.contains("Measured MSE ÷ central-analytic's measured MSE at the same ε, ± 95% CI"))
    for plot in ["tradeoff-mean-mse.svg", "tradeoff-mean-ratio.svg"] {
      let svg = try String(contentsOf: directory.appendingPathComponent(plot), encoding: .utf8)
      #expect(svg.hasPrefix("<svg") && svg.contains("</svg>"))
      #expect(svg.contains("skellam, 14 bits") && svg.contains("<polyline"))
    }
  }

  @Test func theSameSeedGivesTheSameRuns() throws {
    let base = FileManager.default.temporaryDirectory
      .appendingPathComponent("tradeoff-repeat-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    let first = try runSweep(into: base.appendingPathComponent("a"))
    let second = try runSweep(into: base.appendingPathComponent("b"))
    #expect(first == second)
  }

  @Test func badOptionsAreUsageErrors() throws {
    for arguments in [
      ["--repeats", "1"], ["--epsilons", "0"], ["--bits", "70"], ["--clients", "1"],
      ["--task", "digits", "--mechanisms", "central-analytic"], ["--delta", "1"],
    ] {
      #expect(throws: (any Error).self, "\(arguments)") {
        var command = try Tradeoff.parse(arguments)
        try command.validate()
      }
    }
  }
}
