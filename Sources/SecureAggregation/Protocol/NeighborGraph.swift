import AggregationCrypto

/// The neighbour graph of one aggregation: with whom each client agrees pairwise masks and
/// among whom it shares its secrets, as in SecAgg+ (Bell et al., CCS 2020).
///
/// Every client computes the same graph for itself from public values — the client count n, the
/// degree k and a public seed such as the session id — so the server never has to be trusted to
/// announce it, and a server that lies about a client's neighbours is contradicted by the
/// client's own computation.
///
/// ## The Harary graph
///
/// ``harary(clientCount:degree:seed:)`` builds H(n, k) as Bell et al. and fcp do: the n clients
/// sit on a ring, and each is joined to the k/2 nearest clients on either side, so every client
/// has exactly k neighbours. The k must be even (fcp's `SecretSharingHararyGraph` counts the
/// client itself and so requires an odd k + 1); k = n − 1 gives the complete graph. Which client
/// sits where is a uniformly random permutation derived from the seed, which is what the
/// security analysis of ``ParameterFinder`` assumes: corrupted and dropped clients land at
/// uniformly random places on the ring.
///
/// The permutation is a Fisher–Yates shuffle of the ids 1...n, driven by a ChaCha20 stream keyed
/// with HKDF-SHA256 from the seed, under a context bound to n and k (see
/// ``harary(clientCount:degree:seed:)``). Only the permutation and its inverse are stored, 4n
/// bytes, and neighbourhoods are computed on demand, so n = 65,535 costs 256 KiB. Two graphs are
/// equal when they have the same n, k and ring order: the same seed gives equal graphs, and
/// complete graphs on n clients are all equal.
///
/// ## What the server can and cannot influence
///
/// The graph is a fixed function of (n, k, seed); nobody can change a client's neighbours
/// without changing one of them, and every client checks all three.
///
/// - The server announces the seed (for instance the session id) before round 0, before any
///   client has sent a key: it cannot choose neighbours after seeing keys, nor give different
///   clients different graphs.
/// - A server that chooses the seed can try many seeds before round 0 and keep one that places
///   the clients it has corrupted badly ("grinding"). Each seed gives an independent uniformly
///   random placement, so trying G seeds multiplies the probability of any bad placement by at
///   most G: σ bits of statistical security become σ − log₂ G. A seed the server cannot pick
///   alone — derived from a public beacon, or from randomness the clients contribute — removes
///   this.
/// - Ids must be fixed before the seed is known to whoever assigns them: with the seed in hand,
///   a server that still assigns ids could give corrupted clients the ids around a victim.
public struct NeighborGraph: Sendable, Hashable {
  /// The number of clients n; their ids are 1...n.
  public let clientCount: Int
  /// The number of neighbours of every client, excluding itself: k for a Harary graph, n − 1 for
  /// the complete graph.
  public let degree: Int
  /// The id at each ring position 0..<n; empty for the complete graph.
  private let ringOrder: [UInt16]
  /// The ring position of each id, indexed by id − 1; empty for the complete graph.
  private let ringPositions: [UInt16]

  private init(clientCount: Int, degree: Int, ringOrder: [UInt16], ringPositions: [UInt16]) {
    self.clientCount = clientCount
    self.degree = degree
    self.ringOrder = ringOrder
    self.ringPositions = ringPositions
  }

  /// The shortest seed accepted, in bytes.
  public static let minimumSeedByteCount = 16

  /// The HKDF purpose under which the permutation's key is derived from the seed.
  static let permutationPurpose = "neighbor-graph/harary-permutation"

  /// Whether every client neighbours every other (``degree`` = n − 1).
  public var isComplete: Bool { degree == clientCount - 1 }

  /// The complete graph on n clients, as in the original protocol of Bonawitz et al.: every
  /// client neighbours the n − 1 others.
  ///
  /// - Parameter clientCount: n, 1...65535.
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` for n out of
  ///   range.
  public static func complete(clientCount: Int) throws(SecureAggregationError) -> NeighborGraph {
    try validate(clientCount: clientCount)
    return NeighborGraph(
      clientCount: clientCount, degree: clientCount - 1, ringOrder: [], ringPositions: [])
  }

  /// The Harary graph H(n, k) with ring positions permuted by `seed`.
  ///
  /// The permutation's key is HKDF-SHA256 with the seed as input keying material, an empty salt
  /// and as `info` the ``KeyDerivationContext`` with purpose
  /// `"neighbor-graph/harary-permutation"` and fields n and k (four big-endian bytes each). That
  /// key seeds ``ChaChaRandomNumberGenerator``; for i = n − 1 down to 1, a uniform j in 0...i
  /// (64-bit draws below 2^64 mod (i + 1) are redrawn, the rest taken modulo i + 1) swaps the
  /// ids at positions i and j of the list 1...n, which becomes the ring order.
  ///
  /// - Parameters:
  ///   - clientCount: n, 1...65535.
  ///   - degree: k, the neighbours of each client excluding itself: even, 2...n − 2; or n − 1,
  ///     which returns ``complete(clientCount:)``.
  ///   - seed: Public randomness every client knows, such as the session id: at least 16 bytes.
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` naming the
  ///   parameter out of range.
  public static func harary(
    clientCount: Int, degree: Int, seed: [UInt8]
  ) throws(SecureAggregationError) -> NeighborGraph {
    try validate(clientCount: clientCount)
    guard seed.count >= minimumSeedByteCount else {
      throw .invalidParameter(
        name: "seed", value: "\(seed.count) bytes",
        expected: "at least \(minimumSeedByteCount) bytes of public session randomness")
    }
    if degree == clientCount - 1 { return try complete(clientCount: clientCount) }
    guard degree >= 2, degree <= clientCount - 2, degree % 2 == 0 else {
      let expected =
        clientCount >= 4
        ? "an even degree in 2...\(clientCount - 2), or \(clientCount - 1) for the complete graph"
        : "\(clientCount - 1), the complete graph (\(clientCount) clients)"
      throw .invalidParameter(name: "degree", value: "\(degree)", expected: expected)
    }
    let order = permutation(clientCount: clientCount, degree: degree, seed: seed)
    var positions = [UInt16](repeating: 0, count: clientCount)
    for (position, id) in order.enumerated() {
      positions[Int(id) - 1] = UInt16(truncatingIfNeeded: position)
    }
    return NeighborGraph(
      clientCount: clientCount, degree: degree, ringOrder: order, ringPositions: positions)
  }

  /// Whether `id` is one of this graph's clients (1...n).
  public func contains(_ id: ParticipantID) -> Bool {
    id.index <= clientCount
  }

  /// The neighbours of `id`, in ascending order, excluding `id` itself; empty for an id outside
  /// 1...n.
  public func neighbors(of id: ParticipantID) -> [ParticipantID] {
    guard contains(id) else { return [] }
    if isComplete {
      return (1...clientCount).compactMap { $0 == id.index ? nil : ParticipantID($0) }
    }
    let position = Int(ringPositions[id.index - 1])
    var result: [ParticipantID] = []
    result.reserveCapacity(degree)
    for offset in 1...(degree / 2) {
      for neighbor in [position + offset, position - offset + clientCount] {
        if let neighborID = ParticipantID(rawValue: ringOrder[neighbor % clientCount]) {
          result.append(neighborID)
        }
      }
    }
    result.sort()
    return result
  }

  /// Whether `a` and `b` are neighbours: two distinct clients of the graph within k/2 places of
  /// each other on the ring. The relation is symmetric, and no client neighbours itself.
  public func areNeighbors(_ a: ParticipantID, _ b: ParticipantID) -> Bool {
    guard a != b, contains(a), contains(b) else { return false }
    if isComplete { return true }
    let distance = abs(Int(ringPositions[a.index - 1]) - Int(ringPositions[b.index - 1]))
    return min(distance, clientCount - distance) <= degree / 2
  }

  /// The ring position of `id` (0..<n), or `nil` for the complete graph or an id outside 1...n.
  func ringPosition(of id: ParticipantID) -> Int? {
    guard contains(id), !isComplete else { return nil }
    return Int(ringPositions[id.index - 1])
  }

  private static func validate(clientCount: Int) throws(SecureAggregationError) {
    guard (1...ParticipantID.maximumCount).contains(clientCount) else {
      throw .invalidParameter(
        name: "clientCount", value: "\(clientCount)",
        expected: "1...\(ParticipantID.maximumCount)")
    }
  }

  /// The ring order: the ids 1...n shuffled by a generator keyed from `seed`, n and k.
  static func permutation(clientCount: Int, degree: Int, seed: [UInt8]) -> [UInt16] {
    let context = KeyDerivationContext(
      purpose: permutationPurpose, fields: [bigEndian32(clientCount), bigEndian32(degree)])
    let key: SecureBytes
    do {
      key = try HKDF.deriveKey(
        inputKeyMaterial: SecureBytes(seed), salt: [], info: context.encoded,
        outputByteCount: 32)
    } catch {
      preconditionFailure("HKDF-SHA256 always gives 32 bytes: \(error)")
    }
    // The "insecure" deterministic generator is what is wanted here: the seed is public by
    // design, and the graph must be the same for every client. Nothing secret is drawn from it;
    // the permutation only has to be unpredictable before the seed is fixed.
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: key.unprotectedArray)
    var order = (1...clientCount).map { UInt16(truncatingIfNeeded: $0) }
    var index = clientCount - 1
    while index > 0 {
      order.swapAt(index, uniform(below: UInt64(index + 1), from: generator))
      index -= 1
    }
    return order
  }

  /// A uniform integer in 0..<bound: 64-bit draws below 2^64 mod bound are redrawn, so that
  /// those kept fall evenly into the bound residue classes, and the draw modulo bound is
  /// returned. Spelled out rather than `Int.random(in:using:)`, whose algorithm the standard
  /// library may change, because every client must derive the same permutation.
  static func uniform(below bound: UInt64, from generator: ChaChaRandomNumberGenerator) -> Int {
    let rejected = (0 &- bound) % bound
    while true {
      let draw = generator.next()
      if draw >= rejected { return Int(draw % bound) }
    }
  }

  private static func bigEndian32(_ value: Int) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
  }
}
