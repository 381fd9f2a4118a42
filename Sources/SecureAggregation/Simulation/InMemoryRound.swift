/// Runs one whole secure-aggregation session in memory: n clients and the server, with a dropout
/// schedule, checked against the plaintext sum.
///
/// Every message crosses between a client and the server as encoded bytes through the wire
/// format — no object is shared — so the simulation exercises exactly what a network would carry
/// and its byte counts are real. Each client's input is generated only when the client masks it,
/// from the random source, and the driver keeps just a running plaintext sum to check against: memory grows
/// with the vector length, not with clients × length.
///
/// With ``RandomSource/insecureDeterministic(seed:)``, every key, seed, share and input is drawn
/// from the seed (insecure, for reproducibility); with ``RandomSource/system`` (the default),
/// clients and server draw their secrets from the system.
public struct InMemoryRound {
  /// The session's parameters.
  public let configuration: AggregationConfiguration
  /// Who vanishes when.
  public let dropouts: DropoutSchedule
  /// Where the inputs and every party's secrets come from.
  public let randomSource: RandomSource
  /// The seed of the default inputs (and of every secret when the source is deterministic),
  /// fixed when the simulation is made, so that every run of it draws the same inputs.
  let seed: UInt64
  /// Makes client inputs; `nil` draws uniform vectors of Z_R^m from ``randomSource``.
  public let inputs: ((ParticipantID, SessionID) -> ModularVector)?

  /// A simulated session.
  ///
  /// - Parameters:
  ///   - configuration: The protocol parameters.
  ///   - dropouts: Which clients vanish in which round.
  ///   - randomSource: Where the secrets and the default inputs come from: the system's secure
  ///     generator by default; ``RandomSource/insecureDeterministic(seed:)`` makes the run
  ///     reproducible (insecure, for simulations only).
  ///   - inputs: Each client's input, made when the client masks it, from its id and the
  ///     session id; it must have the configuration's length and modulus (a client whose input
  ///     does not sends nothing). By default uniform vectors drawn from `randomSource`.
  public init(
    configuration: AggregationConfiguration, dropouts: DropoutSchedule = DropoutSchedule(),
    randomSource: RandomSource = .system,
    inputs: ((ParticipantID, SessionID) -> ModularVector)? = nil
  ) {
    self.configuration = configuration
    self.dropouts = dropouts
    self.randomSource = randomSource
    seed = randomSource.simulationSeed()
    self.inputs = inputs
  }

  /// Where a running session is, for progress displays.
  public struct Progress: Sendable {
    /// The round being played.
    public let round: ProtocolRound
    /// Messages of this round delivered so far.
    public let completed: Int
    /// Messages this round will deliver.
    public let total: Int
  }

  /// Runs the session.
  ///
  /// A server abort (too few survivors, an unrecoverable client) is a result, not an error: the
  /// report then has no sum and gives the reason.
  ///
  /// - Parameter progress: Called after every delivered message (keep it cheap).
  /// - Throws: ``SecureAggregationError`` only for a configuration the driver cannot set up.
  public func run(progress: ((Progress) -> Void)? = nil) throws(SecureAggregationError)
    -> RoundReport
  {
    var driver = try makeDriver()
    driver.progress = progress
    switch driver.run() {
    case .success(let result):
      return driver.report(
        sum: result.sum, survivors: result.survivors, completed: result.completed,
        abortReason: nil)
    case .failure(let error):
      return driver.report(sum: nil, survivors: [], completed: [:], abortReason: error)
    }
  }

  /// The driver of this session, its parties made from the random source, inputs made when each
  /// client masks.
  package func makeDriver() throws(SecureAggregationError)
    -> RoundDriver<AggregationServer, AggregationClient>
  {
    let sources = SimulatedSources(
      configuration: configuration, insecureSeed: randomSource.isDeterministic ? seed : nil)
    let directory = sources.identityDirectory
    let server = try AggregationServer(
      configuration: configuration, identityDirectory: directory,
      randomSource: sources.server)
    var clients: [ParticipantID: AggregationClient] = [:]
    for id in configuration.participantIDs {
      clients[id] = try AggregationClient(
        configuration: configuration, id: id, identityKey: sources.identityKeys[id],
        identityDirectory: directory, randomSource: sources.clients[id] ?? .system)
    }
    var driver = RoundDriver(
      configuration: configuration, dropouts: dropouts, server: server, clients: clients)
    let inputs = self.inputs
    let seed = seed
    let configuration = configuration
    driver.prepare = { client, id, sessionID in
      client.input =
        inputs?(id, sessionID) ?? Self.input(for: id, seed: seed, configuration: configuration)
    }
    return driver
  }

  /// Client `id`'s input: uniform in Z_R^m, a function of the seed and the id.
  static func input(for id: ParticipantID, seed: UInt64, configuration: AggregationConfiguration)
    -> ModularVector
  {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
      .insecureDeterministicChild(label: "input \(id)")
    var vector = ModularVector(
      zeroCount: configuration.vectorLength, modulus: configuration.modulus)
    var bytes = SecureBytes(zeroedCount: 32)
    bytes.withUnsafeMutableBytes { generator.fill($0) }
    // Expanding a key with the mask generator gives uniform elements of Z_R quickly.
    if let mask = try? MaskGenerator(
      key: SymmetricKey(bytes: bytes), modulus: configuration.modulus)
    {
      try? vector.applyMask(mask, .overwrite)
    }
    return vector
  }
}
