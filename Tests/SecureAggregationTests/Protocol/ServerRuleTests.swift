import Testing

@testable import SecureAggregation

/// What can be observed of a server's state: enough to show that a refused message or a refused
/// close changed nothing.
struct ServerSnapshot: Equatable {
  let phase: AggregationServer.Phase
  let advertised: Set<ParticipantID>
  let sharedKeys: Set<ParticipantID>
  let pendingBoxes: Int
  let maskedInputs: Set<ParticipantID>
  let sum: ModularVector
  let signers: Set<ParticipantID>
  let responders: Set<ParticipantID>
  let revealedShares: Int
  let seedCommitments: [ParticipantID: [UInt8]]
  let relayedTo: [ParticipantID: Set<ParticipantID>]
  let discardedResponders: Set<ParticipantID>

  init(_ server: AggregationServer) {
    phase = server.phase
    advertised = Set(server.advertisements.keys)
    sharedKeys = server.sharedKeys
    pendingBoxes = server.pendingBoxes.values.map(\.count).reduce(0, +)
    maskedInputs = server.maskedInputs
    sum = server.sum
    signers = Set(server.consistencySignatures.keys)
    responders = server.responders
    revealedShares =
      server.selfMaskSeedShares.values.map(\.count).reduce(0, +)
      + server.maskingKeyShares.values.map(\.count).reduce(0, +)
    seedCommitments = server.seedCommitments
    relayedTo = server.relayedTo
    discardedResponders = server.discardedResponders
  }
}

/// Expects `body` to throw exactly `expected` and to leave `server` as it was.
func expectRejection<Result>(
  _ expected: SecureAggregationError, by server: inout AggregationServer,
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: (inout AggregationServer) throws -> Result
) {
  let before = ServerSnapshot(server)
  #expect(throws: expected, sourceLocation: sourceLocation) { try body(&server) }
  #expect(ServerSnapshot(server) == before, sourceLocation: sourceLocation)
}

// The server's own checks: every `receive` validates the whole message before it changes
// anything, and a `close…` that throws leaves the round open.
@Suite struct ServerRuleTests {
  /// Semi-honest, complete graph: n = 5, t = 3, minimumSurvivors = 3; R = 1000 is not a power of
  /// two.
  static func semiHonest() throws -> AggregationConfiguration {
    try AggregationConfiguration(clientCount: 5, vectorLength: 6, modulus: Modulus(1_000))
  }

  // A full session by hand: client 5 never sends its shares; invalid masked inputs are refused
  // and leave the running sum as it was; the released sum is exactly that of clients 1...4.
  @Test func rejectedMaskedInputsLeaveTheSumUnchanged() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    let silent = session.id(5)
    let relays = try session.shareKeys(session.advertiseKeys(), excluding: [silent])
    #expect(relays.keys.sorted() == Array(session.ids.prefix(4)))
    let sessionID = session.server.sessionID
    let a = session.id(1)

    let relay = try #require(relays[a])
    let input = try session.input(for: a)
    let honest = try session.withClient(a) { try $0.maskInput(for: relay, input: input) }
    let long = MaskedInput(
      sessionID: sessionID, sender: a,
      maskedInput: ModularVector(zeroCount: 7, modulus: try Modulus(1_000)))
    expectRejection(
      .invalidMessage(reason: "a masked input of 7 elements mod 1000; expected 6 mod 1000"),
      by: &session.server
    ) { try $0.receive(long) }
    let otherModulus = MaskedInput(
      sessionID: sessionID, sender: a,
      maskedInput: ModularVector(zeroCount: 6, modulus: try Modulus(bitWidth: 10)))
    expectRejection(
      .invalidMessage(reason: "a masked input of 6 elements mod 2^10; expected 6 mod 1000"),
      by: &session.server
    ) { try $0.receive(otherModulus) }
    let fromSilent = MaskedInput(
      sessionID: sessionID, sender: silent, maskedInput: honest.maskedInput)
    expectRejection(.unknownParticipant(silent.rawValue), by: &session.server) {
      try $0.receive(fromSilent)
    }
    let fromBeyond = MaskedInput(
      sessionID: sessionID, sender: try participant(6), maskedInput: honest.maskedInput)
    expectRejection(.unknownParticipant(6), by: &session.server) { try $0.receive(fromBeyond) }
    let other = try TestSession(configuration: Self.semiHonest(), seed: 2)
    let foreign = MaskedInput(
      sessionID: other.server.sessionID, sender: a, maskedInput: honest.maskedInput)
    expectRejection(.sessionMismatch, by: &session.server) { try $0.receive(foreign) }
    #expect(session.server.sum == ModularVector(zeroCount: 6, modulus: try Modulus(1_000)))

    try session.server.receive(honest)
    expectRejection(.duplicateParticipant(a), by: &session.server) { try $0.receive(honest) }
    let requests = try session.maskedInputs(relays.filter { $0.key != a })
    let result = try session.unmask(requests.unmaskingRequests)
    #expect(result.survivors == Array(session.ids.prefix(4)))
    #expect(result.sum == (try session.expectedSum(of: result.survivors)))
    #expect(result.completed[.shareKeys] == Array(session.ids.prefix(4)))
  }

  // A message repeated after its round closed is refused as out of place, and the session still
  // ends with the exact sum.
  @Test func repeatsAfterTheRoundAreRejected() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 5, vectorLength: 6, modulus: Modulus(bitWidth: 20), securityMode: .active,
      corruptedClientBound: 0)
    var session = try TestSession(configuration: configuration)
    let a = session.id(1)
    let directories = try session.advertiseKeys()
    let advertisement = try #require(session.sentAdvertisements[a])
    // The round is closed: even the first copy would now be out of place.
    expectRejection(
      .unexpectedMessage(
        received: "advertise-keys message", expected: "the server is collecting shares"),
      by: &session.server
    ) { try $0.receive(advertisement) }

    let relays = try session.shareKeys(directories)
    let shares = try #require(session.sentShares[a])
    expectRejection(
      .unexpectedMessage(
        received: "share-keys message", expected: "the server is collecting masked inputs"),
      by: &session.server
    ) { try $0.receive(shares) }

    let checks = try session.maskedInputs(relays).consistencyRequests
    let masked = try #require(session.sentMaskedInputs[a])
    expectRejection(
      .unexpectedMessage(
        received: "masked-input message", expected: "the server is collecting signatures"),
      by: &session.server
    ) { try $0.receive(masked) }

    let requests = try session.consistencyCheck(checks)
    let signature = try #require(session.sentSignatures[a])
    expectRejection(
      .unexpectedMessage(
        received: "consistency signature",
        expected: "the server is collecting unmasking responses"),
      by: &session.server
    ) { try $0.receive(signature) }

    let result = try session.unmask(requests)
    #expect(result.sum == (try session.expectedSum(of: session.ids)))
  }

  // Within each round, the same message twice is refused as a duplicate.
  @Test func duplicatesWithinARoundAreRejected() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 5, vectorLength: 6, modulus: Modulus(bitWidth: 20), securityMode: .active,
      corruptedClientBound: 0)
    var session = try TestSession(configuration: configuration)
    let a = session.id(1)
    let announcer = session.server
    var messages: [ParticipantID: KeyAdvertisement] = [:]
    for id in session.ids {
      messages[id] = try session.withClient(id) {
        try $0.advertiseKeys(for: announcer.announcement(for: id))
      }
      try session.server.receive(try #require(messages[id]))
    }
    let advertisement = try #require(messages[a])
    expectRejection(.duplicateParticipant(a), by: &session.server) {
      try $0.receive(advertisement)
    }
    // Other keys for an already advertised client are a duplicate too.
    let other = try #require(messages[session.id(2)])
    let replacement = KeyAdvertisement(
      sessionID: advertisement.sessionID, sender: a, encryptionKey: other.encryptionKey,
      maskingKey: other.maskingKey, signature: other.signature)
    expectRejection(.duplicateParticipant(a), by: &session.server) {
      try $0.receive(replacement)
    }
    let directories = Dictionary(
      uniqueKeysWithValues: try session.server.closeAdvertiseKeys().map { ($0.recipient, $0) })

    var shares: [ParticipantID: KeyShares] = [:]
    for id in session.ids {
      let directory = try #require(directories[id])
      shares[id] = try session.withClient(id) { try $0.shareKeys(for: directory) }
      try session.server.receive(try #require(shares[id]))
      expectRejection(.duplicateParticipant(id), by: &session.server) {
        try $0.receive(try #require(shares[id]))
      }
    }
    let relays = Dictionary(
      uniqueKeysWithValues: try session.server.closeShareKeys().map { ($0.recipient, $0) })

    for id in session.ids {
      let relay = try #require(relays[id])
      let input = try session.input(for: id)
      let masked = try session.withClient(id) { try $0.maskInput(for: relay, input: input) }
      try session.server.receive(masked)
      expectRejection(.duplicateParticipant(id), by: &session.server) { try $0.receive(masked) }
    }
    let checks = try session.server.closeMaskedInputs().consistencyRequests

    for id in session.ids {
      let check = try #require(checks[id])
      let signature = try session.withClient(id) { try $0.signSurvivors(for: check) }
      try session.server.receive(signature)
      expectRejection(.duplicateParticipant(id), by: &session.server) {
        try $0.receive(signature)
      }
    }
    let requests = Dictionary(
      uniqueKeysWithValues: try session.server.closeConsistencyCheck().map { ($0.recipient, $0) })

    for id in session.ids {
      let request = try #require(requests[id])
      let response = try session.withClient(id) { try $0.revealShares(for: request) }
      try session.server.receive(response)
      expectRejection(.duplicateParticipant(id), by: &session.server) {
        try $0.receive(response)
      }
    }
    let result = try session.server.finish()
    #expect(result.sum == (try session.expectedSum(of: session.ids)))
  }

  // Active mode: a server holding the identity directory refuses badly signed advertisements and
  // consistency signatures, and only signers may unmask. Without the directory it cannot check,
  // and the clients refuse instead.
  @Test func activeServerChecksSignaturesAndEligibility() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 5, vectorLength: 6, modulus: Modulus(bitWidth: 20), securityMode: .active,
      corruptedClientBound: 0)
    var session = try TestSession(configuration: configuration)
    let a = session.id(1)
    let announcer = session.server
    let advertisement = try session.withClient(a) {
      try $0.advertiseKeys(for: announcer.announcement(for: a))
    }
    let forged = Tamper.resigned(
      advertisement, signature: Tamper.flipBit(advertisement.signature, at: 5))
    expectRejection(.invalidSignature(signer: a), by: &session.server) { try $0.receive(forged) }
    let beyond = KeyAdvertisement(
      sessionID: advertisement.sessionID, sender: try participant(6),
      encryptionKey: advertisement.encryptionKey, maskingKey: advertisement.maskingKey,
      signature: advertisement.signature)
    expectRejection(.unknownParticipant(6), by: &session.server) { try $0.receive(beyond) }
    let other = try TestSession(configuration: configuration, seed: 2)
    let foreign = KeyAdvertisement(
      sessionID: other.server.sessionID, sender: a, encryptionKey: advertisement.encryptionKey,
      maskingKey: advertisement.maskingKey, signature: advertisement.signature)
    expectRejection(.sessionMismatch, by: &session.server) { try $0.receive(foreign) }
    try session.server.receive(advertisement)
    session.sentAdvertisements[a] = advertisement
    let remaining = Set(session.ids.filter { $0 != a })
    for id in remaining.sorted() {
      let message = try session.withClient(id) {
        try $0.advertiseKeys(for: announcer.announcement(for: id))
      }
      session.sentAdvertisements[id] = message
      try session.server.receive(message)
    }
    let directories = Dictionary(
      uniqueKeysWithValues: try session.server.closeAdvertiseKeys().map { ($0.recipient, $0) })

    // Client 5 drops after sending its shares, so it is not a survivor.
    let dropped = session.id(5)
    let relays = try session.shareKeys(directories)
    let checks = try session.maskedInputs(relays, excluding: [dropped]).consistencyRequests
    let check = try #require(checks[a])
    let signature = try session.withClient(a) { try $0.signSurvivors(for: check) }
    let otherSet = try #require(session.identityKeys[a]).signature(
      for: ConsistencySignature.signedBytes(
        sessionID: check.sessionID, survivors: Array(session.ids.prefix(3))))
    let wrongSet = ConsistencySignature(
      sessionID: check.sessionID, sender: a, signature: otherSet)
    expectRejection(.invalidSignature(signer: a), by: &session.server) { try $0.receive(wrongSet) }
    let fromDropped = ConsistencySignature(
      sessionID: check.sessionID, sender: dropped, signature: signature.signature)
    expectRejection(.unknownParticipant(dropped.rawValue), by: &session.server) {
      try $0.receive(fromDropped)
    }
    try session.server.receive(signature)
    // Client 4 does not sign, so it may not unmask.
    let silent = session.id(4)
    let requests = try session.consistencyCheck(
      checks.filter { $0.key != a }, excluding: [silent])
    #expect(requests.keys.sorted() == Array(session.ids.prefix(3)))
    let unsigned = UnmaskingResponse(sessionID: check.sessionID, sender: silent, shares: [])
    expectRejection(.unknownParticipant(silent.rawValue), by: &session.server) {
      try $0.receive(unsigned)
    }
  }

  // A server without the identity directory cannot check signatures; the clients do.
  @Test func clientsCheckWhatAServerWithoutDirectoryCannot() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 5, vectorLength: 6, modulus: Modulus(bitWidth: 20), securityMode: .active,
      corruptedClientBound: 0)
    let session = try TestSession(configuration: configuration)
    var server = try AggregationServer(
      configuration: configuration, randomSource: .insecureDeterministic(seed: 1 << 20))
    #expect(server.nonce == session.server.nonce && server.sessionID == session.server.sessionID)
    var clients = session.clients
    var advertisements: [ParticipantID: KeyAdvertisement] = [:]
    for id in session.ids {
      var client = try #require(clients[id])
      advertisements[id] = try client.advertiseKeys(for: server.announcement(for: id))
      clients[id] = client
    }
    let b = session.id(2)
    let original = try #require(advertisements[b])
    let forged = Tamper.resigned(original, signature: Tamper.flipBit(original.signature, at: 0))
    for id in session.ids {
      try server.receive(try #require(id == b ? forged : advertisements[id]))
    }
    let directories = try server.closeAdvertiseKeys()
    var client = try #require(clients[session.id(1)])
    let directory = try #require(directories.first { $0.recipient == client.id })
    expectRefusal(.invalidSignature(signer: b), by: &client) { try $0.shareKeys(for: directory) }
  }

  // ShareKeys must hold at most one box of the right length for each neighbour in the sender's
  // directory, and at least t; a refused message leaves nothing behind, so the honest one is
  // then accepted.
  @Test func shareKeysWithWrongRecipientsAreRejected() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 8, vectorLength: 3, modulus: Modulus(bitWidth: 8), graph: .harary(degree: 4))
    var session = try TestSession(configuration: configuration)
    let a = session.id(1)
    let neighbors = session.graph.neighbors(of: a)
    let strangers = session.ids.filter { $0 != a && !neighbors.contains($0) }
    let stranger = try #require(strangers.first)
    let late = try #require(strangers.last)
    let directories = try session.advertiseKeys(excluding: [late])
    let directory = try #require(directories[a])
    #expect(directory.neighbors.map(\.sender) == neighbors)
    let honest = try session.withClient(a) { try $0.shareKeys(for: directory) }
    #expect(honest.shares.map(\.peer) == neighbors)
    let box = honest.shares[0].box

    func message(_ shares: [EncryptedShare], from sender: ParticipantID? = nil) -> KeyShares {
      KeyShares(
        sessionID: honest.sessionID, sender: sender ?? a, shares: shares,
        selfMaskSeedCommitment: honest.selfMaskSeedCommitment)
    }
    expectRejection(.unknownParticipant(stranger.rawValue), by: &session.server) {
      try $0.receive(message(honest.shares + [EncryptedShare(peer: stranger, box: box)]))
    }
    expectRejection(.unknownParticipant(a.rawValue), by: &session.server) {
      try $0.receive(message(honest.shares + [EncryptedShare(peer: a, box: box)]))
    }
    // Fewer than t = 3 recipients could not rebuild the sender's secrets.
    expectRejection(
      .invalidMessage(
        reason:
          "shares for 2 of the 4 neighbours in the directory; at least the threshold 3 are needed"),
      by: &session.server
    ) { try $0.receive(message(Array(honest.shares.dropLast(2)))) }
    expectRejection(.duplicateParticipant(neighbors[0]), by: &session.server) {
      try $0.receive(message(honest.shares + [honest.shares[0]]))
    }
    let short = try SealedBox(combined: Array(box.combined.dropLast()))
    let expectedLength = KeySchedule.shareBoxByteCount
    expectRejection(
      .invalidMessage(
        reason: "a share box has \(expectedLength - 1) bytes; expected \(expectedLength)"),
      by: &session.server
    ) {
      try $0.receive(
        message([EncryptedShare(peer: neighbors[0], box: short)] + honest.shares.dropFirst()))
    }
    // A client that never advertised cannot send shares.
    expectRejection(.unknownParticipant(late.rawValue), by: &session.server) {
      try $0.receive(message([], from: late))
    }

    try session.server.receive(honest)
    #expect(session.server.sharedKeys == [a])
  }

  // A revealed share must be of the kind the owner's fate calls for, for an owner whose shares
  // were relayed to the sender, once, and be the sender's own share.
  @Test func unmaskingResponsesWithWrongSharesAreRejected() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    let a = session.id(1)
    let b = session.id(2)
    let dropped = session.id(5)
    let requests = try session.runToUnmasking(dropouts: [dropped: .maskedInputCollection])
    let request = try #require(requests[a])
    let honest = try session.withClient(a) { try $0.revealShares(for: request) }
    #expect(
      honest.shares.map(\.kind) == [.selfMaskSeed, .selfMaskSeed, .selfMaskSeed, .maskingKey])
    let requestB = try #require(requests[b])
    let fromB = try session.withClient(b) { try $0.revealShares(for: requestB) }

    func response(_ shares: [RevealedShare], from sender: ParticipantID? = nil) -> UnmaskingResponse
    {
      UnmaskingResponse(sessionID: honest.sessionID, sender: sender ?? a, shares: shares)
    }
    func replacing(_ index: Int, with share: RevealedShare) -> [RevealedShare] {
      var shares = honest.shares
      shares[index] = share
      return shares
    }
    // The survivor's masking-key share, the dropped client's seed share: wrong kinds (the shares
    // themselves are the client's real ones, relabelled).
    let survivorAsDropped = RevealedShare(
      owner: b, kind: .maskingKey, share: honest.shares[0].share)
    expectRejection(
      .invalidMessage(reason: "participant 2 needs a selfMaskSeed share"), by: &session.server
    ) { try $0.receive(response(replacing(0, with: survivorAsDropped))) }
    let droppedAsSurvivor = RevealedShare(
      owner: dropped, kind: .selfMaskSeed, share: honest.shares[3].share)
    expectRejection(
      .invalidMessage(reason: "participant 5 needs a maskingKey share"), by: &session.server
    ) { try $0.receive(response(replacing(3, with: droppedAsSurvivor))) }
    // Both kinds for one owner in one response.
    expectRejection(.duplicateParticipant(b), by: &session.server) {
      try $0.receive(response(honest.shares + [survivorAsDropped]))
    }
    // The sender's own secret, and another client's share.
    let own = RevealedShare(owner: a, kind: .selfMaskSeed, share: honest.shares[0].share)
    expectRejection(.unknownParticipant(a.rawValue), by: &session.server) {
      try $0.receive(response(honest.shares + [own]))
    }
    let borrowed = try #require(fromB.shares.first { $0.owner == session.id(3) })
    expectRejection(
      .invalidMessage(reason: "a share that is not the sender's share of a 32-byte secret"),
      by: &session.server
    ) { try $0.receive(response(replacing(1, with: borrowed))) }
    // A share of a 33-byte secret serializes to as many bytes as one of a 32-byte secret, so it
    // passes the wire decoder; the server refuses it.
    var bytes = honest.shares[0].share.serialized.unprotectedArray
    bytes[5] = 33
    let longer = RevealedShare(
      owner: b, kind: .selfMaskSeed, share: try SecretShare(serialized: SecureBytes(bytes)))
    #expect(longer.share.secretByteCount == 33)
    expectRejection(
      .invalidMessage(reason: "a share that is not the sender's share of a 32-byte secret"),
      by: &session.server
    ) { try $0.receive(response(replacing(0, with: longer))) }
    // The dropped client was never asked to unmask.
    expectRejection(.unknownParticipant(dropped.rawValue), by: &session.server) {
      try $0.receive(response([], from: dropped))
    }

    try session.server.receive(honest)
    try session.server.receive(fromB)
    let result = try session.unmask(requests.filter { $0.key.index > 2 })
    #expect(result.survivors == Array(session.ids.prefix(4)))
    #expect(result.sum == (try session.expectedSum(of: result.survivors)))
  }

  // Closing a round with fewer than minimumSurvivors clients throws and keeps the round open:
  // more messages can still arrive, and a later close succeeds. The same for finishing with too
  // few shares.
  @Test func closingWithTooFewClientsKeepsTheRoundOpen() throws {
    let configuration = try AggregationConfiguration(
      clientCount: 5, vectorLength: 6, modulus: Modulus(1_000), minimumSurvivors: 4)
    var session = try TestSession(configuration: configuration)
    let announcer = session.server
    let early = Array(session.ids.prefix(3))
    let rest = Array(session.ids.dropFirst(3))

    for id in early {
      let message = try session.withClient(id) {
        try $0.advertiseKeys(for: announcer.announcement(for: id))
      }
      try session.server.receive(message)
    }
    expectRejection(
      .tooFewSurvivors(round: .advertiseKeys, needed: 4, remaining: 3), by: &session.server
    ) { try $0.closeAdvertiseKeys() }
    #expect(session.server.phase == .collectingKeys)
    for id in rest {
      let message = try session.withClient(id) {
        try $0.advertiseKeys(for: announcer.announcement(for: id))
      }
      try session.server.receive(message)
    }
    let directories = Dictionary(
      uniqueKeysWithValues: try session.server.closeAdvertiseKeys().map { ($0.recipient, $0) })
    #expect(directories.count == 5)

    func send(shares ids: [ParticipantID]) throws {
      for id in ids {
        let directory = try #require(directories[id])
        let message = try session.withClient(id) { try $0.shareKeys(for: directory) }
        try session.server.receive(message)
      }
    }
    try send(shares: early)
    expectRejection(
      .tooFewSurvivors(round: .shareKeys, needed: 4, remaining: 3), by: &session.server
    ) { try $0.closeShareKeys() }
    #expect(session.server.phase == .collectingShares)
    try send(shares: rest)
    let relays = Dictionary(
      uniqueKeysWithValues: try session.server.closeShareKeys().map { ($0.recipient, $0) })

    func send(inputs ids: [ParticipantID]) throws {
      for id in ids {
        let relay = try #require(relays[id])
        let input = try session.input(for: id)
        let message = try session.withClient(id) { try $0.maskInput(for: relay, input: input) }
        try session.server.receive(message)
      }
    }
    try send(inputs: early)
    expectRejection(
      .tooFewSurvivors(round: .maskedInputCollection, needed: 4, remaining: 3),
      by: &session.server
    ) { try $0.closeMaskedInputs() }
    #expect(session.server.phase == .collectingMaskedInputs)
    // Client 4 is late but not lost; client 5 drops.
    try send(inputs: [session.id(4)])
    let requests = try session.server.closeMaskedInputs().unmaskingRequests
    let survivors = Array(session.ids.prefix(4))
    #expect(requests.keys.sorted() == survivors)

    func send(responses ids: [ParticipantID]) throws {
      for id in ids {
        let request = try #require(requests[id])
        let message = try session.withClient(id) { try $0.revealShares(for: request) }
        try session.server.receive(message)
      }
    }
    // With three responses, client 1's seed has only two shares (t = 3): finishing throws and
    // waits.
    try send(responses: early)
    expectRejection(
      .recoveryImpossible(client: session.id(1), secret: .selfMaskSeed, needed: 3, received: 2),
      by: &session.server
    ) { try $0.finish() }
    #expect(session.server.phase == .collectingUnmaskingResponses)
    try send(responses: [session.id(4)])
    let result = try session.server.finish()
    #expect(result.survivors == survivors)
    #expect(result.sum == (try session.expectedSum(of: survivors)))
    #expect(result.completed[.unmasking] == survivors)
  }
}
