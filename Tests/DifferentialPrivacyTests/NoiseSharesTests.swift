import DifferentialPrivacy
import Testing

@Suite struct NoiseSharesTests {
  @Test func sharesCoverTheWorstReleaseAndReportTheirCost() throws {
    let shares = try NoiseShares(
      targetVariance: 100, minimumSurvivors: 60, colludingClients: 10, expectedClients: 100)
    #expect(shares.guaranteedHonestContributors == 50)
    #expect(shares.perClientVariance == 2)
    // The worst release: 60 survivors, 10 of them colluding: 50 honest shares of variance 2.
    #expect(Double(shares.guaranteedHonestContributors) * shares.perClientVariance == 100)
    #expect(shares.varianceWithoutDropouts == 200)
    #expect(shares.overheadFactor == 2)
  }

  @Test func impossibleSplitsAreTypedErrors() {
    #expect(throws: DifferentialPrivacyError.self) {
      try NoiseShares(
        targetVariance: 1, minimumSurvivors: 5, colludingClients: 5, expectedClients: 10)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try NoiseShares(targetVariance: 1, minimumSurvivors: 11, expectedClients: 10)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try NoiseShares(targetVariance: .nan, minimumSurvivors: 5, expectedClients: 10)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try NoiseShares(
        targetVariance: 1, minimumSurvivors: 5, colludingClients: -1, expectedClients: 10)
    }
  }
}
