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

/// `simulate --attack …` (issue 12, part 6).
@Suite struct SimulateAttackTests {
  private func fields(_ arguments: [String]) throws -> [String: Any] {
    let command = try Simulate.parse(arguments + ["--length", "40", "--json", "--quiet"])
    guard let attack = command.attack else {
      Issue.record("no --attack")
      return [:]
    }
    return command.attackFields(try command.attackReport(attack))
  }

  @Test(arguments: ["equivocation", "both-shares", "bad-key", "bad-share", "replay"])
  func activeModeReportsEveryAttackDefended(_ attack: String) throws {
    let result = try fields([
      "--attack", attack, "--mode", "active", "--neighbors", "8", "--clients", "24",
      "--corrupted-clients", "2",
    ])
    #expect(result["attack"] as? String == attack)
    #expect(result["defended"] as? Bool == true)
    #expect(result["inputRecovered"] as? Bool == false)
    #expect(result["threshold"] as? Int == 6)
    let refusals = try #require(result["refusals"] as? [String: Any])
    let refusalCount = try #require(refusals["count"] as? Int)
    if ["bad-key", "bad-share", "replay"].contains(attack) {
      #expect(result["sumReleased"] as? Bool == true)
      #expect(result["exact"] as? Bool == true)
      #expect((result["attackers"] as? [Int])?.count == (attack == "replay" ? 0 : 1))
    } else {
      // The server's lies reach honest clients, who refuse some of them; the two colluders
      // stated are the two corrupt neighbours.
      #expect(refusalCount > 0)
      #expect((result["attackers"] as? [Int])?.count == 2)
      #expect(result["victim"] is Int)
    }
  }

  // A malicious server is outside the semi-honest model: the report says so, and shows it.
  @Test func semiHonestModeIsNotDefendedAgainstEquivocation() throws {
    let result = try fields([
      "--attack", "equivocation", "--neighbors", "8", "--clients", "24", "--corrupted-clients",
      "2",
    ])
    #expect(result["defended"] as? Bool == false)
    #expect(result["inputRecovered"] as? Bool == true)
    #expect((result["summary"] as? String)?.contains("outside the semi-honest model") == true)
  }

  @Test func attackAndPrivacyExcludeEachOther() {
    #expect(throws: (any Error).self) {
      try Simulate.parse(["--attack", "replay", "--privacy", "none"])
    }
    #expect(throws: (any Error).self) { try Simulate.parse(["--attack", "sneaky"]) }
  }
}
