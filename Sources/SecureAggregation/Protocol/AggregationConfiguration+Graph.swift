extension AggregationConfiguration {
  /// The session's neighbour graph: complete, or a Harary graph whose labels are permuted by the
  /// session's public seed (fixed by the server's nonce before any client key exists).
  func neighborGraph(sessionID: SessionID) throws(SecureAggregationError) -> NeighborGraph {
    switch graph {
    case .complete:
      return try NeighborGraph.complete(clientCount: clientCount)
    case .harary(let degree):
      return try NeighborGraph.harary(
        clientCount: clientCount, degree: degree, seed: sessionID.graphSeed)
    }
  }
}
