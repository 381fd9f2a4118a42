import ArgumentParser
import Foundation
import Testing

@testable import PrivateAggregationCLI

/// `simulate`'s security options (issue 12).
@Suite struct SimulateSecurityTests {
  private func fields(_ arguments: [String]) throws -> [String: Any] {
    let command = try Simulate.parse(arguments + ["--json", "--quiet", "--seed", "5"])
    return try command.protocolFields(command.protocolRun())
  }

  // Active mode's threshold depends on the colluding clients, so the command refuses to guess.
  @Test func activeModeNeedsCorruptedClients() throws {
    do {
      _ = try Simulate.parse(["--mode", "active", "--neighbors", "8", "--clients", "24"])
      Issue.record("active mode without --corrupted-clients was accepted")
    } catch {
      #expect(Simulate.message(for: error).contains("--corrupted-clients"))
    }
    #expect(throws: (any Error).self) {
      try Simulate.parse(["--corrupted", "0.1", "--corrupted-clients", "3"])
    }
    #expect(throws: (any Error).self) {
      try Simulate.parse(["--clients", "24", "--corrupted-clients", "24"])
    }
  }

  // The issue's acceptance run: 24 clients, 8 neighbours, 2 colluders: 2t > 8 + 2, so t ≥ 6.
  @Test func activeSecAggPlusWithTwoColludersHasThresholdSix() throws {
    let result = try fields([
      "--mode", "active", "--neighbors", "8", "--clients", "24", "--corrupted-clients", "2",
      "--length", "50",
    ])
    let threshold = try #require(result["threshold"] as? Int)
    #expect(threshold >= 6)
    #expect(result["exact"] as? Bool == true)
    #expect(result["mode"] as? String == "active")
  }

  // 0 colluders may be stated explicitly: 2t > 8 gives t = 5.
  @Test func zeroColludersMayBeStated() throws {
    let result = try fields([
      "--mode", "active", "--neighbors", "8", "--clients", "24", "--corrupted-clients", "0",
      "--length", "20",
    ])
    #expect(result["threshold"] as? Int == 5)
    #expect(result["exact"] as? Bool == true)
  }
}
