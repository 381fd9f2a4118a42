/// The public parameters of one secure aggregation, agreed by the server and every client before
/// round 0 and bound into the session id.
///
/// Two thresholds are named once here:
/// - ``threshold`` (t) is the Shamir threshold: how many of a client's neighbours must answer to
///   rebuild its masking key or self-mask seed. In SecAgg+ it counts within a neighbourhood; for
///   the complete graph, among all other clients.
/// - ``minimumSurvivors`` is the fewest inputs any released sum may contain: the server aborts, and
///   honest clients refuse to unmask, when fewer clients than that sent masked inputs.
///
/// The initializer validates everything and throws
/// ``SecureAggregationError/invalidParameter(name:value:expected:)`` naming the parameter and what
/// would fit, so a bad configuration fails before any round starts.
public struct AggregationConfiguration: Sendable, Hashable {
  /// Which clients exchange masks and key shares.
  public enum Graph: Sendable, Hashable, Codable {
    /// Every client is every other client's neighbour (SecAgg, Bonawitz et al. 2017).
    case complete
    /// A random Harary graph in which every client has `degree` neighbours, an even number in
    /// 2...n − 2 (SecAgg+, Bell et al. 2020); see ``ParameterFinder`` for choosing the degree and
    /// threshold.
    case harary(degree: Int)
  }

  /// The adversary the protocol defends against.
  public enum SecurityMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The server and colluding clients follow the protocol but try to learn more from what they
    /// see.
    case semiHonest = "semi-honest"
    /// The server may deviate arbitrarily (lie about who dropped, show different clients different
    /// sets), colluding with up to ``AggregationConfiguration/corruptedClientBound`` clients, at
    /// most ``AggregationConfiguration/corruptedNeighborBound`` in one neighbourhood. Round-0 keys
    /// are signed with identity keys, a consistency round precedes unmasking, and the threshold
    /// must satisfy 2t > k + c (see ``AggregationConfiguration/init(clientCount:vectorLength:modulus:graph:threshold:minimumSurvivors:securityMode:corruptedClientBound:corruptedNeighborBound:graphBeacon:)``).
    case active
  }

  /// The largest vector length: 2^30 elements.
  public static let maximumVectorLength = 1 << 30

  /// The number of clients n; their ids are 1...n.
  public let clientCount: Int
  /// The number of elements m in every client's vector.
  public let vectorLength: Int
  /// The ring Z_R the vectors live in.
  public let modulus: Modulus
  /// The neighbour graph.
  public let graph: Graph
  /// The Shamir threshold t.
  public let threshold: Int
  /// The fewest inputs a released sum may contain.
  ///
  /// What it promises: the server aborts, and an honest client refuses to unmask, when the
  /// survivor set it is shown has fewer ids. What it does not: in SecAgg+ a client can check only
  /// its own neighbours against what it saw; the other ids of the set are the server's word, so a
  /// malicious server may list clients that never sent an input. The complete graph (every id is
  /// a neighbour) and, in active mode, the consistency signatures bound what such a list can hide.
  /// Size differential-privacy noise for `minimumSurvivors − corruptedClientBound` honest inputs,
  /// and prefer the complete graph when a smaller sum must never be released to a malicious
  /// server.
  public let minimumSurvivors: Int
  /// The adversary model.
  public let securityMode: SecurityMode
  /// n_C: how many clients may collude with the server (stated explicitly in active mode).
  public let corruptedClientBound: Int
  /// c: the most colluding clients one neighbourhood may hold, min(n_C, k) unless the parameter
  /// finder's probabilistic bound (``GraphParameters/corruptedNeighborBound``) is given.
  public let corruptedNeighborBound: Int
  /// Public randomness that fixes the SecAgg+ graph instead of the server's nonce (for example an
  /// output of a public randomness beacon published after the ids were assigned); `nil` derives
  /// the graph from the session id. See ``NeighborGraph`` on grinding.
  public let graphBeacon: [UInt8]?

  /// The sizes a ``graphBeacon`` may have, in bytes.
  public static let graphBeaconByteCounts = 32...1024

  /// A validated configuration.
  ///
  /// - Parameters:
  ///   - clientCount: n, 2...65535.
  ///   - vectorLength: m, 1...2^30.
  ///   - modulus: R.
  ///   - graph: ``Graph/complete`` by default.
  ///   - threshold: t; by default a majority of the neighbourhood (semi-honest) or the smallest t
  ///     the active mode allows.
  ///   - minimumSurvivors: by default the larger of t and ⌊n/2⌋ + 1.
  ///   - securityMode: ``SecurityMode/semiHonest`` by default.
  ///   - corruptedClientBound: n_C, the most clients that may collude with the server. Semi-honest
  ///     mode takes 0 when it is `nil`; active mode refuses `nil`, since its threshold depends on
  ///     it (give 0 explicitly to assume no colluding client).
  ///   - corruptedNeighborBound: c, the most colluding clients in one neighbourhood;
  ///     min(n_C, degree) by default. It may be lowered to the parameter finder's statistical
  ///     bound (``ParameterFinder/likelyCorruptedNeighbors(clientCount:corruptedCount:degree:securityBits:)``,
  ///     what ``GraphParameters/corruptedNeighborBound`` gives) and no further.
  ///   - graphBeacon: public randomness (32...1024 bytes) from which the SecAgg+ graph is
  ///     drawn instead of the session id; `nil` by default.
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` for the first
  ///   parameter out of range, or the bound a security mode needs that fails.
  public init(
    clientCount: Int, vectorLength: Int, modulus: Modulus, graph: Graph = .complete,
    threshold: Int? = nil, minimumSurvivors: Int? = nil, securityMode: SecurityMode = .semiHonest,
    corruptedClientBound: Int? = nil, corruptedNeighborBound: Int? = nil,
    graphBeacon: [UInt8]? = nil
  ) throws(SecureAggregationError) {
    guard (2...ParticipantID.maximumCount).contains(clientCount) else {
      throw .invalidParameter(
        name: "clientCount", value: "\(clientCount)", expected: "2...\(ParticipantID.maximumCount)")
    }
    guard (1...Self.maximumVectorLength).contains(vectorLength) else {
      throw .invalidParameter(
        name: "vectorLength", value: "\(vectorLength)", expected: "1...\(Self.maximumVectorLength)")
    }
    let degree: Int
    switch graph {
    case .complete:
      degree = clientCount - 1
    case .harary(let requested):
      guard requested.isMultiple(of: 2), (2...(clientCount - 2)).contains(requested) else {
        throw .invalidParameter(
          name: "graph degree", value: "\(requested)",
          expected: clientCount < 4
            ? "the complete graph: \(clientCount) clients are too few for a Harary graph"
            : "an even number of neighbours in 2...\(clientCount - 2) for \(clientCount) clients "
              + "(or the complete graph)")
      }
      degree = requested
    }
    guard let corruptedClientBound = corruptedClientBound ?? (securityMode == .active ? nil : 0)
    else {
      throw .invalidParameter(
        name: "corruptedClientBound", value: "nil",
        expected: "an explicit bound in active mode: the most clients that may collude with the "
          + "server, 0...\(clientCount - 1) (0 assumes none); the threshold depends on it")
    }
    guard (0..<clientCount).contains(corruptedClientBound) else {
      throw .invalidParameter(
        name: "corruptedClientBound", value: "\(corruptedClientBound)",
        expected: "0...\(clientCount - 1)")
    }
    // c may be lowered from min(n_C, k) only to the finder's statistical bound for this n, n_C
    // and k: a smaller claim would let a caller pick an unsafe threshold.
    let neighborhoodCap = Swift.min(corruptedClientBound, degree)
    let neighborhoodFloor =
      graph == .complete
      ? neighborhoodCap
      : Swift.min(
        neighborhoodCap,
        ParameterFinder.likelyCorruptedNeighbors(
          clientCount: clientCount, corruptedCount: corruptedClientBound, degree: degree))
    let corruptedNeighborBound = corruptedNeighborBound ?? neighborhoodCap
    guard (neighborhoodFloor...neighborhoodCap).contains(corruptedNeighborBound) else {
      throw .invalidParameter(
        name: "corruptedNeighborBound", value: "\(corruptedNeighborBound)",
        expected: graph == .complete
          ? "\(neighborhoodCap): in the complete graph every colluding client is a neighbour"
          : "\(neighborhoodFloor)...\(neighborhoodCap): from the parameter finder's 2^-40 bound on "
            + "how many of \(corruptedClientBound) colluders \(degree) random neighbours hold, to "
            + "min(corruptedClientBound, degree)")
    }
    if let graphBeacon, !Self.graphBeaconByteCounts.contains(graphBeacon.count) {
      throw .invalidParameter(
        name: "graphBeacon", value: "\(graphBeacon.count) bytes",
        expected:
          "\(Self.graphBeaconByteCounts.lowerBound)...\(Self.graphBeaconByteCounts.upperBound) "
          + "bytes of public randomness")
    }
    let smallestThreshold = Self.smallestThreshold(
      clientCount: clientCount, degree: degree, isComplete: graph == .complete,
      securityMode: securityMode, corruptedClientBound: corruptedClientBound,
      corruptedNeighborBound: corruptedNeighborBound)
    let defaultThreshold =
      securityMode == .semiHonest ? Swift.max(degree / 2 + 1, smallestThreshold) : smallestThreshold
    let threshold = threshold ?? defaultThreshold
    guard threshold <= degree, threshold >= smallestThreshold else {
      throw .invalidParameter(
        name: "threshold", value: "\(threshold)",
        expected: smallestThreshold <= degree
          ? "\(smallestThreshold)...\(degree) (\(Self.thresholdBoundDescription(securityMode: securityMode, isComplete: graph == .complete)))"
          : "no threshold fits: \(securityMode.rawValue) mode needs t ≥ \(smallestThreshold) "
            + "but a client has only \(degree) neighbours; use more neighbours or clients, or "
            + "fewer corrupted clients")
    }
    let minimumSurvivors = minimumSurvivors ?? Swift.max(threshold, clientCount / 2 + 1)
    guard (1...clientCount).contains(minimumSurvivors) else {
      throw .invalidParameter(
        name: "minimumSurvivors", value: "\(minimumSurvivors)", expected: "1...\(clientCount)")
    }
    self.clientCount = clientCount
    self.vectorLength = vectorLength
    self.modulus = modulus
    self.graph = graph
    self.threshold = threshold
    self.minimumSurvivors = minimumSurvivors
    self.securityMode = securityMode
    self.corruptedClientBound = corruptedClientBound
    self.corruptedNeighborBound = corruptedNeighborBound
    self.graphBeacon = graphBeacon
  }

  /// The number of neighbours each client has (n − 1 for the complete graph).
  public var degree: Int {
    switch graph {
    case .complete: return clientCount - 1
    case .harary(let degree): return degree
    }
  }

  /// The client ids, 1...n.
  public var participantIDs: [ParticipantID] {
    (1...clientCount).compactMap { ParticipantID($0) }
  }

  /// The smallest threshold the mode allows, with c the corrupted-neighbour bound:
  /// - semi-honest, complete graph: t > n_C (fewer than t colluders never hold t shares);
  /// - semi-honest, SecAgg+: t > c and t ≥ 2 (with t = 1 every single neighbour holds both of a
  ///   client's secrets);
  /// - active, complete graph: 2t > n + n_C (Bonawitz et al. §6);
  /// - active, SecAgg+: 2t > k + c. The consistency check is local to each neighbourhood, so a
  ///   malicious server can show the clients on one side of a victim a survivor set with it and
  ///   the other side one without it; the c colluding neighbours answer both ways. The server then
  ///   collects t shares of the self-mask seed and t of the masking key only if
  ///   (t − c) + (t − c) ≤ k − c, which 2t > k + c rules out.
  static func smallestThreshold(
    clientCount: Int, degree: Int, isComplete: Bool, securityMode: SecurityMode,
    corruptedClientBound: Int, corruptedNeighborBound: Int
  ) -> Int {
    switch (securityMode, isComplete) {
    case (.semiHonest, true): return corruptedClientBound + 1
    case (.semiHonest, false): return Swift.max(2, corruptedNeighborBound + 1)
    case (.active, true): return (clientCount + corruptedClientBound) / 2 + 1
    case (.active, false): return (degree + corruptedNeighborBound) / 2 + 1
    }
  }

  private static func thresholdBoundDescription(securityMode: SecurityMode, isComplete: Bool)
    -> String
  {
    switch (securityMode, isComplete) {
    case (.semiHonest, true): return "semi-honest needs t > corruptedClientBound and t ≤ n − 1"
    case (.semiHonest, false):
      return "semi-honest SecAgg+ needs t ≥ 2, t > corruptedNeighborBound and t ≤ degree"
    case (.active, true): return "active mode needs 2t > n + corruptedClientBound"
    case (.active, false): return "active SecAgg+ needs 2t > degree + corruptedNeighborBound"
    }
  }

  /// The canonical encoding hashed into the session id.
  var encoded: [UInt8] {
    var encoder = LengthPrefixedEncoder()
    encoder.append(Array("secure-aggregation-configuration/v2".utf8))
    encoder.append(UInt64(clientCount))
    encoder.append(UInt64(vectorLength))
    encoder.append(UInt64(modulus.powerOfTwoExponent ?? 0))
    encoder.append(modulus.value ?? 0)
    switch graph {
    case .complete: encoder.append(Array("complete".utf8))
    case .harary(let degree):
      encoder.append(Array("harary".utf8))
      encoder.append(UInt64(degree))
    }
    encoder.append(UInt64(threshold))
    encoder.append(UInt64(minimumSurvivors))
    encoder.append(Array(securityMode.rawValue.utf8))
    encoder.append(UInt64(corruptedClientBound))
    encoder.append(UInt64(corruptedNeighborBound))
    encoder.append(graphBeacon ?? [])
    return encoder.bytes
  }
}
