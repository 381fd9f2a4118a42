import AggregationCrypto
import Testing

@testable import PrivateAggregation

/// The decentralized mode's communication graph (issue 17): random regular graphs that are what
/// they claim, and given graphs that are checked.
@Suite struct CommunicationGraphTests {
  /// Degree 16 on 100 peers and degree 3 on 50: every peer has exactly k neighbours, the
  /// relation is symmetric with no self-loop, the graph is connected, and a seed gives the same
  /// graph again while another seed gives another.
  @Test(arguments: [(100, 16), (50, 3), (7, 6), (10, 2)])
  func randomRegularGraphsAreRegularSimpleAndConnected(peers: Int, degree: Int) throws {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 1)
    let graph = try CommunicationGraph.randomRegular(
      peerCount: peers, degree: degree, using: &generator)
    for peer in 1...peers {
      let neighbors = graph.neighbors(of: peer)
      #expect(neighbors.count == degree, "peer \(peer)")
      #expect(Set(neighbors).count == degree, "peer \(peer)")
      #expect(!neighbors.contains(peer), "peer \(peer)")
      for other in neighbors { #expect(graph.neighbors(of: other).contains(peer)) }
    }
    #expect(graph.edges.count == peers * degree / 2)
    #expect(graph.isConnected)
    var again = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 1)
    #expect(
      try CommunicationGraph.randomRegular(peerCount: peers, degree: degree, using: &again)
        == graph)
    if degree < peers - 1 {
      var other = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 2)
      #expect(
        try CommunicationGraph.randomRegular(peerCount: peers, degree: degree, using: &other)
          != graph)
    }
  }

  /// Near-uniformity: there are 70 labelled 3-regular graphs on 6 vertices (the complete
  /// bipartite K3,3 in 10 labellings and the triangular prism in 60). In 7,000 draws
  /// (seed 7) each should appear about 100 times; a χ² statistic above 111.06 (the 0.999
  /// quantile of χ² with 69 degrees of freedom, scipy 1.17) rejects uniformity at p = 0.001.
  /// A chain that never swaps (the circulant graph every time) or that mixes too little
  /// concentrates on few graphs and fails; the count of distinct graphs must be all 70.
  @Test func threeRegularGraphsOnSixPeersAreDrawnUniformly() throws {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 7)
    var counts: [CommunicationGraph: Int] = [:]
    let draws = 7_000
    for _ in 0..<draws {
      let graph = try CommunicationGraph.randomRegular(
        peerCount: 6, degree: 3, using: &generator)
      counts[graph, default: 0] += 1
    }
    #expect(counts.count == 70)
    let expected = Double(draws) / 70
    let chiSquared = counts.values.reduce(0.0) {
      $0 + (Double($1) - expected) * (Double($1) - expected) / expected
    }
    #expect(chiSquared < 111.06, "χ² = \(chiSquared)")
    let bipartite = counts.filter { $0.key.isBipartite }
    #expect(bipartite.count == 10)  // the labellings of K3,3
  }

  /// Parameters no regular graph has are refused before any work, naming the parameter.
  @Test func impossibleRegularGraphsAreRefused() {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 1)
    for (peers, degree, name) in [
      (5, 3, "degree"), (5, 5, "degree"), (5, 1, "degree"), (2, 1, "peerCount"),
      (1, 1, "peerCount"),
    ] {
      #expect {
        _ = try CommunicationGraph.randomRegular(
          peerCount: peers, degree: degree, using: &generator)
      } throws: { error in
        guard case .invalidParameter(let parameter, _, _) = error as? PrivateAggregationError
        else { return false }
        return parameter == name
      }
    }
  }

  /// A given graph is checked: a peer out of range, a self-loop, an edge given twice and a peer
  /// with no neighbour are refused; a 6-cycle is connected and bipartite, a 5-cycle is not
  /// bipartite, two triangles are not connected.
  @Test func givenGraphsAreCheckedAndDescribed() throws {
    for edges in [[(1, 7)], [(1, 1), (2, 3)], [(1, 2), (2, 1), (2, 3)], [(1, 2)]] {
      #expect(throws: PrivateAggregationError.self, "\(edges)") {
        _ = try CommunicationGraph(peerCount: 3, edges: edges)
      }
    }
    let six = try CommunicationGraph(peerCount: 6, edges: (1...6).map { ($0, $0 % 6 + 1) })
    #expect(six.isConnected && six.isBipartite)
    #expect(six.neighbors(of: 1) == [2, 6])
    #expect(six.neighbors(of: 0).isEmpty && six.neighbors(of: 7).isEmpty)
    let five = try CommunicationGraph(peerCount: 5, edges: (1...5).map { ($0, $0 % 5 + 1) })
    #expect(five.isConnected && !five.isBipartite)
    let triangles = try CommunicationGraph(
      peerCount: 6, edges: [(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4)])
    #expect(!triangles.isConnected)
  }
}
