/// Carries out one ``Attack`` against an in-memory session and reports what the attacker got,
/// checked against the simulation's ground truth (issue 12's adversary suite; the CLI's
/// `simulate --attack`).
///
/// The honest parties are the real ``AggregationClient``s and, for client attacks, the real
/// ``AggregationServer``. The attacker uses the protocol's public messages: a malicious server
/// builds its own requests from them, and corrupt clients hand it everything they hold (both of
/// their shares of every neighbour, their identity keys). Nobody drops out; every secret and input
/// comes from one 64-bit seed (insecure, for reproducibility): the seed of
/// ``RandomSource/insecureDeterministic(seed:)``, 1 by default, or 64 bits drawn from any other
/// source.
///
/// A server attack targets one victim and corrupts ``corruptNeighborCount`` of its neighbours —
/// by default the configuration's ``AggregationConfiguration/corruptedNeighborBound``, the most
/// the mode promises to withstand. Its verdict, ``AttackReport/inputRecovered``, says whether the
/// attacker rebuilt the victim's input exactly.
public struct AttackSimulation {
  /// The session's parameters.
  public let configuration: AggregationConfiguration
  /// The attack.
  public let attack: Attack
  /// How many of the victim's neighbours a server attack corrupts.
  public let corruptNeighborCount: Int
  /// Where the seed of every secret and input comes from.
  public let randomSource: RandomSource
  /// The seed of every secret and input, fixed when the simulation is made.
  let seed: UInt64

  /// An attack on a session of `configuration`.
  ///
  /// - Parameters:
  ///   - configuration: the session's parameters.
  ///   - attack: the attack to carry out.
  ///   - corruptNeighbors: for server attacks, the victim's corrupt neighbours;
  ///     ``AggregationConfiguration/corruptedNeighborBound`` by default. A larger number is
  ///     outside what the configuration promises, and is allowed in order to show that.
  ///   - randomSource: the source of the seed of every key, share and input; seed 1 by default,
  ///     so that a report is reproducible.
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` for a
  ///   `corruptNeighbors` outside 0...degree − 1.
  public init(
    configuration: AggregationConfiguration, attack: Attack, corruptNeighbors: Int? = nil,
    randomSource: RandomSource = .insecureDeterministic(seed: 1)
  ) throws(SecureAggregationError) {
    let count = corruptNeighbors ?? configuration.corruptedNeighborBound
    guard (0..<configuration.degree).contains(count) else {
      throw .invalidParameter(
        name: "corruptNeighbors", value: "\(count)",
        expected: "0...\(configuration.degree - 1): at least one neighbour stays honest")
    }
    self.configuration = configuration
    self.attack = attack
    corruptNeighborCount = count
    self.randomSource = randomSource
    seed = randomSource.simulationSeed()
  }

  /// Whether the configuration's mode claims to stop `attack`: every mode stops the client and
  /// replay attacks; only active mode claims anything against a malicious server.
  public var isDefended: Bool {
    !attack.isServerAttack || configuration.securityMode == .active
  }

  /// Runs the session and the attack.
  ///
  /// - Throws: ``SecureAggregationError`` only when the session cannot be set up.
  public func run() throws(SecureAggregationError) -> AttackReport {
    switch attack {
    case .equivocation, .bothShares: return try serverAttack()
    case .badKey, .badShare: return try clientAttack()
    case .replay: return try replayAttack()
    }
  }

  func report(
    _ session: AttackSession, inputRecovered: Bool, result: AggregationResult?,
    victim: ParticipantID?, attackers: [ParticipantID], summary: String
  ) throws(SecureAggregationError) -> AttackReport {
    let exact = try result.map { result throws(SecureAggregationError) in
      result.sum == (try session.plaintextSum(of: result.survivors))
    }
    return AttackReport(
      attack: attack, configuration: configuration, defended: isDefended,
      inputRecovered: inputRecovered, sumReleased: result != nil, exact: exact,
      refusals: session.refusals, serverRejections: session.serverRejections, victim: victim,
      attackers: attackers, respondersWithWrongShares: result?.respondersWithWrongShares ?? [],
      summary: summary)
  }
}
