/// Who talks to whom when peers learn with no server: an undirected simple graph on peers
/// 1...n, each peer the aggregator of its neighbourhood's session and a client in each of its
/// neighbours' sessions.
///
/// Make one with ``randomRegular(peerCount:degree:using:)`` — every peer with the same number
/// of neighbours, the edges drawn (close to) uniformly among such graphs — or give the edges
/// (``init(peerCount:edges:)``). Either way the graph has no self-loop, no repeated edge and
/// no isolated peer. Whether the peers can reach consensus by averaging over it depends on
/// ``isConnected`` and on ``isBipartite`` (averaging on a connected bipartite graph can
/// oscillate between the two sides).
public struct CommunicationGraph: Sendable, Hashable {
  /// The number of peers n; they are numbered 1...n.
  public let peerCount: Int
  /// Each peer's neighbours, ascending; index 0 is peer 1.
  private let adjacency: [[Int]]

  /// The largest number of peers a graph takes (the protocol's largest cohort is a
  /// neighbourhood, so this bounds only the work of building the graph).
  public static let maximumPeerCount = 1_000_000

  /// A graph from its edges, each an unordered pair of peers in 1...`peerCount`.
  ///
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `peerCount` (outside 2...``maximumPeerCount``) or `edges` (a peer out of range, a
  ///   self-loop, an edge given twice, or a peer with no edge).
  public init(peerCount: Int, edges: [(Int, Int)]) throws(PrivateAggregationError) {
    try Self.validate(peerCount: peerCount)
    var neighbors = [Set<Int>](repeating: [], count: peerCount)
    for (a, b) in edges {
      guard (1...peerCount).contains(a), (1...peerCount).contains(b) else {
        throw .invalidParameter(
          name: "edges", value: "(\(a), \(b))", expected: "peers in 1...\(peerCount)")
      }
      guard a != b else {
        throw .invalidParameter(
          name: "edges", value: "(\(a), \(b))", expected: "no edge from a peer to itself")
      }
      guard neighbors[a - 1].insert(b).inserted else {
        throw .invalidParameter(
          name: "edges", value: "(\(a), \(b))", expected: "each edge once")
      }
      neighbors[b - 1].insert(a)
    }
    if let lonely = neighbors.firstIndex(where: \.isEmpty) {
      throw .invalidParameter(
        name: "edges", value: "peer \(lonely + 1) has no neighbour",
        expected: "at least one neighbour for every peer")
    }
    self.peerCount = peerCount
    adjacency = neighbors.map { $0.sorted() }
  }

  private init(adjacency: [Set<Int>]) {
    peerCount = adjacency.count
    self.adjacency = adjacency.map { $0.sorted() }
  }

  /// The neighbours of `peer` (1...n), ascending; empty for a peer out of range.
  public func neighbors(of peer: Int) -> [Int] {
    guard (1...peerCount).contains(peer) else { return [] }
    return adjacency[peer - 1]
  }

  /// Every edge once, as (smaller, larger) peer, in ascending order.
  public var edges: [(Int, Int)] {
    var result: [(Int, Int)] = []
    for (index, neighbors) in adjacency.enumerated() {
      for other in neighbors where other > index + 1 { result.append((index + 1, other)) }
    }
    return result
  }

  /// Whether every peer can reach every other through the graph.
  public var isConnected: Bool {
    var seen = [Bool](repeating: false, count: peerCount)
    var stack = [1]
    seen[0] = true
    var reached = 1
    while let peer = stack.popLast() {
      for other in adjacency[peer - 1] where !seen[other - 1] {
        seen[other - 1] = true
        reached += 1
        stack.append(other)
      }
    }
    return reached == peerCount
  }

  /// Whether the peers split into two sides with every edge between the sides (no odd cycle).
  public var isBipartite: Bool {
    var side = [Int8](repeating: -1, count: peerCount)
    for start in 0..<peerCount where side[start] < 0 {
      side[start] = 0
      var stack = [start + 1]
      while let peer = stack.popLast() {
        for other in adjacency[peer - 1] {
          if side[other - 1] < 0 {
            side[other - 1] = 1 - side[peer - 1]
            stack.append(other)
          } else if side[other - 1] == side[peer - 1] {
            return false
          }
        }
      }
    }
    return true
  }

  /// A connected graph in which every peer has exactly `degree` neighbours, close to uniform
  /// among such graphs.
  ///
  /// It starts from the circulant graph (each peer joined to the ⌊degree/2⌋ nearest on either
  /// side of a ring, and, for an odd degree, to the opposite peer) and applies 10 × (edge count)
  /// random degree-preserving double-edge swaps, a Markov chain whose stationary distribution
  /// is uniform over the simple `degree`-regular graphs on n labelled peers; a draw that is not
  /// connected (likely only for degree 2) is drawn again, up to 100 times.
  ///
  /// - Parameters:
  ///   - peerCount: n, 3...``maximumPeerCount``.
  ///   - degree: k, 2...n − 1, with n·k even.
  ///   - generator: where the swaps come from; a seeded generator gives the same graph again.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `peerCount` or `degree`, or `degree` when 100 draws were all disconnected.
  public static func randomRegular(
    peerCount: Int, degree: Int, using generator: inout some RandomNumberGenerator
  ) throws(PrivateAggregationError) -> CommunicationGraph {
    try validate(peerCount: peerCount)
    guard peerCount >= 3 else {
      throw .invalidParameter(name: "peerCount", value: "\(peerCount)", expected: "at least 3")
    }
    guard (2...(peerCount - 1)).contains(degree) else {
      throw .invalidParameter(
        name: "degree", value: "\(degree)", expected: "2...\(peerCount - 1) (peers − 1)")
    }
    guard (peerCount * degree).isMultiple(of: 2) else {
      throw .invalidParameter(
        name: "degree", value: "\(degree)",
        expected: "an even degree when the number of peers (\(peerCount)) is odd")
    }
    for _ in 0..<100 {
      let graph = CommunicationGraph(
        adjacency: swapped(circulant(peerCount: peerCount, degree: degree), using: &generator))
      if graph.isConnected { return graph }
    }
    throw .invalidParameter(
      name: "degree", value: "\(degree)",
      expected: "a degree of at least 3 (100 random \(degree)-regular graphs were disconnected)")
  }

  /// The circulant k-regular graph on n peers, as neighbour sets (index 0 is peer 1).
  private static func circulant(peerCount n: Int, degree k: Int) -> [Set<Int>] {
    var neighbors = [Set<Int>](repeating: [], count: n)
    for peer in 0..<n {
      for step in stride(from: 1, through: k / 2, by: 1) {
        let other = (peer + step) % n
        neighbors[peer].insert(other + 1)
        neighbors[other].insert(peer + 1)
      }
      // An odd degree (n even): the opposite peer.
      if !k.isMultiple(of: 2) {
        let other = (peer + n / 2) % n
        neighbors[peer].insert(other + 1)
        neighbors[other].insert(peer + 1)
      }
    }
    return neighbors
  }

  /// `start` after 10 × (edge count) random double-edge swaps, each taken only when it keeps
  /// the graph simple: edges {a, b} and {c, d} become {a, d} and {c, b} (or {a, c} and {b, d}).
  private static func swapped(
    _ start: [Set<Int>], using generator: inout some RandomNumberGenerator
  ) -> [Set<Int>] {
    var neighbors = start
    var edges: [(Int, Int)] = []
    // In a fixed order (a set's order is not), so that one seed gives one graph.
    for (index, set) in neighbors.enumerated() {
      for other in set.sorted() where other > index + 1 { edges.append((index + 1, other)) }
    }
    guard edges.count >= 2 else { return neighbors }
    for _ in 0..<(10 * edges.count) {
      let i = Int.random(in: 0..<edges.count, using: &generator)
      let j = Int.random(in: 0..<edges.count, using: &generator)
      guard i != j else { continue }
      let (a, b) = edges[i]
      var (c, d) = edges[j]
      if Bool.random(using: &generator) { swap(&c, &d) }
      // {a, b}, {c, d} → {a, d}, {c, b}
      guard a != d, c != b, !neighbors[a - 1].contains(d), !neighbors[c - 1].contains(b) else {
        continue
      }
      neighbors[a - 1].remove(b)
      neighbors[b - 1].remove(a)
      neighbors[c - 1].remove(d)
      neighbors[d - 1].remove(c)
      neighbors[a - 1].insert(d)
      neighbors[d - 1].insert(a)
      neighbors[c - 1].insert(b)
      neighbors[b - 1].insert(c)
      edges[i] = (min(a, d), max(a, d))
      edges[j] = (min(c, b), max(c, b))
    }
    return neighbors
  }

  private static func validate(peerCount: Int) throws(PrivateAggregationError) {
    guard (2...maximumPeerCount).contains(peerCount) else {
      throw .invalidParameter(
        name: "peerCount", value: "\(peerCount)", expected: "2...\(maximumPeerCount)")
    }
  }
}
