import Testing

@testable import SecureAggregation

/// One small secure-aggregation session driven by hand through the Swift API (no wire format), so
/// that tests can stop between rounds, look at every message and tamper with it before it is
/// delivered.
///
/// Everything is deterministic: the server's nonce, every client's keys, seed and shares come from
/// `seed`; the identity keys (active mode) come from a fixed seed, so two sessions with different
/// `seed`s have the same long-term identities, as two sessions of one cohort would.
///
/// Each round method lets the listed clients answer the server's messages (all recipients by
/// default, minus `excluding`), feeds their answers to the real ``AggregationServer``, closes the
/// round and returns what the server would send next, keyed by recipient. The clients' answers are
/// kept in the `sent…` properties.
struct TestSession {
  let configuration: AggregationConfiguration
  /// The ids 1...n.
  let ids: [ParticipantID]
  /// Active mode: every participant's identity key; empty in semi-honest mode.
  let identityKeys: [ParticipantID: IdentityPrivateKey]
  /// Active mode: every participant's identity public key; empty in semi-honest mode.
  let identityDirectory: [ParticipantID: IdentityPublicKey]
  var server: AggregationServer
  var clients: [ParticipantID: AggregationClient]

  /// Round 0: the advertisements the clients sent.
  var sentAdvertisements: [ParticipantID: KeyAdvertisement] = [:]
  /// Round 1: the encrypted shares the clients sent.
  var sentShares: [ParticipantID: KeyShares] = [:]
  /// Round 2: the masked inputs the clients sent.
  var sentMaskedInputs: [ParticipantID: MaskedInput] = [:]
  /// Round 3: the consistency signatures the clients sent.
  var sentSignatures: [ParticipantID: ConsistencySignature] = [:]
  /// Round 4: the unmasking responses the clients sent.
  var sentResponses: [ParticipantID: UnmaskingResponse] = [:]

  /// A session of `configuration` whose secrets all derive from `seed`.
  ///
  /// - Parameter clientIdentityDirectory: Active mode: the identity directory the clients are
  ///   given (the full directory by default); the server always has the full one.
  init(
    configuration: AggregationConfiguration, seed: UInt64 = 1,
    clientIdentityDirectory: [ParticipantID: IdentityPublicKey]? = nil
  ) throws {
    self.configuration = configuration
    ids = configuration.participantIDs
    var keys: [ParticipantID: IdentityPrivateKey] = [:]
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    if configuration.securityMode == .active {
      for id in ids {
        let key = IdentityPrivateKey(from: .insecureDeterministic(seed: 0x1d00 + UInt64(id.index)))
        keys[id] = key
        directory[id] = key.publicKey
      }
    }
    identityKeys = keys
    identityDirectory = directory
    server = try AggregationServer(
      configuration: configuration, identityDirectory: directory,
      randomSource: .insecureDeterministic(seed: seed << 20))
    var clients: [ParticipantID: AggregationClient] = [:]
    for id in ids {
      var clientDirectory = clientIdentityDirectory ?? directory
      if configuration.securityMode == .active { clientDirectory[id] = directory[id] }
      clients[id] = try AggregationClient(
        configuration: configuration, id: id, identityKey: keys[id],
        identityDirectory: clientDirectory,
        randomSource: .insecureDeterministic(seed: (seed << 20) + UInt64(id.index)))
    }
    self.clients = clients
  }

  /// Client `index` (1-based).
  func id(_ index: Int) -> ParticipantID { ids[index - 1] }

  /// A copy of client `id`, to drive by hand.
  func client(_ id: ParticipantID) throws -> AggregationClient {
    try #require(clients[id])
  }

  /// The session's neighbour graph.
  var graph: NeighborGraph { server.graph }

  /// Client `id`'s input: small distinct numbers, reduced into Z_R.
  func input(for id: ParticipantID) throws -> ModularVector {
    let modulus = configuration.modulus
    let elements = (0..<configuration.vectorLength).map { index in
      let value = UInt64(id.index * 1_000 + index * 7 + 3)
      return modulus.maximumElement == .max ? value : value % (modulus.maximumElement + 1)
    }
    return try ModularVector(elements, modulus: modulus)
  }

  /// The plaintext sum of the inputs of `survivors`.
  func expectedSum(of survivors: [ParticipantID]) throws -> ModularVector {
    var sum = ModularVector(zeroCount: configuration.vectorLength, modulus: configuration.modulus)
    for id in survivors { try sum.add(input(for: id)) }
    return sum
  }

  /// Runs `body` on client `id` and stores the client back (changed or not).
  mutating func withClient<Result>(
    _ id: ParticipantID, _ body: (inout AggregationClient) throws -> Result
  ) throws -> Result {
    var client = try #require(clients[id])
    defer { clients[id] = client }
    return try body(&client)
  }

  private func answering<Message>(
    _ messages: [ParticipantID: Message], excluding: Set<ParticipantID>
  ) -> [(ParticipantID, Message)] {
    messages.keys.sorted().filter { !excluding.contains($0) }.compactMap { id in
      messages[id].map { (id, $0) }
    }
  }

  // MARK: Rounds

  /// Round 0: every client but `excluding` advertises its keys; returns the key directories.
  mutating func advertiseKeys(excluding: Set<ParticipantID> = []) throws
    -> [ParticipantID: KeyDirectory]
  {
    let announcer = server
    for id in ids where !excluding.contains(id) {
      let message = try withClient(id) {
        try $0.advertiseKeys(for: announcer.announcement(for: id))
      }
      sentAdvertisements[id] = message
      try server.receive(message)
    }
    return Dictionary(
      uniqueKeysWithValues: try server.closeAdvertiseKeys().map { ($0.recipient, $0) })
  }

  /// Round 1: the directories' recipients but `excluding` send their shares; returns the relays.
  mutating func shareKeys(
    _ directories: [ParticipantID: KeyDirectory], excluding: Set<ParticipantID> = []
  ) throws -> [ParticipantID: ShareRelay] {
    for (id, directory) in answering(directories, excluding: excluding) {
      let message = try withClient(id) { try $0.shareKeys(for: directory) }
      sentShares[id] = message
      try server.receive(message)
    }
    return Dictionary(uniqueKeysWithValues: try server.closeShareKeys().map { ($0.recipient, $0) })
  }

  /// Round 2: the relays' recipients but `excluding` send their masked inputs; returns what the
  /// server asks next.
  mutating func maskedInputs(
    _ relays: [ParticipantID: ShareRelay], excluding: Set<ParticipantID> = []
  ) throws -> AggregationServer.SurvivorRequests {
    for (id, relay) in answering(relays, excluding: excluding) {
      let input = try input(for: id)
      let message = try withClient(id) { try $0.maskInput(for: relay, input: input) }
      sentMaskedInputs[id] = message
      try server.receive(message)
    }
    return try server.closeMaskedInputs()
  }

  /// Round 3 (active mode): the requests' recipients but `excluding` sign; returns the unmasking
  /// requests.
  mutating func consistencyCheck(
    _ requests: [ParticipantID: ConsistencyCheckRequest], excluding: Set<ParticipantID> = []
  ) throws -> [ParticipantID: UnmaskingRequest] {
    for (id, request) in answering(requests, excluding: excluding) {
      let message = try withClient(id) { try $0.signSurvivors(for: request) }
      sentSignatures[id] = message
      try server.receive(message)
    }
    return Dictionary(
      uniqueKeysWithValues: try server.closeConsistencyCheck().map { ($0.recipient, $0) })
  }

  /// Round 4: the requests' recipients but `excluding` reveal their shares; returns the server's
  /// result.
  mutating func unmask(
    _ requests: [ParticipantID: UnmaskingRequest], excluding: Set<ParticipantID> = []
  ) throws -> AggregationResult {
    for (id, request) in answering(requests, excluding: excluding) {
      let message = try withClient(id) { try $0.revealShares(for: request) }
      sentResponses[id] = message
      try server.receive(message)
    }
    return try server.finish()
  }

  /// Runs rounds 0 to 3 (3 in active mode only) honestly, dropping the clients listed in
  /// `dropouts` from the given round on; returns the unmasking requests.
  mutating func runToUnmasking(dropouts: [ParticipantID: ProtocolRound] = [:]) throws
    -> [ParticipantID: UnmaskingRequest]
  {
    func dropped(in round: ProtocolRound) -> Set<ParticipantID> {
      Set(dropouts.filter { $0.value <= round }.keys)
    }
    let directories = try advertiseKeys(excluding: dropped(in: .advertiseKeys))
    let relays = try shareKeys(directories, excluding: dropped(in: .shareKeys))
    let requests = try maskedInputs(relays, excluding: dropped(in: .maskedInputCollection))
    switch requests {
    case .unmasking:
      return requests.unmaskingRequests
    case .consistencyCheck:
      return try consistencyCheck(
        requests.consistencyRequests, excluding: dropped(in: .consistencyCheck))
    }
  }
}

extension AggregationServer.SurvivorRequests {
  /// Active mode: the consistency-check requests by recipient; empty otherwise.
  var consistencyRequests: [ParticipantID: ConsistencyCheckRequest] {
    guard case .consistencyCheck(let requests) = self else { return [:] }
    return Dictionary(uniqueKeysWithValues: requests.map { ($0.recipient, $0) })
  }

  /// Semi-honest mode: the unmasking requests by recipient; empty otherwise.
  var unmaskingRequests: [ParticipantID: UnmaskingRequest] {
    guard case .unmasking(let requests) = self else { return [:] }
    return Dictionary(uniqueKeysWithValues: requests.map { ($0.recipient, $0) })
  }
}

/// Tampering helpers.
enum Tamper {
  /// `bytes` with bit `bit` of byte `index` flipped.
  static func flipBit(_ bytes: [UInt8], at index: Int, bit: Int = 0) -> [UInt8] {
    var result = bytes
    result[index] ^= UInt8(1) << UInt8(bit)
    return result
  }

  /// `box` with one bit of its ciphertext flipped.
  static func flipBit(of box: SealedBox, at index: Int? = nil) throws -> SealedBox {
    let position = index ?? SealedBox.nonceByteCount + 3
    return try SealedBox(combined: flipBit(box.combined, at: position))
  }

  /// `message` with another signature.
  static func resigned(_ message: KeyAdvertisement, signature: [UInt8])
    -> KeyAdvertisement
  {
    KeyAdvertisement(
      sessionID: message.sessionID, sender: message.sender, encryptionKey: message.encryptionKey,
      maskingKey: message.maskingKey, signature: signature)
  }
}
