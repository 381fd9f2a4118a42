import AggregationCrypto
import Testing

@testable import SecureAggregation

@Suite struct NeighborGraphTests {
  private static let seed = Array("session 0123456789abcdef".utf8)

  private func ids(_ count: Int) -> [ParticipantID] {
    (1...count).compactMap { ParticipantID($0) }
  }

  private func id(_ value: Int) throws -> ParticipantID {
    try #require(ParticipantID(value))
  }

  // Every client has exactly k neighbours, none of them itself, listed in ascending order, and
  // the relation is symmetric: a ∈ N(b) ⇔ b ∈ N(a) ⇔ areNeighbors(a, b).
  @Test(arguments: [(4, 2), (5, 2), (6, 4), (10, 2), (10, 6), (10, 8), (37, 12), (100, 30)])
  func hararyGraphIsRegularSymmetricAndLoopFree(clientCount: Int, degree: Int) throws {
    let graph = try NeighborGraph.harary(
      clientCount: clientCount, degree: degree, seed: Self.seed)
    #expect(graph.clientCount == clientCount)
    #expect(graph.degree == degree)
    #expect(!graph.isComplete)
    let all = ids(clientCount)
    let neighborhoods = Dictionary(uniqueKeysWithValues: all.map { ($0, graph.neighbors(of: $0)) })
    for a in all {
      let neighbors = try #require(neighborhoods[a])
      #expect(neighbors.count == degree)
      #expect(Set(neighbors).count == degree)
      #expect(neighbors == neighbors.sorted())
      #expect(!neighbors.contains(a))
      #expect(!graph.areNeighbors(a, a))
      for b in all {
        let bNeighbors = try #require(neighborhoods[b])
        #expect(neighbors.contains(b) == bNeighbors.contains(a))
        #expect(graph.areNeighbors(a, b) == neighbors.contains(b))
      }
    }
  }

  // The neighbours of a client are the k/2 nearest on either side of the ring.
  @Test func neighboursAreTheNearestOnTheRing() throws {
    let graph = try NeighborGraph.harary(clientCount: 50, degree: 8, seed: Self.seed)
    let byPosition = try Dictionary(
      uniqueKeysWithValues: ids(50).map { (try #require(graph.ringPosition(of: $0)), $0) })
    #expect(byPosition.count == 50)
    for client in ids(50) {
      let position = try #require(graph.ringPosition(of: client))
      var expected: [ParticipantID] = []
      for offset in [-4, -3, -2, -1, 1, 2, 3, 4] {
        expected.append(try #require(byPosition[(position + offset + 50) % 50]))
      }
      #expect(graph.neighbors(of: client) == expected.sorted())
    }
  }

  @Test func sameSeedSameGraphOtherSeedOtherGraph() throws {
    let first = try NeighborGraph.harary(clientCount: 200, degree: 10, seed: Self.seed)
    let again = try NeighborGraph.harary(clientCount: 200, degree: 10, seed: Self.seed)
    #expect(first == again)
    #expect(first.hashValue == again.hashValue)
    for client in ids(200) {
      #expect(first.neighbors(of: client) == again.neighbors(of: client))
    }
    var otherSeed = Self.seed
    otherSeed[0] ^= 1
    let other = try NeighborGraph.harary(clientCount: 200, degree: 10, seed: otherSeed)
    #expect(other != first)
    let changed = ids(200).filter { first.neighbors(of: $0) != other.neighbors(of: $0) }
    #expect(changed.count > 190)
    // The degree is bound into the permutation's key too.
    let wider = try NeighborGraph.harary(clientCount: 200, degree: 12, seed: Self.seed)
    let shared = ids(200).filter {
      Set(first.neighbors(of: $0)).isSubset(of: wider.neighbors(of: $0))
    }
    #expect(shared.count < 10)
  }

  // The shuffle is a fixed function of the seed: these known answers pin the key derivation, the
  // generator and the rejection sampling, so that a change to any of them (which would give
  // clients of different versions different graphs) fails here. They were computed with an
  // independent implementation written from the documented construction (HKDF-SHA256 and
  // HMAC-SHA256 from Python's standard library, ChaCha20 written out from RFC 7539 with a 64-bit
  // nonce of zero, and the rejection rule of `NeighborGraph.uniform(below:from:)`).
  @Test func permutationKnownAnswers() {
    let first = NeighborGraph.permutation(
      clientCount: 10, degree: 4, seed: Array(repeating: 0x2A, count: 32))
    #expect(first == [5, 4, 1, 6, 2, 9, 7, 8, 3, 10])
    let second = NeighborGraph.permutation(
      clientCount: 20, degree: 6, seed: Array("0123456789abcdef".utf8))
    #expect(second == [15, 8, 5, 11, 4, 20, 6, 2, 1, 14, 7, 13, 10, 16, 3, 9, 18, 17, 12, 19])
  }

  @Test func permutationIsRoughlyUniform() {
    // Over 3000 seeds, each of 5 ids lands at ring position 0 about 600 times.
    var counts = [Int](repeating: 0, count: 5)
    for trial in 0..<3000 {
      let seed = Array("uniformity trial \(trial)".utf8)
      let order = NeighborGraph.permutation(clientCount: 5, degree: 2, seed: seed)
      counts[Int(order[0]) - 1] += 1
    }
    for count in counts { #expect((480...720).contains(count), "\(counts)") }
  }

  @Test func uniformDrawsStayBelowTheBound() {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 7)
    for bound in [1, 2, 3, 7, 65_535] as [UInt64] {
      for _ in 0..<200 {
        #expect(NeighborGraph.uniform(below: bound, from: generator) < Int(bound))
      }
    }
  }

  @Test(arguments: [1, 2, 3, 10])
  func completeGraph(clientCount: Int) throws {
    let graph = try NeighborGraph.complete(clientCount: clientCount)
    #expect(graph.isComplete)
    #expect(graph.degree == clientCount - 1)
    for a in ids(clientCount) {
      #expect(graph.neighbors(of: a) == ids(clientCount).filter { $0 != a })
      for b in ids(clientCount) { #expect(graph.areNeighbors(a, b) == (a != b)) }
    }
    #expect(try graph.neighbors(of: id(clientCount + 1)).isEmpty)
  }

  // Degree n − 1 is the complete graph, whatever the seed; for n ≤ 3 it is the only degree.
  @Test(arguments: [2, 3, 4, 9])
  func degreeNMinusOneIsComplete(clientCount: Int) throws {
    let graph = try NeighborGraph.harary(
      clientCount: clientCount, degree: clientCount - 1, seed: Self.seed)
    #expect(graph == (try NeighborGraph.complete(clientCount: clientCount)))
  }

  @Test func graphFromFinderParameters() throws {
    let parameters = try ParameterFinder.parameters(
      clientCount: 1000, dropoutRate: 0.05, corruptedFraction: 0.05, threatModel: .semiHonest)
    let graph = try NeighborGraph.harary(
      clientCount: parameters.clientCount, degree: parameters.degree, seed: Self.seed)
    #expect(graph.degree == 30)
    #expect(try graph.neighbors(of: id(1)).count == 30)
  }

  @Test func idsOutsideTheGraph() throws {
    let graph = try NeighborGraph.harary(clientCount: 10, degree: 4, seed: Self.seed)
    #expect(try graph.neighbors(of: id(11)).isEmpty)
    #expect(try graph.neighbors(of: id(65_535)).isEmpty)
    #expect(try !graph.areNeighbors(id(11), id(1)))
    #expect(try !graph.areNeighbors(id(1), id(11)))
    #expect(try !graph.contains(id(11)))
    #expect(try graph.contains(id(10)))
  }

  @Test func largestCohortBuildsQuickly() throws {
    let clock = ContinuousClock()
    var graph: NeighborGraph?
    let elapsed = try clock.measure {
      graph = try NeighborGraph.harary(clientCount: 65_535, degree: 40, seed: Self.seed)
    }
    let built = try #require(graph)
    #expect(elapsed < .seconds(2))
    let last = try id(65_535)
    let neighbors = built.neighbors(of: last)
    #expect(neighbors.count == 40)
    for neighbor in neighbors {
      #expect(built.areNeighbors(neighbor, last))
      #expect(built.neighbors(of: neighbor).contains(last))
    }
  }

  @Test func invalidParametersThrow() {
    func expectInvalid(
      _ name: String, clientCount: Int, degree: Int, seed: [UInt8] = NeighborGraphTests.seed
    ) {
      do {
        let graph = try NeighborGraph.harary(clientCount: clientCount, degree: degree, seed: seed)
        Issue.record("expected an error naming \(name), built \(graph.clientCount)/\(graph.degree)")
      } catch {
        guard case .invalidParameter(let thrown, _, _) = error else {
          Issue.record("unexpected \(error)")
          return
        }
        #expect(thrown == name)
      }
    }
    expectInvalid("clientCount", clientCount: 0, degree: 2)
    expectInvalid("clientCount", clientCount: 65_536, degree: 40)
    expectInvalid("degree", clientCount: 10, degree: 0)
    expectInvalid("degree", clientCount: 10, degree: 5)
    expectInvalid("degree", clientCount: 10, degree: 10)
    expectInvalid("degree", clientCount: 10, degree: -2)
    expectInvalid("degree", clientCount: 3, degree: 1)
    expectInvalid("degree", clientCount: 1, degree: 1)
    expectInvalid("seed", clientCount: 10, degree: 4, seed: [])
    expectInvalid("seed", clientCount: 10, degree: 4, seed: Array(repeating: 1, count: 15))
    #expect(
      throws: SecureAggregationError.invalidParameter(
        name: "clientCount", value: "0", expected: "1...65535")
    ) {
      try NeighborGraph.complete(clientCount: 0)
    }
    #expect(throws: SecureAggregationError.self) {
      try NeighborGraph.complete(clientCount: 65_536)
    }
  }
}
