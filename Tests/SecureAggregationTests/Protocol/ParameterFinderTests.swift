import AggregationCrypto
import Foundation
import Testing

@testable import SecureAggregation

@Suite struct ParameterFinderTests {
  /// One published expectation: n, γ (corrupted), δ (dropouts), model, degree k, threshold t.
  struct Expectation: Sendable, CustomTestStringConvertible {
    let clientCount: Int
    let corruptedFraction: Double
    let dropoutRate: Double
    let threatModel: ThreatModel
    let degree: Int
    let threshold: Int

    init(
      _ clientCount: Int, _ corruptedFraction: Double, _ dropoutRate: Double,
      _ threatModel: ThreatModel, _ degree: Int, _ threshold: Int
    ) {
      self.clientCount = clientCount
      self.corruptedFraction = corruptedFraction
      self.dropoutRate = dropoutRate
      self.threatModel = threatModel
      self.degree = degree
      self.threshold = threshold
    }

    var testDescription: String {
      "n=\(clientCount) γ=\(corruptedFraction) δ=\(dropoutRate) \(threatModel.rawValue)"
        + " → \(degree)/\(threshold)"
    }
  }

  // The feasible instances of fcp's HararyGraphParameterFinderTest_Feasible
  // (google-parfait/federated-compute, fcp/secagg/server/graph_parameter_finder_test.cc),
  // σ = 40, η = 20, with fcp's CURIOUS_SERVER as .semiHonest and SEMI_MALICIOUS_SERVER as
  // .semiMalicious; fcp's degree excludes the client itself, as ours does. Every semi-honest and
  // semi-malicious case is here but two (see `fcpSmallCasesWhereThresholdTwoBreaksCorrectness`);
  // the adversary class NONE has no counterpart here. fcp asserts threshold ≤ its value; we
  // assert equality.
  static let semiHonest = ThreatModel.semiHonest
  static let semiMalicious = ThreatModel.semiMalicious
  static let fcpCases: [Expectation] = [
    .init(100, 0.45, 0.45, semiHonest, 92, 46),
    .init(1000, 0.45, 0.45, semiHonest, 822, 417),
    .init(10_000, 0.45, 0.45, semiHonest, 3494, 1771),
    .init(100_000, 0.45, 0.45, semiHonest, 5508, 2788),
    .init(1_000_000, 0.45, 0.45, semiHonest, 6240, 3156),
    .init(10, 0.33, 0.33, semiHonest, 8, 4),
    .init(100, 0.33, 0.33, semiHonest, 68, 34),
    .init(1000, 0.33, 0.33, semiHonest, 286, 150),
    .init(10_000, 0.33, 0.33, semiHonest, 422, 221),
    .init(100_000, 0.33, 0.33, semiHonest, 480, 251),
    .init(1_000_000, 0.33, 0.33, semiHonest, 518, 270),
    .init(100, 0.3, 0.3, semiMalicious, 92, 62),
    .init(1000, 0.3, 0.3, semiMalicious, 872, 584),
    .init(10_000, 0.3, 0.3, semiMalicious, 4822, 3230),
    .init(100_000, 0.3, 0.3, semiMalicious, 9388, 6286),
    .init(1_000_000, 0.3, 0.3, semiMalicious, 11136, 7454),
    .init(100, 0.05, 0.33, semiHonest, 28, 6),
    .init(1000, 0.05, 0.33, semiHonest, 72, 24),
    .init(10_000, 0.05, 0.33, semiHonest, 86, 29),
    .init(100_000, 0.05, 0.33, semiHonest, 96, 32),
    .init(1_000_000, 0.05, 0.33, semiHonest, 102, 34),
    .init(10, 0.05, 0.33, semiMalicious, 8, 5),
    .init(100, 0.05, 0.33, semiMalicious, 72, 39),
    .init(1000, 0.05, 0.33, semiMalicious, 398, 223),
    .init(10_000, 0.05, 0.33, semiMalicious, 746, 420),
    .init(100_000, 0.05, 0.33, semiMalicious, 882, 496),
    .init(1_000_000, 0.05, 0.33, semiMalicious, 970, 545),
    .init(10, 0.33, 0.05, semiHonest, 4, 4),
    .init(100, 0.33, 0.05, semiHonest, 34, 29),
    .init(1000, 0.33, 0.05, semiHonest, 78, 60),
    .init(10_000, 0.33, 0.05, semiHonest, 92, 70),
    .init(100_000, 0.33, 0.05, semiHonest, 102, 77),
    .init(1_000_000, 0.33, 0.05, semiHonest, 110, 83),
    .init(10, 0.33, 0.05, semiMalicious, 4, 4),
    .init(100, 0.33, 0.05, semiMalicious, 42, 37),
    .init(1000, 0.33, 0.05, semiMalicious, 132, 109),
    .init(10_000, 0.33, 0.05, semiMalicious, 178, 146),
    .init(100_000, 0.33, 0.05, semiMalicious, 196, 160),
    .init(1_000_000, 0.33, 0.05, semiMalicious, 212, 173),
    .init(10, 0.05, 0.05, semiHonest, 2, 2),
    .init(100, 0.05, 0.05, semiHonest, 12, 6),
    .init(1000, 0.05, 0.05, semiHonest, 30, 17),
    .init(10_000, 0.05, 0.05, semiHonest, 34, 20),
    .init(100_000, 0.05, 0.05, semiHonest, 36, 21),
    .init(1_000_000, 0.05, 0.05, semiHonest, 38, 22),
    .init(10, 0.05, 0.05, semiMalicious, 2, 2),
    .init(100, 0.05, 0.05, semiMalicious, 16, 11),
    .init(1000, 0.05, 0.05, semiMalicious, 52, 37),
    .init(10_000, 0.05, 0.05, semiMalicious, 62, 44),
    .init(100_000, 0.05, 0.05, semiMalicious, 68, 48),
    .init(1_000_000, 0.05, 0.05, semiMalicious, 74, 52),
    .init(10, 0.33, 0.0, semiHonest, 4, 4),
    .init(100, 0.33, 0.0, semiHonest, 26, 25),
    .init(1000, 0.33, 0.0, semiHonest, 38, 36),
    .init(10_000, 0.33, 0.0, semiHonest, 42, 40),
    .init(100_000, 0.33, 0.0, semiHonest, 46, 44),
    .init(1_000_000, 0.33, 0.0, semiHonest, 50, 47),
    .init(10, 0.33, 0.0, semiMalicious, 4, 4),
    .init(100, 0.33, 0.0, semiMalicious, 26, 26),
    .init(1000, 0.33, 0.0, semiMalicious, 38, 37),
    .init(10_000, 0.33, 0.0, semiMalicious, 42, 41),
    .init(100_000, 0.33, 0.0, semiMalicious, 46, 45),
    .init(1_000_000, 0.33, 0.0, semiMalicious, 50, 49),
    .init(100, 0.0, 0.33, semiHonest, 26, 2),
    .init(1000, 0.0, 0.33, semiHonest, 38, 2),
    .init(10_000, 0.0, 0.33, semiHonest, 42, 2),
    .init(100_000, 0.0, 0.33, semiHonest, 46, 2),
    .init(1_000_000, 0.0, 0.33, semiHonest, 50, 2),
    .init(10, 0.0, 0.33, semiMalicious, 8, 5),
    .init(100, 0.0, 0.33, semiMalicious, 68, 35),
    .init(1000, 0.0, 0.33, semiMalicious, 228, 115),
    .init(10_000, 0.0, 0.33, semiMalicious, 326, 164),
    .init(100_000, 0.0, 0.33, semiMalicious, 372, 187),
    .init(1_000_000, 0.0, 0.33, semiMalicious, 410, 206),
    .init(10, 0.0, 0.0, semiHonest, 2, 2),
    .init(100, 0.0, 0.0, semiHonest, 2, 2),
    .init(1000, 0.0, 0.0, semiHonest, 2, 2),
    .init(10_000, 0.0, 0.0, semiHonest, 2, 2),
    .init(100_000, 0.0, 0.0, semiHonest, 2, 2),
    .init(1_000_000, 0.0, 0.0, semiHonest, 2, 2),
    .init(10, 0.0, 0.0, semiMalicious, 2, 2),
    .init(100, 0.0, 0.0, semiMalicious, 2, 2),
    .init(1000, 0.0, 0.0, semiMalicious, 2, 2),
    .init(10_000, 0.0, 0.0, semiMalicious, 2, 2),
    .init(100_000, 0.0, 0.0, semiMalicious, 2, 2),
    .init(1_000_000, 0.0, 0.0, semiMalicious, 2, 2),
  ]

  @Test(arguments: fcpCases)
  func agreesWithFcp(_ expected: Expectation) throws {
    let found = try ParameterFinder.parameters(
      clientCount: expected.clientCount, dropoutRate: expected.dropoutRate,
      corruptedFraction: expected.corruptedFraction, threatModel: expected.threatModel)
    #expect(found.degree == expected.degree)
    #expect(found.threshold == expected.threshold)
    #expect(found.degreeIncludingSelf == expected.degree + 1)
    #expect(!found.isComplete)
  }

  // fcp lists 4/2 for n = 10, δ = 0.33, γ ∈ {0, 0.05}, semi-honest. There D = 3 of 10 clients
  // drop, and a client with k = 4 neighbours loses 3 of them with probability
  // C(3,3)·C(7,1)/C(10,4) = 1/30, so at most one neighbour is sure to survive: fcp accepts k = 4
  // because its secure range t ∈ [1, 1] is not empty, then raises t to 2 — a threshold that
  // fails 1 time in 30. We raise t to 2 before the correctness check, and so take k = 6.
  @Test(arguments: [0.0, 0.05])
  func fcpSmallCasesWhereThresholdTwoBreaksCorrectness(corruptedFraction: Double) throws {
    let found = try ParameterFinder.parameters(
      clientCount: 10, dropoutRate: 0.33, corruptedFraction: corruptedFraction,
      threatModel: .semiHonest)
    // ⌊0.05 · 10⌋ = 0 clients are corrupted either way, so no neighbourhood holds one.
    #expect(
      found
        == GraphParameters(
          clientCount: 10, degree: 6, threshold: 2, corruptedNeighborBound: 0,
          corruptedClientCount: 0))
    let dropped = Hypergeometric(population: 10, marked: 3, draws: 4)
    #expect(abs(exp(dropped.logProbability(of: 3)) - 1.0 / 30) < 1e-12)
  }

  // MARK: - An independent check of the bounds

  /// P[X ≥ x] for the hypergeometric distribution, by direct summation of exact binomials
  /// (exact in Double for the small n used here).
  private func upperTail(population: Int, marked: Int, draws: Int, from x: Int) -> Double {
    func binomial(_ n: Int, _ k: Int) -> Double {
      guard k >= 0, k <= n else { return 0 }
      var result = 1.0
      for i in 0..<min(k, n - k) { result = result * Double(n - i) / Double(i + 1) }
      return result
    }
    var sum = 0.0
    for j in max(x, 0)...max(draws, 0) {
      sum += binomial(marked, j) * binomial(population - marked, draws - j)
    }
    return sum / binomial(population, draws)
  }

  /// The smallest threshold that degree k allows under the bounds, or nil, computed naively.
  private func naiveThreshold(
    clientCount n: Int, degree k: Int, corrupted a: Int, dropped d: Int, model: ThreatModel
  ) -> Int? {
    let securityBudget = pow(2, -41.0)
    let correctnessBudget = pow(2, -20.0)
    if k < n - 1, k <= a + d {
      var gap = Double(n) * Double(n - k - 1) / 2
      for i in 0..<k { gap *= Double(a + d - i) / Double(n - i) }
      if gap >= securityBudget { return nil }
    }
    for t in 2...max(k, 2) where t <= k {
      let secureFrom = model == .semiHonest ? t : 2 * t - k
      let secure =
        Double(n) * upperTail(population: n, marked: a, draws: k, from: secureFrom)
        < securityBudget
      guard secure else { continue }
      let correct =
        Double(n) * upperTail(population: n, marked: d, draws: k, from: k - t + 1)
        < correctnessBudget
      return correct ? t : nil
    }
    return nil
  }

  // For small cohorts, the returned (k, t) meets all three bounds by direct summation, and no
  // smaller even degree does.
  @Test(arguments: [5, 12, 30, 64, 101])
  func resultsMeetTheBoundsAndAreMinimal(clientCount n: Int) throws {
    for model in ThreatModel.allCases {
      for corrupted in [0.0, 0.05, 0.2, 0.33] {
        for dropout in [0.0, 0.05, 0.2, 0.3] {
          let a = ParameterFinder.count(corrupted, of: n)
          let d = ParameterFinder.count(dropout, of: n)
          let found: GraphParameters
          do {
            found = try ParameterFinder.parameters(
              clientCount: n, dropoutRate: dropout, corruptedFraction: corrupted,
              threatModel: model)
          } catch {
            // Only when not even the complete graph works.
            #expect(
              naiveThreshold(clientCount: n, degree: n - 1, corrupted: a, dropped: d, model: model)
                == nil)
            continue
          }
          let k = found.degree
          #expect(k == n - 1 || (k % 2 == 0 && k < n - 1))
          #expect(
            naiveThreshold(clientCount: n, degree: k, corrupted: a, dropped: d, model: model)
              == found.threshold, "n=\(n) γ=\(corrupted) δ=\(dropout) \(model)")
          for smaller in stride(from: 2, to: min(k, n - 1), by: 2) {
            #expect(
              naiveThreshold(
                clientCount: n, degree: smaller, corrupted: a, dropped: d, model: model)
                == nil, "n=\(n) γ=\(corrupted) δ=\(dropout) \(model) k'=\(smaller)")
          }
        }
      }
    }
  }

  // Skipping degrees that provably fail gives the same answer as trying every even degree.
  @Test(arguments: [97, 640, 2500])
  func skippingDegreesMatchesTryingEach(clientCount n: Int) throws {
    for model in ThreatModel.allCases {
      for (corrupted, dropout) in [(0.05, 0.05), (0.3, 0.2), (0.45, 0.45), (0.2, 0.39), (0.6, 0.1)]
      {
        let search = ParameterFinder.Search(
          clientCount: n, dropoutRate: dropout, corruptedFraction: corrupted, threatModel: model,
          securityBits: 40, correctnessBits: 20)
        var expected: GraphParameters?
        for k in Array(stride(from: 2, through: n - 2, by: 2)) + [n - 1] {
          if case .accepted(let threshold, let corruptedNeighbors) = search.margin(forDegree: k) {
            expected = GraphParameters(
              clientCount: n, degree: k, threshold: threshold,
              corruptedNeighborBound: corruptedNeighbors,
              corruptedClientCount: search.corruptedCount
            )
            break
          }
        }
        let found = try? ParameterFinder.parameters(
          clientCount: n, dropoutRate: dropout, corruptedFraction: corrupted, threatModel: model)
        #expect(found == expected, "n=\(n) γ=\(corrupted) δ=\(dropout) \(model)")
      }
    }
  }

  @Test func hypergeometricTailMatchesDirectSummation() {
    for (population, marked, draws) in [(100, 33, 40), (60, 3, 59), (101, 0, 10), (50, 50, 7)] {
      let distribution = Hypergeometric(population: population, marked: marked, draws: draws)
      for x in 0...draws {
        let direct = upperTail(population: population, marked: marked, draws: draws, from: x)
        let logged = exp(distribution.logUpperTail(from: x))
        #expect(abs(logged - direct) <= 1e-12 * max(direct, 1e-300), "x=\(x)")
      }
    }
  }

  // MARK: - Monotonicity

  // More dropouts, more corruption, more bits or the semi-malicious model each shrink the set of
  // acceptable degrees, so the degree never decreases; the threshold never decreases either,
  // because the smallest secure threshold grows with the degree and with γ, and does not depend
  // on δ or η.
  @Test(arguments: [40, 300, 5000])
  func strongerRequirementsNeverGiveSmallerParameters(clientCount n: Int) throws {
    func find(
      _ dropout: Double, _ corrupted: Double, _ model: ThreatModel, _ sigma: Double = 40,
      _ eta: Double = 20
    ) throws -> GraphParameters {
      try ParameterFinder.parameters(
        clientCount: n, dropoutRate: dropout, corruptedFraction: corrupted, threatModel: model,
        securityBits: sigma, correctnessBits: eta)
    }
    func atLeast(_ larger: GraphParameters, _ smaller: GraphParameters) {
      #expect(larger.degree >= smaller.degree, "\(larger) vs \(smaller)")
      #expect(larger.threshold >= smaller.threshold, "\(larger) vs \(smaller)")
    }
    let rates = [0.0, 0.02, 0.1, 0.2, 0.25]
    for model in ThreatModel.allCases {
      for (index, rate) in rates.enumerated().dropFirst() {
        for other in [0.0, 0.1, 0.2] {
          let previous = rates[index - 1]
          atLeast(try find(rate, other, model), try find(previous, other, model))
          atLeast(try find(other, rate, model), try find(other, previous, model))
        }
      }
      atLeast(try find(0.1, 0.1, model, 60), try find(0.1, 0.1, model, 40))
      atLeast(try find(0.1, 0.1, model, 40, 30), try find(0.1, 0.1, model, 40, 20))
    }
    for dropout in rates {
      atLeast(try find(dropout, 0.1, .semiMalicious), try find(dropout, 0.1, .semiHonest))
    }
  }

  // MARK: - Beyond sparse graphs

  @Test func completeGraphWhenNoSparseDegreeFits() throws {
    // n = 20, γ = δ = 0.45: A = D = 9. No even k ≤ 18 fits; in the complete graph (k = 19) an
    // honest client sees all 9 corrupted clients (t ≥ 10) and a client keeps 19 − 9 = 10
    // surviving neighbours (t ≤ 10). fcp, which searches Harary graphs only, finds nothing here.
    let semiHonest = try ParameterFinder.parameters(
      clientCount: 20, dropoutRate: 0.45, corruptedFraction: 0.45, threatModel: .semiHonest)
    #expect(
      semiHonest
        == GraphParameters(
          clientCount: 20, degree: 19, threshold: 10, corruptedNeighborBound: 9,
          corruptedClientCount: 9))
    #expect(semiHonest.isComplete)
    // Semi-malicious, γ = δ = 0.3: A = D = 6, t ≥ ⌊(19 + 6)/2⌋ + 1 = 13 and t ≤ 19 − 6 = 13.
    let semiMalicious = try ParameterFinder.parameters(
      clientCount: 20, dropoutRate: 0.3, corruptedFraction: 0.3, threatModel: .semiMalicious)
    #expect(
      semiMalicious
        == GraphParameters(
          clientCount: 20, degree: 19, threshold: 13, corruptedNeighborBound: 6,
          corruptedClientCount: 6))
    // Three clients with no adversary and no dropouts: k = 1 is odd, so the complete graph.
    let tiny = try ParameterFinder.parameters(
      clientCount: 3, dropoutRate: 0, corruptedFraction: 0, threatModel: .semiHonest)
    #expect(
      tiny
        == GraphParameters(
          clientCount: 3, degree: 2, threshold: 2, corruptedNeighborBound: 0,
          corruptedClientCount: 0))
    #expect(tiny.isComplete)
  }

  @Test func searchRunsBeyondFcpLimits() throws {
    let found = try ParameterFinder.parameters(
      clientCount: 1000, dropoutRate: 0.33, corruptedFraction: 0.33, threatModel: .semiMalicious)
    // A = 330 corrupted; a neighbourhood of 992 can hold all of them: 2t > 992 + 330.
    #expect(
      found
        == GraphParameters(
          clientCount: 1000, degree: 992, threshold: 662, corruptedNeighborBound: 330,
          corruptedClientCount: 330))
  }

  // MARK: - Errors

  @Test func invalidInputsThrow() {
    func expectInvalid(
      _ name: String, clientCount: Int = 1000, dropout: Double = 0.1, corrupted: Double = 0.1,
      model: ThreatModel = .semiHonest, sigma: Double = 40, eta: Double = 20
    ) {
      do {
        let found = try ParameterFinder.parameters(
          clientCount: clientCount, dropoutRate: dropout, corruptedFraction: corrupted,
          threatModel: model, securityBits: sigma, correctnessBits: eta)
        Issue.record("expected an error naming \(name), found \(found)")
      } catch {
        guard case .invalidParameter(let thrownName, _, let expected) = error else {
          Issue.record("unexpected \(error)")
          return
        }
        #expect(thrownName == name)
        #expect(!expected.isEmpty)
      }
    }
    expectInvalid("clientCount", clientCount: 0)
    expectInvalid("clientCount", clientCount: -5)
    expectInvalid("clientCount", clientCount: 1_000_001)
    for bad in [-0.1, 1.0, 1.5, .nan, .infinity, -.infinity] {
      expectInvalid("dropoutRate", dropout: bad)
      expectInvalid("corruptedFraction", corrupted: bad)
    }
    for bad in [0.0, -1, 257, .nan, .infinity] {
      expectInvalid("securityBits", sigma: bad)
      expectInvalid("correctnessBits", eta: bad)
    }
    // fcp's infeasible instances: γ + δ ≥ 1 (semi-honest), γ + 2δ ≥ 1 (semi-malicious). (fcp
    // also rejects n = 1000, γ = δ = 0.33, semi-malicious, by its γ + 2δ ≤ 0.9 limit; we search
    // on and find k = 992, t = 662 — see `searchRunsBeyondFcpLimits`.)
    expectInvalid("corruptedFraction", dropout: 0.5, corrupted: 0.5)
    expectInvalid("corruptedFraction", dropout: 0.5, corrupted: 0.5, model: .semiMalicious)
    expectInvalid("corruptedFraction", dropout: 0.4, corrupted: 0.3, model: .semiMalicious)
    // Too few clients for any graph with t ≥ 2.
    expectInvalid("clientCount", clientCount: 1, dropout: 0, corrupted: 0)
    expectInvalid("clientCount", clientCount: 2, dropout: 0, corrupted: 0)
    expectInvalid("clientCount", clientCount: 5, dropout: 0.4, corrupted: 0.4)
  }

  @Test func errorMessageSaysWhatWouldFit() {
    #expect(
      throws: SecureAggregationError.invalidParameter(
        name: "dropoutRate", value: "1.0", expected: "a fraction in [0, 1)")
    ) {
      try ParameterFinder.parameters(
        clientCount: 100, dropoutRate: 1, corruptedFraction: 0, threatModel: .semiHonest)
    }
  }
}

/// The dropout rate plans design for: ⌊δn⌉ dropped clients, the count a simulation drops, not
/// fcp's ⌊δn⌋ (the finder itself keeps ⌊δn⌋).
@Suite struct DesignDropoutRateTests {
  /// Expected values from the definition: ⌊0.05 · 10⌉ = 1 (designed as 1/10), ⌊0.05 · 30⌉ = 2
  /// (2/30), and unchanged where ⌊δn⌋ already equals ⌊δn⌉ (0.05 · 100 = 5; 0.05 · 2 = 0.1 → 0),
  /// for δ = 0, and where the count would be every client.
  @Test(arguments: [
    (0.05, 10, 0.1), (0.05, 30, 2.0 / 30), (0.05, 100, 0.05), (0.05, 2, 0.05), (0.0, 10, 0.0),
    (0.29, 100, 0.29), (0.45, 10, 0.5), (0.9, 2, 0.9),
  ])
  func designsForTheNearestCount(rate: Double, clients: Int, expected: Double) {
    #expect(ParameterFinder.dropoutRate(designingFor: rate, clientCount: clients) == expected)
  }

  /// Ten clients at the default 5 %: the design tolerates the one client a simulation drops, so
  /// for every one of 20 seeds (each dropping another client in the masked-input round) the
  /// round finishes with the exact sum of the other nine. Before, the finder designed for
  /// ⌊0.5⌋ = 0 dropouts (k = 2, t = 2), and a dropout next to a survivor stopped the round.
  @Test func tenClientsSurviveTheirExpectedDropout() throws {
    let rate = ParameterFinder.dropoutRate(designingFor: 0.05, clientCount: 10)
    let found = try ParameterFinder.parameters(
      clientCount: 10, dropoutRate: rate, corruptedFraction: 0.05, threatModel: .semiHonest)
    let configuration = try AggregationConfiguration(
      clientCount: 10, vectorLength: 8, modulus: Modulus(bitWidth: 32),
      graph: found.isComplete ? .complete : .harary(degree: found.degree),
      threshold: found.threshold)
    for seed: UInt64 in 1...20 {
      let schedule = try DropoutSchedule.random(
        clientCount: 10, fraction: 0.05, round: .maskedInputCollection, seed: seed)
      #expect(schedule.dropouts.count == 1)
      let report = try InMemoryRound(
        configuration: configuration, dropouts: schedule,
        randomSource: .insecureDeterministic(seed: seed)
      ).run()
      #expect(report.abortReason == nil, "seed \(seed)")
      #expect(report.exact, "seed \(seed)")
      #expect(report.survivors.count == 9, "seed \(seed)")
    }
  }
}
