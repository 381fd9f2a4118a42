extension AggregationConfiguration {
  /// The session's neighbour graph: complete, or a Harary graph whose labels are permuted by a
  /// public seed: the ``graphBeacon``'s, bound to this configuration, when there is one (the
  /// server then has no say in the graph); otherwise the session id's (fixed by the server's
  /// nonce before any client key exists).
  func neighborGraph(sessionID: SessionID) throws(SecureAggregationError) -> NeighborGraph {
    switch graph {
    case .complete:
      return try NeighborGraph.complete(clientCount: clientCount)
    case .harary(let degree):
      return try NeighborGraph.harary(
        clientCount: clientCount, degree: degree, seed: graphSeed ?? sessionID.graphSeed)
    }
  }
}

extension AggregationConfiguration {
  /// The graph seed drawn from the beacon: SHA-256 of a label and the configuration's encoding,
  /// which holds the beacon and no nonce; `nil` without a beacon.
  var graphSeed: [UInt8]? {
    guard graphBeacon != nil else { return nil }
    return SHA256.hash(
      concatenating: [Array("\(KeyDerivationContext.libraryLabel)/graph-beacon".utf8), encoded])
  }
}
