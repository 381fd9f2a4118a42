import SecureAggregation

extension AggregationPlan.Base {
  /// The secure aggregation's neighbour graph, threshold and corruption bounds, before its
  /// fewest survivors are chosen.
  struct ProtocolChoice {
    var graph: AggregationConfiguration.Graph
    var threshold: Int?
    var corruptedClientBound: Int
    var corruptedNeighborBound: Int?
  }

  /// The secure aggregation of vectors of `vectorLength` elements mod 2^b: the finder's SecAgg+
  /// graph unless one is given.
  static func secureAggregation(
    _ configuration: PrivateAggregationConfiguration, colludingClients: Int, vectorLength: Int
  ) throws(PrivateAggregationError) -> AggregationConfiguration {
    guard let modulus = try? Modulus(bitWidth: configuration.bits) else {
      throw .invalidParameter(name: "bits", value: "\(configuration.bits)", expected: "2...62")
    }
    return try PrivateAggregationError.liftingProtocolError { () throws(SecureAggregationError) in
      let choice = try protocolChoice(configuration, colludingClients: colludingClients)
      let minimumSurvivors = try plannedMinimumSurvivors(
        configuration, choice: choice, modulus: modulus, vectorLength: vectorLength)
      return try AggregationConfiguration(
        clientCount: configuration.clientCount, vectorLength: vectorLength, modulus: modulus,
        graph: choice.graph, threshold: choice.threshold, minimumSurvivors: minimumSurvivors,
        securityMode: configuration.securityMode,
        corruptedClientBound: choice.corruptedClientBound,
        corruptedNeighborBound: choice.corruptedNeighborBound,
        graphBeacon: configuration.graphBeacon)
    }
  }

  /// The configuration's graph and threshold, or the parameter finder's when no graph is given.
  static func protocolChoice(
    _ configuration: PrivateAggregationConfiguration, colludingClients: Int
  ) throws(SecureAggregationError) -> ProtocolChoice {
    if let graph = configuration.graph {
      return ProtocolChoice(
        graph: graph, threshold: configuration.threshold,
        corruptedClientBound: colludingClients, corruptedNeighborBound: nil)
    }
    let n = configuration.clientCount
    let found = try ParameterFinder.parameters(
      clientCount: n,
      dropoutRate: ParameterFinder.dropoutRate(
        designingFor: max(configuration.expectedDropoutRate, 0.05), clientCount: n),
      corruptedFraction: Double(colludingClients) / Double(n),
      threatModel: configuration.securityMode == .active ? .semiMalicious : .semiHonest)
    var threshold = configuration.threshold
    if threshold == nil, !found.isComplete { threshold = found.threshold }
    return ProtocolChoice(
      graph: found.isComplete ? .complete : .harary(degree: found.degree), threshold: threshold,
      corruptedClientBound: max(colludingClients, found.corruptedClientCount),
      corruptedNeighborBound: found.isComplete ? nil : found.corruptedNeighborBound)
  }

  /// The fewest inputs a released sum may contain: the configuration's, or with distributed DP
  /// ⌊n·(1 − 2·expectedDropoutRate)⌋ but at least the protocol's own minimum; `nil` leaves the
  /// protocol's default.
  ///
  /// With distributed DP every client's noise share is sized for the fewest survivors, so the
  /// default plans for twice the expected dropout rather than the protocol's majority: the noise
  /// overhead n/minimumSurvivors stays small (the protocol aborts below it).
  static func plannedMinimumSurvivors(
    _ configuration: PrivateAggregationConfiguration, choice: ProtocolChoice, modulus: Modulus,
    vectorLength: Int
  ) throws(SecureAggregationError) -> Int? {
    guard configuration.minimumSurvivors == nil, case .distributed = configuration.privacy else {
      return configuration.minimumSurvivors
    }
    let n = configuration.clientCount
    let planned = Int((Double(n) * (1 - 2 * configuration.expectedDropoutRate)).rounded(.down))
    let probe = try AggregationConfiguration(
      clientCount: n, vectorLength: vectorLength, modulus: modulus, graph: choice.graph,
      threshold: choice.threshold, securityMode: configuration.securityMode,
      corruptedClientBound: choice.corruptedClientBound,
      corruptedNeighborBound: choice.corruptedNeighborBound,
      graphBeacon: configuration.graphBeacon)
    return min(n, max(probe.minimumSurvivors, planned))
  }
}
