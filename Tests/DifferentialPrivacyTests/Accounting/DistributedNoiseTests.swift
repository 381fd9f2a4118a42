import DifferentialPrivacy
import Foundation
import Testing

@Suite struct DistributedNoiseTests {
  @Test func discreteGaussianMatchesProposition14ByHand() throws {
    // n = 2, σ = 1: τ = 10 e^{−π²}; with Δ₂ = 3, Δ₁ = 5, d = 4 at α = 2 the first term wins:
    // (α/2)(Δ₂²/(nσ²)) + τd = 4.5 + 40 e^{−π²}.
    let mechanism = try DistributedDiscreteGaussian(
      clients: 2, localStandardDeviation: 1, l1Sensitivity: 5, l2Sensitivity: 3, dimension: 4)
    let tau = 10 * exp(-Double.pi * Double.pi)
    #expect(abs(mechanism.tau - tau) <= 1e-15)
    let rdp = try mechanism.rdp(order: 2)
    #expect(abs(rdp - (4.5 + 40 * exp(-Double.pi * Double.pi))) <= 1e-12)
    // Fractional orders use the next integer order.
    #expect(try mechanism.rdp(order: 1.5) == rdp)
  }

  @Test func oneClientIsTheDiscreteGaussian() throws {
    let mechanism = try DistributedDiscreteGaussian(
      clients: 1, localStandardDeviation: 10, l1Sensitivity: 20, l2Sensitivity: 4, dimension: 16)
    #expect(mechanism.tau == 0)
    #expect(try mechanism.rdp(order: 5) == 5.0 / 2 * (4.0 / 10) * (4.0 / 10))
  }

  @Test func discreteGaussianApproachesTheGaussianForLargeNoise() throws {
    let mechanism = try DistributedDiscreteGaussian(
      clients: 100, localStandardDeviation: 5, l1Sensitivity: 1000, l2Sensitivity: 50,
      dimension: 1024)
    let gaussian = try RDP.gaussian(
      noiseMultiplier: mechanism.centralStandardDeviation / 50, order: 8)
    let rdp = try mechanism.rdp(order: 8)
    #expect(rdp >= gaussian && rdp < gaussian * (1 + 1e-9))
  }

  @Test func skellamMatchesTheoremByHand() throws {
    // μ = 10 · 10 = 100, Δ₂ = 2, Δ₁ = 4, α = 3: 3·4/200 + min(44/40000, 12/200) = 0.0611.
    let mechanism = try DistributedSkellam(
      clients: 10, localVariance: 10, l1Sensitivity: 4, l2Sensitivity: 2)
    #expect(mechanism.centralVariance == 100)
    #expect(abs((try mechanism.rdp(order: 3)) - 0.0611) <= 1e-15)
    #expect(try mechanism.rdp(order: 2.2) == (try mechanism.rdp(order: 3)))
  }

  @Test func skellamComposesWithTheAccountantAndExceedsTheGaussian() throws {
    let skellam = try DistributedSkellam(
      clients: 50, localVariance: 400, l1Sensitivity: 3000, l2Sensitivity: 100)
    var accountant = try RDPAccountant()
    try accountant.compose(count: 10) { (order) throws(DifferentialPrivacyError) in
      try skellam.rdp(order: order)
    }
    var gaussian = try RDPAccountant()
    try gaussian.composeGaussian(
      noiseMultiplier: skellam.centralVariance.squareRoot() / 100, count: 10)
    let ours = try accountant.epsilon(delta: 1e-5).epsilon
    let reference = try gaussian.epsilon(delta: 1e-5).epsilon
    #expect(ours > reference && ours < reference * 1.05)
  }

  @Test func roundedSensitivityPadsAndTakesTheSmallerBound() throws {
    let bounds = try RoundedSensitivity(clipBound: 1, scale: 100, dimension: 1000, beta: exp(-0.5))
    #expect(bounds.paddedDimension == 1024)
    // √(100² + 1024/4 + √(2 · 0.5)(100 + 32/2)) = √10372 < 100 + 32.
    #expect(abs(bounds.l2 - 10_372.0.squareRoot()) <= 1e-9)
    #expect(abs(bounds.l1 - bounds.l2 * 32) <= 1e-9)
    let unconditional = try RoundedSensitivity(clipBound: 1, scale: 100, dimension: 1024, beta: 0)
    #expect(unconditional.l2 == 132)
    // Replace-one: two rounded contributions differ by up to twice one's bound (2·(sC + √d),
    // not 2sC + √d).
    let replace = try RoundedSensitivity(
      clipBound: 1, scale: 100, dimension: 1024, beta: 0, relation: .replaceOne)
    #expect(replace.l2 == 264)
    #expect(replace.l1 == 264 * 32)
  }

  @Test func rejectsInvalidParameters() {
    #expect(throws: DifferentialPrivacyError.self) {
      try DistributedDiscreteGaussian(
        clients: 0, localStandardDeviation: 2, l1Sensitivity: 1, l2Sensitivity: 1, dimension: 1)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try DistributedSkellam(clients: 3, localVariance: 0, l1Sensitivity: 1, l2Sensitivity: 1)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try RoundedSensitivity(clipBound: 1, scale: 1, dimension: 8, beta: 1)
    }
  }
}
