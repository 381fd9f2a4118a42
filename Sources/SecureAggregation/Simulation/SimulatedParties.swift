/// The server and the n clients of one simulated session, with identity keys in active mode:
/// what ``InMemoryRound`` and ``AttackSimulation`` both set up.
struct SimulatedParties {
  /// Active mode: every participant's identity key; empty otherwise.
  let identityKeys: [ParticipantID: IdentityPrivateKey]
  var server: AggregationServer
  var clients: [ParticipantID: AggregationClient]

  /// - Parameters:
  ///   - identitySource: the randomness of participant `id`'s identity key (active mode).
  ///   - source: the randomness of the party with this label: "server" or "client ID".
  init(
    configuration: AggregationConfiguration, identitySource: (ParticipantID) -> RandomSource,
    source: (String) -> RandomSource
  ) throws(SecureAggregationError) {
    let sources = SimulatedSources(
      configuration: configuration, identitySource: identitySource, source: source)
    identityKeys = sources.identityKeys
    server = try AggregationServer(
      configuration: configuration, identityDirectory: sources.identityDirectory,
      randomSource: sources.server)
    var clients: [ParticipantID: AggregationClient] = [:]
    for id in configuration.participantIDs {
      clients[id] = try AggregationClient(
        configuration: configuration, id: id, identityKey: sources.identityKeys[id],
        identityDirectory: sources.identityDirectory,
        randomSource: sources.clients[id] ?? .system)
    }
    self.clients = clients
  }
}

/// The randomness of every party of a simulated session, drawn in one fixed order (identity
/// keys, server, clients by id) so that a seed gives the same session whichever layer runs it.
package struct SimulatedSources {
  /// Active mode: every participant's identity key; empty otherwise.
  package let identityKeys: [ParticipantID: IdentityPrivateKey]
  /// The public halves of ``identityKeys``.
  package var identityDirectory: [ParticipantID: IdentityPublicKey] {
    identityKeys.mapValues(\.publicKey)
  }
  /// The server's randomness (its nonce).
  package let server: RandomSource
  /// Each client's randomness (keys, seed, shares).
  package let clients: [ParticipantID: RandomSource]

  /// The sources of a session seeded with `insecureSeed` (insecure), or the system's when `nil`.
  package init(configuration: AggregationConfiguration, insecureSeed: UInt64?) {
    let root = insecureSeed.map { ChaChaRandomNumberGenerator(insecureDeterministicSeed: $0) }
    func source(_ label: String) -> RandomSource {
      root.map { .insecureDeterministic($0.insecureDeterministicChild(label: label)) } ?? .system
    }
    self.init(
      configuration: configuration, identitySource: { source("identity \($0)") }, source: source)
  }

  init(
    configuration: AggregationConfiguration, identitySource: (ParticipantID) -> RandomSource,
    source: (String) -> RandomSource
  ) {
    var keys: [ParticipantID: IdentityPrivateKey] = [:]
    if configuration.securityMode == .active {
      for id in configuration.participantIDs {
        keys[id] = IdentityPrivateKey(from: identitySource(id))
      }
    }
    identityKeys = keys
    server = source("server")
    var clients: [ParticipantID: RandomSource] = [:]
    for id in configuration.participantIDs { clients[id] = source("client \(id)") }
    self.clients = clients
  }
}
