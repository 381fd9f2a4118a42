/// One session driven message by message for ``AttackSimulation``: the real server and clients,
/// every secret drawn from a seed, with hooks between the rounds where an attacker acts.
///
/// Clients that refuse a message are recorded in ``refusals`` and count as dropped from then on;
/// messages the server rejects are recorded in ``serverRejections``.
struct AttackSession {
  let configuration: AggregationConfiguration
  let seed: UInt64
  let identityKeys: [ParticipantID: IdentityPrivateKey]
  var server: AggregationServer
  var clients: [ParticipantID: AggregationClient]
  /// Clients that refused a message or were rejected: they send nothing more.
  var stopped = Set<ParticipantID>()
  var refusals: [SecureAggregationError] = []
  var serverRejections: [SecureAggregationError] = []
  /// What the clients sent in rounds 1, 2 and 4.
  var sentShares: [ParticipantID: KeyShares] = [:]
  var maskedInputs: [ParticipantID: MaskedInput] = [:]
  var sentResponses: [ParticipantID: UnmaskingResponse] = [:]

  init(configuration: AggregationConfiguration, seed: UInt64) throws(SecureAggregationError) {
    self.configuration = configuration
    self.seed = seed
    let root = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    func source(_ label: String) -> RandomSource {
      .insecureDeterministic(root.insecureDeterministicChild(label: label))
    }
    // Long-term identities do not change between sessions of one cohort.
    let identities = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 0x1d)
    let parties = try SimulatedParties(
      configuration: configuration,
      identitySource: {
        .insecureDeterministic(identities.insecureDeterministicChild(label: "\($0)"))
      }, source: source)
    identityKeys = parties.identityKeys
    server = parties.server
    clients = parties.clients
  }

  /// Client `id`'s input: the simulation's ground truth.
  func input(for id: ParticipantID) -> ModularVector {
    InMemoryRound.input(for: id, seed: seed, configuration: configuration)
  }

  /// Runs `body` on client `id` unless it has stopped; a refusal is recorded and stops it.
  mutating func client<Message>(
    _ id: ParticipantID,
    _ body: (inout AggregationClient) throws(SecureAggregationError) -> Message
  ) -> Message? {
    guard !stopped.contains(id), var client = clients[id] else { return nil }
    defer { clients[id] = client }
    do {
      return try body(&client)
    } catch {
      refusals.append(error)
      stopped.insert(id)
      return nil
    }
  }

  /// Offers a client's message to the server; a rejection is recorded.
  mutating func deliver(_ message: ClientMessage) {
    do {
      try server.receive(message)
    } catch {
      serverRejections.append(error)
    }
  }

  // MARK: Honest rounds

  /// Round 0; `forge` may replace a client's advertisement.
  mutating func advertiseKeys(
    forge: (KeyAdvertisement) -> KeyAdvertisement = { $0 }
  ) throws(SecureAggregationError) -> [KeyDirectory] {
    for id in configuration.participantIDs {
      let announcement = SessionAnnouncement(
        nonce: server.nonce, sessionID: server.sessionID, recipient: id)
      guard
        let message = client(
          id,
          { client throws(SecureAggregationError) in
            try client.advertiseKeys(for: announcement)
          })
      else { continue }
      deliver(.keyAdvertisement(forge(message)))
    }
    return try server.closeAdvertiseKeys()
  }

  mutating func shareKeys(_ directories: [KeyDirectory]) throws(SecureAggregationError)
    -> [ShareRelay]
  {
    for directory in directories {
      guard
        let message = client(
          directory.recipient,
          { client throws(SecureAggregationError) in
            try client.shareKeys(for: directory)
          })
      else { continue }
      sentShares[directory.recipient] = message
      deliver(.keyShares(message))
    }
    return try server.closeShareKeys()
  }

  mutating func maskedInputs(_ relays: [ShareRelay]) throws(SecureAggregationError)
    -> AggregationServer.SurvivorRequests
  {
    for relay in relays {
      let input = input(for: relay.recipient)
      guard
        let message = client(
          relay.recipient,
          { client throws(SecureAggregationError) in
            try client.maskInput(for: relay, input: input)
          })
      else { continue }
      maskedInputs[relay.recipient] = message
      deliver(.maskedInput(message))
    }
    return try server.closeMaskedInputs()
  }

  mutating func consistencyCheck(_ requests: [ConsistencyCheckRequest])
    throws(SecureAggregationError) -> [UnmaskingRequest]
  {
    for request in requests {
      guard
        let message = client(
          request.recipient,
          { client throws(SecureAggregationError) in
            try client.signSurvivors(for: request)
          })
      else { continue }
      deliver(.consistencySignature(message))
    }
    return try server.closeConsistencyCheck()
  }

  /// Round 4; `tamper` may change a response before it reaches the server.
  mutating func unmask(
    _ requests: [UnmaskingRequest],
    tamper: (UnmaskingResponse) -> UnmaskingResponse = { $0 }
  ) {
    for request in requests {
      guard
        let message = client(
          request.recipient,
          { client throws(SecureAggregationError) in
            try client.revealShares(for: request)
          })
      else { continue }
      sentResponses[request.recipient] = message
      deliver(.unmaskingResponse(tamper(message)))
    }
  }

  /// Rounds 0 to 3 honestly (after `forge` in round 0); the unmasking requests.
  mutating func runToUnmasking(
    forge: (KeyAdvertisement) -> KeyAdvertisement = { $0 }
  ) throws(SecureAggregationError) -> [UnmaskingRequest] {
    let relays = try shareKeys(advertiseKeys(forge: forge))
    switch try maskedInputs(relays) {
    case .unmasking(let requests): return requests
    case .consistencyCheck(let requests): return try consistencyCheck(requests)
    }
  }

  /// The sum of the inputs of `survivors`: what an exact release equals.
  func plaintextSum(of survivors: [ParticipantID]) throws(SecureAggregationError) -> ModularVector {
    var sum = ModularVector(zeroCount: configuration.vectorLength, modulus: configuration.modulus)
    for id in survivors { try sum.add(input(for: id)) }
    return sum
  }
}
