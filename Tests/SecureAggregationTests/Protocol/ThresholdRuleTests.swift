import Testing

@testable import SecureAggregation

/// The thresholds each mode allows (issue 12, findings 1 and 5). Expected values come from the
/// bounds in the papers, worked out by hand in the comments, not from the code under test.
@Suite struct ThresholdRuleTests {
  private func harary(
    n: Int, k: Int, t: Int? = nil, mode: AggregationConfiguration.SecurityMode,
    corrupted: Int? = nil, corruptedNeighbors: Int? = nil
  ) throws -> AggregationConfiguration {
    try AggregationConfiguration(
      clientCount: n, vectorLength: 1, modulus: Modulus(bitWidth: 8), graph: .harary(degree: k),
      threshold: t, securityMode: mode, corruptedClientBound: corrupted,
      corruptedNeighborBound: corruptedNeighbors)
  }

  /// The name in the `invalidParameter` error `body` throws; `nil` when it does not throw.
  private func parameterName(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      guard case .invalidParameter(let name, _, _) = error as? SecureAggregationError else {
        return "\(error)"
      }
      return name
    }
  }

  // Active mode without a stated bound on colluding clients is refused, naming the parameter, in
  // both graphs; 0 stated explicitly is accepted.
  @Test func activeModeNeedsAStatedCorruptedClientBound() throws {
    #expect(parameterName { _ = try harary(n: 24, k: 8, mode: .active) } == "corruptedClientBound")
    #expect(
      parameterName {
        _ = try AggregationConfiguration(
          clientCount: 5, vectorLength: 1, modulus: Modulus(bitWidth: 8), securityMode: .active)
      } == "corruptedClientBound")
    // Semi-honest mode keeps 0 as its default.
    #expect(try harary(n: 24, k: 8, mode: .semiHonest).corruptedClientBound == 0)
    // With 0 stated: 2t > 8 + 0, so t ≥ 5.
    #expect(try harary(n: 24, k: 8, mode: .active, corrupted: 0).threshold == 5)
  }

  // The reproduction: n = 24, k = 8 and two colluding neighbours broke t = 5. With the
  // bound stated, 2t > 8 + 2 needs t ≥ 6: the default is 6, and 5 is refused.
  @Test func activeSecAggPlusThresholdCoversTheColludingNeighbours() throws {
    let configuration = try harary(n: 24, k: 8, mode: .active, corrupted: 2)
    #expect(configuration.corruptedNeighborBound == 2)
    #expect(configuration.threshold == 6)
    #expect(
      parameterName { _ = try harary(n: 24, k: 8, t: 5, mode: .active, corrupted: 2) }
        == "threshold")
    #expect(try harary(n: 24, k: 8, t: 6, mode: .active, corrupted: 2).threshold == 6)
    // A neighbourhood cannot hold more colluders than it has members: c = min(n_C, k) = 8 for 20
    // colluders, and 2t > 16 needs t = 9 > k: no threshold fits.
    #expect(
      parameterName { _ = try harary(n: 24, k: 8, mode: .active, corrupted: 20) } == "threshold")
    // n = 200, k = 20, c = 20 (the second reproduction, at t = 11): 2t > 40 has no t ≤ 20.
    #expect(
      parameterName { _ = try harary(n: 200, k: 20, mode: .active, corrupted: 20) } == "threshold")
    // A per-neighbourhood bound below min(n_C, k) is accepted down to the finder's 2^-40 bound
    // and no further. For n = 200, 20 colluders, k = 20: the largest c with
    // 200 · P[Hypergeometric(200, 20, 20) ≥ c] ≥ 2^-41 is 15 (computed with Python's exact
    // binomials), so 2t > 20 + 15 gives t ≥ 18 — and c = 5, which would give t = 13, is refused.
    #expect(
      try harary(n: 200, k: 20, mode: .active, corrupted: 20, corruptedNeighbors: 15).threshold
        == 18)
    #expect(
      parameterName {
        _ = try harary(n: 200, k: 20, mode: .active, corrupted: 20, corruptedNeighbors: 5)
      } == "corruptedNeighborBound")
    #expect(
      ParameterFinder.likelyCorruptedNeighbors(clientCount: 200, corruptedCount: 20, degree: 20)
        == 15)
    // n = 24, k = 8, 2 colluders: both can sit in one neighbourhood (probability ≈ 0.10), so
    // nothing below 2 is accepted — the loophole that gave t = 5 with two colluders is closed.
    #expect(
      parameterName {
        _ = try harary(n: 24, k: 8, mode: .active, corrupted: 2, corruptedNeighbors: 0)
      } == "corruptedNeighborBound")
    // But never above min(n_C, k).
    #expect(
      parameterName {
        _ = try harary(n: 200, k: 20, mode: .active, corrupted: 3, corruptedNeighbors: 4)
      } == "corruptedNeighborBound")
  }

  // The finder's semi-malicious parameters pass straight through: its threshold satisfies
  // 2t > k + c* for its own c*.
  @Test func finderParametersAreAcceptedInActiveMode() throws {
    for n in [100, 1_000, 10_000] {
      let found = try ParameterFinder.parameters(
        clientCount: n, dropoutRate: 0.05, corruptedFraction: 0.05, threatModel: .semiMalicious)
      #expect(2 * found.threshold > found.degree + found.corruptedNeighborBound)
      let configuration = try harary(
        n: n, k: found.degree, t: found.threshold, mode: .active,
        corrupted: found.corruptedClientCount, corruptedNeighbors: found.corruptedNeighborBound)
      #expect(configuration.threshold == found.threshold)
    }
  }

  // A semi-honest SecAgg+ threshold of 1 gives each single neighbour both of a client's secrets:
  // refused; with c colluders a neighbourhood needs t > c.
  @Test func semiHonestSecAggPlusRefusesThresholdOne() throws {
    #expect(parameterName { _ = try harary(n: 8, k: 4, t: 1, mode: .semiHonest) } == "threshold")
    #expect(try harary(n: 8, k: 4, t: 2, mode: .semiHonest).threshold == 2)
    #expect(
      parameterName { _ = try harary(n: 8, k: 4, t: 2, mode: .semiHonest, corrupted: 2) }
        == "threshold")
    #expect(try harary(n: 8, k: 4, t: 3, mode: .semiHonest, corrupted: 2).threshold == 3)
  }

  // A graph beacon fixes the SecAgg+ graph whatever nonce the server picks: grinding nonces
  // changes nothing. Without one, the nonce moves the graph.
  @Test func graphBeaconTakesTheGraphOutOfTheServersHands() throws {
    let beacon = [UInt8](repeating: 0x5a, count: 32)
    let withBeacon = try AggregationConfiguration(
      clientCount: 30, vectorLength: 1, modulus: Modulus(bitWidth: 8), graph: .harary(degree: 6),
      graphBeacon: beacon)
    let without = try AggregationConfiguration(
      clientCount: 30, vectorLength: 1, modulus: Modulus(bitWidth: 8), graph: .harary(degree: 6))
    func neighbors(_ configuration: AggregationConfiguration, nonce: UInt8) throws
      -> [[ParticipantID]]
    {
      let server = try AggregationServer(
        configuration: configuration,
        randomSource: .insecureDeterministic(seed: UInt64(nonce)))
      return configuration.participantIDs.map { server.graph.neighbors(of: $0) }
    }
    let first = try neighbors(withBeacon, nonce: 1)
    for nonce in 2...6 as ClosedRange<UInt8> {
      #expect(try neighbors(withBeacon, nonce: nonce) == first)
    }
    #expect(try neighbors(without, nonce: 1) != (try neighbors(without, nonce: 2)))
    // Another beacon value gives another graph, and the sessions still differ by nonce.
    let other = try AggregationConfiguration(
      clientCount: 30, vectorLength: 1, modulus: Modulus(bitWidth: 8), graph: .harary(degree: 6),
      graphBeacon: [UInt8](repeating: 0x5b, count: 32))
    #expect(try neighbors(other, nonce: 1) != first)
    let nonceA = [UInt8](repeating: 1, count: 32)
    let nonceB = [UInt8](repeating: 2, count: 32)
    #expect(
      try SessionID(configuration: withBeacon, nonce: nonceA)
        != SessionID(configuration: withBeacon, nonce: nonceB))
    #expect(
      parameterName {
        _ = try AggregationConfiguration(
          clientCount: 30, vectorLength: 1, modulus: Modulus(bitWidth: 8),
          graph: .harary(degree: 6), graphBeacon: [1, 2, 3])
      } == "graphBeacon")
  }
}
