import ArgumentParser
import Foundation
import Testing

@testable import PrivateAggregationCLI

/// `simulate --privacy …`: the fields the issue names, for a small seeded run.
@Suite struct SimulatePrivacyTests {
  private func fields(_ arguments: [String]) throws -> [String: Any] {
    let command = try Simulate.parse(
      ["--clients", "20", "--length", "10", "--seed", "3", "--json", "--quiet"] + arguments)
    let output = try command.privateOutput()
    return try #require(
      try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
  }

  @Test(arguments: ["distributed-gaussian", "skellam", "central", "local"])
  func reportsPrivacyAndError(privacy: String) throws {
    let result = try fields([
      "--privacy", privacy, "--epsilon", "4", "--delta", "1e-6", "--clip", "2", "--bits", "24",
      "--data", "gaussian",
    ])
    let epsilon = try #require(result["epsilon"] as? Double)
    #expect(epsilon <= 4 && epsilon > 3)
    #expect(result["delta"] as? Double == 1e-6)
    // PLD is the default, for central DP too (its grid is kept within what PLD accounts).
    #expect((result["accountant"] as? String)?.hasPrefix("PLD") == true)
    let mse = try #require(result["meanSquaredError"] as? Double)
    let expected = try #require(result["expectedMeanSquaredError"] as? Double)
    #expect(mse > 0 && expected > 0)
    #expect(result["exact"] as? Bool == true)
    #expect(result["length"] as? Int == 10)
    // N(0, 1)^10 has norm ≈ 3.2 > 2 (below 2 with probability ≈ 5 %): most are clipped.
    let clipped = try #require(result["clippedFraction"] as? Double)
    #expect(clipped > 0.75 && clipped <= 1)
  }

  @Test func noPrivacyHasANullEpsilonAndAStatedBound() throws {
    let result = try fields(["--privacy", "none", "--bits", "24"])
    #expect(result["epsilon"] is NSNull)
    let bound = try #require(result["quantizationErrorBound"] as? Double)
    let mse = try #require(result["meanSquaredError"] as? Double)
    let survivors = Double(try #require(result["survivors"] as? Int))
    // Each coordinate of the mean is within bound/survivors of the truth, so their mean square is
    // below (bound/survivors)².
    #expect(mse < (bound / survivors) * (bound / survivors))
  }

  @Test func centralAnalyticIsOneReleaseAndBelowRDP() throws {
    let common = ["--privacy", "central", "--epsilon", "2", "--clip", "1", "--bits", "24"]
    let rdp = try fields(common + ["--accountant", "rdp"])
    let analytic = try fields(common + ["--accountant", "analytic"])
    #expect((analytic["accountant"] as? String)?.hasPrefix("analytic Gaussian") == true)
    let zAnalytic = try #require(analytic["noiseMultiplier"] as? Double)
    let zRDP = try #require(rdp["noiseMultiplier"] as? Double)
    #expect(zAnalytic < zRDP)
  }

  @Test func usageErrors() throws {
    #expect(throws: (any Error).self) {
      try Simulate.parse(["--privacy", "central"])  // needs --epsilon or --noise-multiplier
    }
    #expect(throws: (any Error).self) {
      try Simulate.parse(["--epsilon", "1"])  // needs --privacy
    }
    #expect(throws: (any Error).self) {
      try Simulate.parse(["--privacy", "skellam", "--epsilon", "1", "--accountant", "analytic"])
    }
    #expect(throws: (any Error).self) {
      try Simulate.parse(["--privacy", "none", "--modulus", "1000003"])
    }
  }
}
