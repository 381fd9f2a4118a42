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
    var keys: [ParticipantID: IdentityPrivateKey] = [:]
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    if configuration.securityMode == .active {
      for id in configuration.participantIDs {
        let key = IdentityPrivateKey(from: identitySource(id))
        keys[id] = key
        directory[id] = key.publicKey
      }
    }
    identityKeys = keys
    server = try AggregationServer(
      configuration: configuration, identityDirectory: directory,
      insecureRandomSource: source("server"))
    var clients: [ParticipantID: AggregationClient] = [:]
    for id in configuration.participantIDs {
      clients[id] = try AggregationClient(
        configuration: configuration, id: id, identityKey: keys[id],
        identityDirectory: directory, insecureRandomSource: source("client \(id)"))
    }
    self.clients = clients
  }
}
