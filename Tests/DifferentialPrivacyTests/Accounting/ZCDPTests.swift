import DifferentialPrivacy
import Foundation
import Testing

@Suite struct ZCDPTests {
  @Test func gaussianRhoAndComposition() throws {
    let one = try ZCDP.gaussian(sensitivity: 2, standardDeviation: 4)
    #expect(one.rho == 0.125)
    #expect(try one.composed(count: 8).rho == 1)
    #expect(one.composed(with: one).rho == 0.25)
    #expect(try one.rdp(order: 3) == 0.375)
  }

  @Test func conversionsAreOrderedFromExactToBound() throws {
    for rho in [0.01, 0.5, 3.0] {
      let zcdp = try ZCDP(rho: rho)
      let exact = try zcdp.exactGaussianEpsilon(delta: 1e-5)
      let tight = try zcdp.epsilon(delta: 1e-5).epsilon
      let bound = try zcdp.epsilonBound(delta: 1e-5)
      #expect(exact <= tight && tight < bound)
    }
  }

  @Test func exactGaussianMatchesTheAnalyticReference() throws {
    // σ = 1, Δ = 1 is ρ = 1/2; the analytic Gaussian reference at δ = 1e-5 is ε = 4.377178.
    let epsilon = try ZCDP(rho: 0.5).exactGaussianEpsilon(delta: 1e-5)
    #expect(abs(epsilon - 4.377178) / 4.377178 < 1e-5)
  }

  @Test func tightConversionBeatsTheAccountantsGrid() throws {
    // The continuous minimisation over α can only improve on the grid's minimum, and not by much.
    let zcdp = try ZCDP(rho: 0.2)
    var accountant = try RDPAccountant()
    try accountant.compose { (order) throws(DifferentialPrivacyError) in
      try zcdp.rdp(order: order)
    }
    let grid = try accountant.epsilon(delta: 1e-6).epsilon
    let tight = try zcdp.epsilon(delta: 1e-6)
    #expect(tight.epsilon <= grid + 1e-12)
    #expect(tight.epsilon > grid * 0.99)
    #expect((tight.order ?? 0) > 1)
  }

  @Test func rejectsInvalidParameters() {
    #expect(throws: DifferentialPrivacyError.self) { try ZCDP(rho: -1) }
    #expect(throws: DifferentialPrivacyError.self) { try ZCDP(rho: 1).epsilon(delta: 0) }
  }
}
