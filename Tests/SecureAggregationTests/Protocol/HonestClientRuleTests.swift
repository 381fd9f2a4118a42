import Testing

@testable import SecureAggregation

/// What can be observed of a client's state: enough to show that a refused message changed
/// nothing (and so that nothing secret was revealed in answer to it).
struct ClientSnapshot: Equatable {
  let phase: AggregationClient.Phase
  let sessionID: SessionID?
  let neighborKeys: Set<ParticipantID>
  let heldShares: Set<ParticipantID>
  let relayedSenders: Set<ParticipantID>
  let skippedNeighbors: Set<ParticipantID>
  let hasSelfMaskSeed: Bool
  let signedSurvivors: [ParticipantID]?

  init(_ client: AggregationClient) {
    phase = client.phase
    sessionID = client.session?.sessionID
    neighborKeys = Set(client.session?.neighborKeys.keys.map { $0 } ?? [])
    heldShares = Set(client.session?.heldShares.keys.map { $0 } ?? [])
    relayedSenders = client.session?.relayedSenders ?? []
    skippedNeighbors = client.session?.skippedNeighbors ?? []
    hasSelfMaskSeed = client.selfMaskSeed != nil
    signedSurvivors = client.signedSurvivors
  }
}

/// Expects `body` to throw exactly `expected` and to leave `client` as it was.
func expectRefusal<Result>(
  _ expected: SecureAggregationError, by client: inout AggregationClient,
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: (inout AggregationClient) throws -> Result
) {
  let before = ClientSnapshot(client)
  #expect(throws: expected, sourceLocation: sourceLocation) { try body(&client) }
  #expect(ClientSnapshot(client) == before, sourceLocation: sourceLocation)
}

/// A participant id that must exist.
func participant(_ value: Int) throws -> ParticipantID {
  try #require(ParticipantID(value))
}

// A scripted malicious server: real clients are driven through a session in which the server's
// messages are hand-crafted or tampered with. For each rule an honest client enforces, the client
// must refuse with the documented error, stay exactly as it was, and still accept the honest
// message afterwards.
@Suite struct HonestClientRuleTests {
  /// Semi-honest, complete graph: n = 5, t = 3, minimumSurvivors = 3.
  static func semiHonest(minimumSurvivors: Int? = nil) throws -> AggregationConfiguration {
    try AggregationConfiguration(
      clientCount: 5, vectorLength: 4, modulus: Modulus(bitWidth: 16),
      minimumSurvivors: minimumSurvivors)
  }

  /// Active, complete graph: n = 5, t = 3, minimumSurvivors = 3.
  static func active(minimumSurvivors: Int? = nil) throws -> AggregationConfiguration {
    try AggregationConfiguration(
      clientCount: 5, vectorLength: 4, modulus: Modulus(1_000), minimumSurvivors: minimumSurvivors,
      securityMode: .active, corruptedClientBound: 0)
  }

  /// Semi-honest Harary graph: n = 8, k = 4, t = 3, minimumSurvivors = 5.
  static func harary() throws -> AggregationConfiguration {
    try AggregationConfiguration(
      clientCount: 8, vectorLength: 3, modulus: Modulus(bitWidth: 8), graph: .harary(degree: 4))
  }

  // MARK: 1. Never both shares of one neighbour

  // After answering one unmasking request (seed shares of every survivor), the client refuses a
  // second request that would call a survivor dropped and so ask for its masking-key share.
  @Test func secondUnmaskingRequestIsRefused() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    let requests = try session.runToUnmasking()
    let a = session.id(1)
    var client = try session.client(a)
    let request = try #require(requests[a])
    #expect(request.survivors == session.ids)

    let response = try client.revealShares(for: request)
    #expect(response.shares.map(\.owner) == Array(session.ids.dropFirst()))
    #expect(response.shares.allSatisfy { $0.kind == .selfMaskSeed && $0.share.id == a.rawValue })
    #expect(client.phase == .finished)
    #expect(client.session == nil)

    // Client 5 "dropped" now: its masking-key share would complete the server's knowledge.
    let second = UnmaskingRequest(
      sessionID: request.sessionID, recipient: a, survivors: Array(session.ids.prefix(4)),
      signatures: [])
    expectRefusal(
      .unexpectedMessage(received: "unmasking request", expected: "the client is finished"),
      by: &client
    ) { try $0.revealShares(for: second) }
    // Even the very same request is not answered twice.
    expectRefusal(
      .unexpectedMessage(received: "unmasking request", expected: "the client is finished"),
      by: &client
    ) { try $0.revealShares(for: request) }
  }

  // One response reveals exactly one share per neighbour whose shares the client holds: the
  // seed share of survivors, the masking-key share of the dropped, never both, no owner twice.
  @Test func responseRevealsOneShareKindPerNeighbour() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    let dropped = session.id(5)
    let requests = try session.runToUnmasking(dropouts: [dropped: .maskedInputCollection])
    let result = try session.unmask(requests)
    #expect(result.survivors == Array(session.ids.prefix(4)))
    #expect(result.sum == (try session.expectedSum(of: result.survivors)))

    for (sender, response) in session.sentResponses {
      let owners = response.shares.map(\.owner)
      #expect(Set(owners).count == owners.count, "an owner twice from \(sender)")
      #expect(Set(owners) == Set(session.ids.filter { $0 != sender }))
      for revealed in response.shares {
        #expect(revealed.kind == (revealed.owner == dropped ? .maskingKey : .selfMaskSeed))
        #expect(revealed.share.id == sender.rawValue)
      }
    }

    // Asking client 1 again, now claiming client 5 survived (for its seed share), is refused.
    var client = try session.client(session.id(1))
    let again = UnmaskingRequest(
      sessionID: session.server.sessionID, recipient: client.id, survivors: session.ids,
      signatures: [])
    expectRefusal(
      .unexpectedMessage(received: "unmasking request", expected: "the client is finished"),
      by: &client
    ) { try $0.revealShares(for: again) }
  }

  // MARK: 2. Different survivor sets for different clients (active mode)

  @Test func differentSurvivorSetsForDifferentClientsAreCaught() throws {
    var session = try TestSession(configuration: Self.active())
    let relays = try session.shareKeys(session.advertiseKeys())
    let checks = try session.maskedInputs(relays).consistencyRequests
    let a = session.id(1)
    let b = session.id(2)
    let s1 = session.ids
    let s2 = Array(session.ids.prefix(4))
    #expect(try #require(checks[a]).survivors == s1)

    // The server shows B the set S2 (client 5 "dropped") and everyone else S1.
    var signatures: [ParticipantID: [UInt8]] = [:]
    for id in session.ids {
      let request =
        id == b
        ? ConsistencyCheckRequest(sessionID: session.server.sessionID, recipient: b, survivors: s2)
        : try #require(checks[id])
      let message = try session.withClient(id) { try $0.signSurvivors(for: request) }
      signatures[id] = message.signature
      if id == b {
        // The honest server's own check already notices B signed something else.
        #expect(throws: SecureAggregationError.invalidSignature(signer: b)) {
          try session.server.receive(message)
        }
      } else {
        try session.server.receive(message)
      }
    }
    let unmasking = try session.server.closeConsistencyCheck()
    let honestForA = try #require(unmasking.first { $0.recipient == a })
    #expect(honestForA.signatures.map(\.signer) == [3, 4, 5].compactMap { ParticipantID($0) })

    var clientA = try session.client(a)
    let bSignature = ParticipantSignature(signer: b, signature: try #require(signatures[b]))
    // S1 with B's signature over S2 among the others: B's does not verify over S1.
    let mixed = UnmaskingRequest(
      sessionID: session.server.sessionID, recipient: a, survivors: s1,
      signatures: honestForA.signatures + [bSignature])
    expectRefusal(.invalidSignature(signer: b), by: &clientA) {
      try $0.revealShares(for: mixed)
    }
    // S2 (the set B signed) is not what A signed.
    let changed = UnmaskingRequest(
      sessionID: session.server.sessionID, recipient: a, survivors: s2, signatures: [bSignature])
    expectRefusal(.survivorSetChanged, by: &clientA) { try $0.revealShares(for: changed) }

    // B cannot be talked into S1 either, nor into S2 with signatures over S1.
    var clientB = try session.client(b)
    let s1ForB = UnmaskingRequest(
      sessionID: session.server.sessionID, recipient: b, survivors: s1,
      signatures: honestForA.signatures)
    expectRefusal(.survivorSetChanged, by: &clientB) { try $0.revealShares(for: s1ForB) }
    let aSignature = ParticipantSignature(signer: a, signature: try #require(signatures[a]))
    let s2ForB = UnmaskingRequest(
      sessionID: session.server.sessionID, recipient: b, survivors: s2,
      signatures: [aSignature] + honestForA.signatures.filter { $0.signer.index < 5 })
    expectRefusal(.invalidSignature(signer: a), by: &clientB) {
      try $0.revealShares(for: s2ForB)
    }

    // The honest request still works.
    let response = try clientA.revealShares(for: honestForA)
    #expect(response.shares.map(\.owner) == Array(s1.dropFirst()))
    #expect(response.shares.allSatisfy { $0.kind == .selfMaskSeed })
  }

  // The consistency signatures an unmasking request carries must be at least t, from distinct
  // surviving neighbours.
  @Test func consistencySignaturesMustBeEnoughDistinctSurvivingNeighbours() throws {
    var session = try TestSession(configuration: Self.active())
    let dropped = session.id(5)
    let requests = try session.runToUnmasking(dropouts: [dropped: .consistencyCheck])
    let a = session.id(1)
    let honest = try #require(requests[a])
    #expect(honest.signatures.map(\.signer) == [2, 3, 4].compactMap { ParticipantID($0) })
    var client = try session.client(a)

    func request(_ signatures: [ParticipantSignature]) -> UnmaskingRequest {
      UnmaskingRequest(
        sessionID: honest.sessionID, recipient: a, survivors: honest.survivors,
        signatures: signatures)
    }
    let two = Array(honest.signatures.prefix(2))
    expectRefusal(.tooFewNeighbors(needed: 3, available: 2), by: &client) {
      try $0.revealShares(for: request(two))
    }
    let repeated = two + [honest.signatures[1]]
    expectRefusal(.duplicateParticipant(honest.signatures[1].signer), by: &client) {
      try $0.revealShares(for: request(repeated))
    }
    // A signature by the client itself does not count as a neighbour's.
    let ownSignature = ParticipantSignature(
      signer: a,
      signature: try #require(session.identityKeys[a]).signature(
        for: ConsistencySignature.signedBytes(
          sessionID: honest.sessionID, survivors: honest.survivors)))
    expectRefusal(.unknownParticipant(a.rawValue), by: &client) {
      try $0.revealShares(for: request(two + [ownSignature]))
    }
    // A flipped bit in one signature.
    let forged = ParticipantSignature(
      signer: honest.signatures[2].signer,
      signature: Tamper.flipBit(honest.signatures[2].signature, at: 10))
    expectRefusal(.invalidSignature(signer: forged.signer), by: &client) {
      try $0.revealShares(for: request(two + [forged]))
    }
    _ = try client.revealShares(for: honest)
    #expect(client.phase == .finished)
  }

  // MARK: 3. Replays from another session, wrong rounds, wrong recipients

  @Test func announcementOfAnotherSessionOrConfigurationIsRefused() throws {
    let session = try TestSession(configuration: Self.semiHonest())
    let other = try TestSession(configuration: Self.semiHonest(), seed: 2)
    let announcement = session.server.announcement(for: session.id(1))
    var client = try session.client(session.id(1))
    let id = client.id

    let foreignID = SessionAnnouncement(
      nonce: announcement.nonce, sessionID: other.server.sessionID, recipient: id)
    expectRefusal(.sessionMismatch, by: &client) { try $0.advertiseKeys(for: foreignID) }
    let foreignNonce = SessionAnnouncement(
      nonce: other.server.nonce, sessionID: announcement.sessionID, recipient: id)
    expectRefusal(.sessionMismatch, by: &client) { try $0.advertiseKeys(for: foreignNonce) }
    // A nonce of the wrong length has no session id at all, so none can match.
    for count in [0, 31, 33] {
      let malformed = SessionAnnouncement(
        nonce: [UInt8](repeating: 1, count: count), sessionID: announcement.sessionID,
        recipient: id)
      expectRefusal(.sessionMismatch, by: &client) { try $0.advertiseKeys(for: malformed) }
    }
    // A server whose configuration differs (another minimumSurvivors) computes another id.
    let laxServer = try AggregationServer(
      configuration: Self.semiHonest(minimumSurvivors: 1),
      randomSource: .insecureDeterministic(seed: 1 << 20))
    #expect(laxServer.nonce == announcement.nonce)
    expectRefusal(.sessionMismatch, by: &client) {
      try $0.advertiseKeys(for: laxServer.announcement(for: id))
    }
    // Another client's copy of the right announcement is refused too.
    let misdirected = session.server.announcement(for: session.id(2))
    expectRefusal(.wrongRecipient(expected: id, received: session.id(2)), by: &client) {
      try $0.advertiseKeys(for: misdirected)
    }

    _ = try client.advertiseKeys(for: announcement)
    #expect(client.phase == .awaitingKeyDirectory)
  }

  @Test func keyDirectoryFromAnotherSessionIsRefused() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    var other = try TestSession(configuration: Self.semiHonest(), seed: 2)
    let directories = try session.advertiseKeys()
    let foreignDirectories = try other.advertiseKeys()
    let a = session.id(1)
    var client = try session.client(a)
    let honest = try #require(directories[a])
    let foreign = try #require(foreignDirectories[a])

    expectRefusal(.sessionMismatch, by: &client) { try $0.shareKeys(for: foreign) }
    // This session's envelope around the other session's advertisements.
    let rewrapped = KeyDirectory(
      sessionID: honest.sessionID, recipient: a, neighbors: foreign.neighbors)
    expectRefusal(.sessionMismatch, by: &client) { try $0.shareKeys(for: rewrapped) }
    // One replayed advertisement among current ones.
    let mixed = KeyDirectory(
      sessionID: honest.sessionID, recipient: a,
      neighbors: Array(honest.neighbors.prefix(3)) + [foreign.neighbors[3]])
    expectRefusal(.sessionMismatch, by: &client) { try $0.shareKeys(for: mixed) }

    _ = try client.shareKeys(for: honest)
    #expect(client.phase == .awaitingShareRelay)
  }

  @Test func shareRelayFromAnotherSessionIsRefused() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    var other = try TestSession(configuration: Self.semiHonest(), seed: 2)
    let relays = try session.shareKeys(session.advertiseKeys())
    let foreignRelays = try other.shareKeys(other.advertiseKeys())
    let a = session.id(1)
    var client = try session.client(a)
    let honest = try #require(relays[a])
    let foreign = try #require(foreignRelays[a])
    let input = try session.input(for: a)

    expectRefusal(.sessionMismatch, by: &client) { try $0.maskInput(for: foreign, input: input) }
    _ = try client.maskInput(for: honest, input: input)
    #expect(client.phase == .awaitingSurvivors)

    // The other session's boxes in this session's envelope: the boxes are bound to their
    // session, so none opens and the client holds none of their shares (it goes on; see
    // tamperedShareBoxesDropOnlyTheirSender).
    var twin = try TestSession(configuration: Self.semiHonest())
    _ = try twin.shareKeys(twin.advertiseKeys())
    let rewrapped = ShareRelay(
      sessionID: honest.sessionID, recipient: a, shares: foreign.shares)
    let masked = try twin.withClient(a) { try $0.maskInput(for: rewrapped, input: input) }
    #expect(masked.sender == a)
    #expect(try twin.client(a).session?.heldShares.isEmpty == true)
  }

  @Test func survivorRequestsFromAnotherSessionAreRefused() throws {
    for configuration in [try Self.semiHonest(), try Self.active()] {
      var session = try TestSession(configuration: configuration)
      var other = try TestSession(configuration: configuration, seed: 2)
      let a = session.id(1)
      let relays = try session.shareKeys(session.advertiseKeys())
      let checks = try session.maskedInputs(relays)
      let foreignRelays = try other.shareKeys(other.advertiseKeys())
      let foreignChecks = try other.maskedInputs(foreignRelays)
      var client = try session.client(a)
      var requests = checks.unmaskingRequests

      if configuration.securityMode == .active {
        let foreign = try #require(foreignChecks.consistencyRequests[a])
        expectRefusal(.sessionMismatch, by: &client) { try $0.signSurvivors(for: foreign) }
        requests = try session.consistencyCheck(checks.consistencyRequests)
        let foreignRequests = try other.consistencyCheck(foreignChecks.consistencyRequests)
        client = try session.client(a)
        let foreignRequest = try #require(foreignRequests[a])
        expectRefusal(.sessionMismatch, by: &client) {
          try $0.revealShares(for: foreignRequest)
        }
      } else {
        let foreign = try #require(foreignChecks.unmaskingRequests[a])
        expectRefusal(.sessionMismatch, by: &client) { try $0.revealShares(for: foreign) }
      }
      _ = try client.revealShares(for: try #require(requests[a]))
      #expect(client.phase == .finished)
    }
  }

  @Test func messagesOfTheWrongRoundAreRefused() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    // A twin of the session (same seed: same nonce, keys and messages) whose client 1 stays in
    // round 1: every copy of one client shares its phase, so a client held back needs a twin.
    var twin = try TestSession(configuration: Self.semiHonest())
    let a = session.id(1)
    let directories = try session.advertiseKeys()
    _ = try twin.advertiseKeys()
    let directory = try #require(directories[a])
    var fresh = try AggregationClient(
      configuration: session.configuration, id: a,
      randomSource: .insecureDeterministic(seed: 99))
    expectRefusal(
      .unexpectedMessage(
        received: "key directory", expected: "the client is awaiting announcement"),
      by: &fresh
    ) { try $0.shareKeys(for: directory) }

    var lagging = try twin.client(a)
    expectRefusal(
      .unexpectedMessage(
        received: "session announcement", expected: "the client is awaiting key directory"),
      by: &lagging
    ) { try $0.advertiseKeys(for: session.server.announcement(for: a)) }

    let relays = try session.shareKeys(directories)
    let relay = try #require(relays[a])
    expectRefusal(
      .unexpectedMessage(received: "share relay", expected: "the client is awaiting key directory"),
      by: &lagging
    ) { try $0.maskInput(for: relay, input: session.input(for: a)) }

    var client = try session.client(a)
    expectRefusal(
      .unexpectedMessage(received: "key directory", expected: "the client is awaiting share relay"),
      by: &client
    ) { try $0.shareKeys(for: directory) }
    let early = UnmaskingRequest(
      sessionID: relay.sessionID, recipient: a, survivors: session.ids, signatures: [])
    expectRefusal(
      .unexpectedMessage(
        received: "unmasking request", expected: "the client is awaiting share relay"),
      by: &client
    ) { try $0.revealShares(for: early) }

    let requests = try session.maskedInputs(relays).unmaskingRequests
    client = try session.client(a)
    let check = ConsistencyCheckRequest(
      sessionID: relay.sessionID, recipient: a, survivors: session.ids)
    expectRefusal(
      .unexpectedMessage(
        received: "consistency-check request",
        expected: "no consistency round in semi-honest mode"),
      by: &client
    ) { try $0.signSurvivors(for: check) }
    expectRefusal(
      .unexpectedMessage(received: "share relay", expected: "the client is awaiting survivors"),
      by: &client
    ) { try $0.maskInput(for: relay, input: session.input(for: a)) }
    _ = try client.revealShares(for: try #require(requests[a]))
  }

  @Test func activeClientNeedsTheConsistencyRoundFirst() throws {
    var session = try TestSession(configuration: Self.active())
    let a = session.id(1)
    let relays = try session.shareKeys(session.advertiseKeys())
    let checks = try session.maskedInputs(relays).consistencyRequests
    var client = try session.client(a)
    let early = UnmaskingRequest(
      sessionID: session.server.sessionID, recipient: a, survivors: session.ids, signatures: [])
    expectRefusal(
      .unexpectedMessage(
        received: "unmasking request", expected: "the client is awaiting survivors"),
      by: &client
    ) { try $0.revealShares(for: early) }

    let check = try #require(checks[a])
    _ = try client.signSurvivors(for: check)
    // A second set to sign (say, without client 5) is refused once one set is signed.
    let resign = ConsistencyCheckRequest(
      sessionID: check.sessionID, recipient: a, survivors: Array(session.ids.prefix(4)))
    expectRefusal(
      .unexpectedMessage(
        received: "consistency-check request",
        expected: "the client is awaiting unmasking request"),
      by: &client
    ) { try $0.signSurvivors(for: resign) }
    #expect(client.signedSurvivors == session.ids)
  }

  @Test func messagesForAnotherClientAreRefused() throws {
    for configuration in [try Self.semiHonest(), try Self.active()] {
      var session = try TestSession(configuration: configuration)
      let a = session.id(1)
      let b = session.id(2)
      let directories = try session.advertiseKeys()
      var client = try session.client(a)
      let directoryForB = try #require(directories[b])
      expectRefusal(.wrongRecipient(expected: a, received: b), by: &client) {
        try $0.shareKeys(for: directoryForB)
      }

      let relays = try session.shareKeys(directories)
      client = try session.client(a)
      let relayForB = try #require(relays[b])
      expectRefusal(.wrongRecipient(expected: a, received: b), by: &client) {
        try $0.maskInput(for: relayForB, input: session.input(for: a))
      }

      let survivorRequests = try session.maskedInputs(relays)
      var requests = survivorRequests.unmaskingRequests
      if configuration.securityMode == .active {
        client = try session.client(a)
        let checkForB = try #require(survivorRequests.consistencyRequests[b])
        expectRefusal(.wrongRecipient(expected: a, received: b), by: &client) {
          try $0.signSurvivors(for: checkForB)
        }
        requests = try session.consistencyCheck(survivorRequests.consistencyRequests)
      }
      client = try session.client(a)
      let requestForB = try #require(requests[b])
      expectRefusal(.wrongRecipient(expected: a, received: b), by: &client) {
        try $0.revealShares(for: requestForB)
      }
      _ = try client.revealShares(for: try #require(requests[a]))
    }
  }

  // MARK: 4. Forged signatures (active mode)

  @Test func forgedDirectoryEntriesAreRefused() throws {
    var session = try TestSession(configuration: Self.active())
    let a = session.id(1)
    let b = session.id(2)
    let directories = try session.advertiseKeys()
    let honest = try #require(directories[a])
    let entry = honest.neighbors[0]
    #expect(entry.sender == b)
    var client = try session.client(a)

    func replacingFirst(with replacement: KeyAdvertisement) -> KeyDirectory {
      KeyDirectory(
        sessionID: honest.sessionID, recipient: a,
        neighbors: [replacement] + honest.neighbors.dropFirst())
    }
    for byte in [0, 31, 63] {
      let flipped = Tamper.resigned(
        entry, signature: Tamper.flipBit(entry.signature, at: byte, bit: byte % 8))
      expectRefusal(.invalidSignature(signer: b), by: &client) {
        try $0.shareKeys(for: replacingFirst(with: flipped))
      }
    }
    expectRefusal(.invalidSignature(signer: b), by: &client) {
      try $0.shareKeys(for: replacingFirst(with: Tamper.resigned(entry, signature: [])))
    }
    // The server substitutes its own masking key for B's (a man in the middle).
    let serverKey = KeyAgreement.PrivateKey(from: .insecureDeterministic(seed: 7))
    let substituted = KeyAdvertisement(
      sessionID: entry.sessionID, sender: b, encryptionKey: entry.encryptionKey,
      maskingKey: serverKey.publicKey, signature: entry.signature)
    expectRefusal(.invalidSignature(signer: b), by: &client) {
      try $0.shareKeys(for: replacingFirst(with: substituted))
    }
    // Another client's keys and signature passed off as B's.
    let c = honest.neighbors[1]
    let relabelled = KeyAdvertisement(
      sessionID: c.sessionID, sender: b, encryptionKey: c.encryptionKey, maskingKey: c.maskingKey,
      signature: c.signature)
    expectRefusal(.invalidSignature(signer: b), by: &client) {
      try $0.shareKeys(for: replacingFirst(with: relabelled))
    }

    _ = try client.shareKeys(for: honest)
    #expect(client.phase == .awaitingShareRelay)
  }

  @Test func entryWithoutIdentityKeyIsRefused() throws {
    let configuration = try Self.active()
    let full = try TestSession(configuration: configuration)
    let missing = full.id(3)
    var partial = full.identityDirectory
    partial[missing] = nil
    var session = try TestSession(configuration: configuration, clientIdentityDirectory: partial)
    let a = session.id(1)
    let directories = try session.advertiseKeys()
    let honest = try #require(directories[a])
    var client = try session.client(a)
    expectRefusal(.missingIdentityKey(missing), by: &client) { try $0.shareKeys(for: honest) }

    // Without that entry, t = 3 neighbours remain and the client goes on.
    let without = KeyDirectory(
      sessionID: honest.sessionID, recipient: a,
      neighbors: honest.neighbors.filter { $0.sender != missing })
    let shares = try client.shareKeys(for: without)
    #expect(shares.shares.map(\.peer) == [2, 4, 5].compactMap { ParticipantID($0) })
  }

  // MARK: 5. Ids outside the graph

  @Test func directoryEntriesOutsideTheNeighbourhoodAreRefused() throws {
    var session = try TestSession(configuration: Self.harary())
    let a = session.id(1)
    let directories = try session.advertiseKeys()
    let honest = try #require(directories[a])
    let neighbors = session.graph.neighbors(of: a)
    #expect(honest.neighbors.map(\.sender) == neighbors)
    let stranger = try #require(session.ids.first { $0 != a && !neighbors.contains($0) })
    var client = try session.client(a)

    func directory(_ entries: [KeyAdvertisement]) -> KeyDirectory {
      KeyDirectory(sessionID: honest.sessionID, recipient: a, neighbors: entries)
    }
    let strangerEntry = try #require(session.sentAdvertisements[stranger])
    expectRefusal(.unknownParticipant(stranger.rawValue), by: &client) {
      try $0.shareKeys(for: directory(honest.neighbors + [strangerEntry]))
    }
    let ownEntry = try #require(session.sentAdvertisements[a])
    expectRefusal(.unknownParticipant(a.rawValue), by: &client) {
      try $0.shareKeys(for: directory(honest.neighbors + [ownEntry]))
    }
    let beyond = try participant(9)
    let beyondEntry = KeyAdvertisement(
      sessionID: honest.sessionID, sender: beyond, encryptionKey: ownEntry.encryptionKey,
      maskingKey: ownEntry.maskingKey, signature: [])
    expectRefusal(.unknownParticipant(9), by: &client) {
      try $0.shareKeys(for: directory(honest.neighbors + [beyondEntry]))
    }
    expectRefusal(.duplicateParticipant(neighbors[1]), by: &client) {
      try $0.shareKeys(for: directory(honest.neighbors + [honest.neighbors[1]]))
    }

    _ = try client.shareKeys(for: honest)
    #expect(client.phase == .awaitingShareRelay)
  }

  @Test func relayedSharesFromOutsideTheDirectoryAreRefused() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    let a = session.id(1)
    let b = session.id(2)
    let relays = try session.shareKeys(session.advertiseKeys())
    let honest = try #require(relays[a])
    let input = try session.input(for: a)
    var client = try session.client(a)

    func relay(_ shares: [EncryptedShare]) -> ShareRelay {
      ShareRelay(sessionID: honest.sessionID, recipient: a, shares: shares)
    }
    let box = honest.shares[0].box
    expectRefusal(.unknownParticipant(a.rawValue), by: &client) {
      try $0.maskInput(
        for: relay(honest.shares + [EncryptedShare(peer: a, box: box)]), input: input)
    }
    let beyond = EncryptedShare(peer: try participant(6), box: box)
    expectRefusal(.unknownParticipant(6), by: &client) {
      try $0.maskInput(for: relay(honest.shares + [beyond]), input: input)
    }
    expectRefusal(.duplicateParticipant(b), by: &client) {
      try $0.maskInput(for: relay(honest.shares + [honest.shares[0]]), input: input)
    }

    _ = try client.maskInput(for: honest, input: input)
    #expect(client.phase == .awaitingSurvivors)
  }

  // MARK: 6. Sets too small

  @Test func tooFewNeighboursInTheDirectoryOrRelayAreRefused() throws {
    var session = try TestSession(configuration: Self.semiHonest())
    let a = session.id(1)
    let directories = try session.advertiseKeys()
    let honestDirectory = try #require(directories[a])
    var client = try session.client(a)
    let short = KeyDirectory(
      sessionID: honestDirectory.sessionID, recipient: a,
      neighbors: Array(honestDirectory.neighbors.prefix(2)))
    expectRefusal(.tooFewNeighbors(needed: 3, available: 2), by: &client) {
      try $0.shareKeys(for: short)
    }
    expectRefusal(.tooFewNeighbors(needed: 3, available: 0), by: &client) {
      try $0.shareKeys(
        for: KeyDirectory(sessionID: honestDirectory.sessionID, recipient: a, neighbors: []))
    }

    let relays = try session.shareKeys(directories)
    let honestRelay = try #require(relays[a])
    client = try session.client(a)
    let shortRelay = ShareRelay(
      sessionID: honestRelay.sessionID, recipient: a, shares: Array(honestRelay.shares.prefix(2)))
    let input = try session.input(for: a)
    expectRefusal(.tooFewNeighbors(needed: 3, available: 2), by: &client) {
      try $0.maskInput(for: shortRelay, input: input)
    }
    _ = try client.maskInput(for: honestRelay, input: input)
  }

  @Test func survivorSetBelowTheMinimumIsRefused() throws {
    for configuration in [try Self.semiHonest(minimumSurvivors: 4), try Self.active()] {
      var session = try TestSession(configuration: configuration)
      let a = session.id(1)
      let requests = try session.maskedInputs(session.shareKeys(session.advertiseKeys()))
      let minimum = configuration.minimumSurvivors
      let small = Array(session.ids.prefix(minimum - 1))
      var client = try session.client(a)
      let error = SecureAggregationError.tooFewSurvivors(
        round: .maskedInputCollection, needed: minimum, remaining: minimum - 1)
      let sessionID = session.server.sessionID
      if configuration.securityMode == .active {
        let check = ConsistencyCheckRequest(sessionID: sessionID, recipient: a, survivors: small)
        expectRefusal(error, by: &client) { try $0.signSurvivors(for: check) }
        _ = try client.signSurvivors(for: try #require(requests.consistencyRequests[a]))
      } else {
        let request = UnmaskingRequest(
          sessionID: sessionID, recipient: a, survivors: small, signatures: [])
        expectRefusal(error, by: &client) { try $0.revealShares(for: request) }
        _ = try client.revealShares(for: try #require(requests.unmaskingRequests[a]))
      }
    }
  }

  // With a Harary graph a set can be large enough overall and still hold fewer than t of the
  // client's neighbours: the client's own secrets would then be at risk, and it refuses.
  @Test func survivorSetWithTooFewNeighboursIsRefused() throws {
    var session = try TestSession(configuration: Self.harary())
    let a = session.id(1)
    let requests = try session.maskedInputs(session.shareKeys(session.advertiseKeys()))
      .unmaskingRequests
    let neighbors = session.graph.neighbors(of: a)
    let strangers = session.ids.filter { $0 != a && !neighbors.contains($0) }
    #expect(neighbors.count == 4)
    #expect(strangers.count == 3)
    let survivors = ([a] + neighbors.prefix(2) + strangers.prefix(2)).sorted()
    #expect(survivors.count == session.configuration.minimumSurvivors)
    var client = try session.client(a)
    let request = UnmaskingRequest(
      sessionID: session.server.sessionID, recipient: a, survivors: survivors, signatures: [])
    expectRefusal(.tooFewNeighbors(needed: 3, available: 2), by: &client) {
      try $0.revealShares(for: request)
    }
    let response = try client.revealShares(for: try #require(requests[a]))
    #expect(response.shares.map(\.owner) == neighbors)
  }

  // MARK: 7. Survivor sets not nested in what the client saw

  @Test func survivorSetsNotNestedAreRefused() throws {
    for configuration in [try Self.semiHonest(), try Self.active()] {
      var session = try TestSession(configuration: configuration)
      let a = session.id(1)
      let silent = session.id(5)
      // Client 5 never sends its shares, so none of its shares is relayed to client 1.
      let relays = try session.shareKeys(session.advertiseKeys(), excluding: [silent])
      let requests = try session.maskedInputs(relays)
      var client = try session.client(a)
      #expect(client.session?.heldShares.keys.sorted() == Array(session.ids[1...3]))

      let sessionID = session.server.sessionID
      let withSilent = session.ids
      let withoutSelf = Array(session.ids[1...3])
      let unsorted = [session.id(2), a, session.id(3), session.id(4)]
      let repeated = [a, session.id(2), session.id(2), session.id(3)]
      let beyond = Array(session.ids.prefix(4)) + [try participant(6)]
      let cases: [([ParticipantID], SecureAggregationError)] = [
        (withSilent, .survivorSetNotNested(silent)),
        (withoutSelf, .survivorSetNotNested(a)),
        (unsorted, .invalidMessage(reason: "the survivor set is not in ascending order")),
        (repeated, .duplicateParticipant(session.id(2))),
        (beyond, .unknownParticipant(6)),
      ]
      for (survivors, error) in cases {
        if configuration.securityMode == .active {
          let check = ConsistencyCheckRequest(
            sessionID: sessionID, recipient: a, survivors: survivors)
          expectRefusal(error, by: &client) { try $0.signSurvivors(for: check) }
        } else {
          let request = UnmaskingRequest(
            sessionID: sessionID, recipient: a, survivors: survivors, signatures: [])
          expectRefusal(error, by: &client) { try $0.revealShares(for: request) }
        }
      }
      if configuration.securityMode == .active {
        let check = try #require(requests.consistencyRequests[a])
        #expect(check.survivors == Array(session.ids.prefix(4)))
        _ = try client.signSurvivors(for: check)
      } else {
        _ = try client.revealShares(for: try #require(requests.unmaskingRequests[a]))
      }
    }
  }

  // MARK: 8. Tampered share boxes

  /// Runs a session in which client 1 receives `tamper(relay)` instead of its honest relay, and
  /// checks that client 1 goes on (it masks with every relayed neighbour), holds shares only of
  /// `intact` senders, reveals nothing for the others, and that the sum is exact.
  private func expectGoesOnWithout(
    _ spoiled: Set<ParticipantID>, sourceLocation: SourceLocation = #_sourceLocation,
    tamper: (ShareRelay, [ParticipantID: ShareRelay]) throws -> ShareRelay
  ) throws {
    var session = try TestSession(configuration: Self.semiHonest())
    let a = session.id(1)
    var relays = try session.shareKeys(session.advertiseKeys())
    let honest = try #require(relays[a])
    relays[a] = try tamper(honest, relays)
    let requests = try session.maskedInputs(relays)
    let client = try session.client(a)
    #expect(client.phase == .awaitingSurvivors, sourceLocation: sourceLocation)
    #expect(
      client.session?.relayedSenders == Set(honest.shares.map(\.peer)),
      sourceLocation: sourceLocation)
    #expect(
      Set(client.session?.heldShares.keys.map { $0 } ?? [])
        == Set(honest.shares.map(\.peer)).subtracting(spoiled), sourceLocation: sourceLocation)
    let result = try session.unmask(requests.unmaskingRequests)
    #expect(
      Set(session.sentResponses[a]?.shares.map(\.owner) ?? [])
        == Set(honest.shares.map(\.peer)).subtracting(spoiled), sourceLocation: sourceLocation)
    #expect(result.survivors == session.ids, sourceLocation: sourceLocation)
    #expect(
      result.sum == (try session.expectedSum(of: session.ids)), sourceLocation: sourceLocation)
  }

  // A box that does not open drops its sender for the recipient's shares only: the recipient
  // still masks with it, the server's accounting stays exact, and the others rebuild the
  // sender's secrets (issue 12: one unopenable box must not end a session).
  @Test func tamperedShareBoxesDropOnlyTheirSender() throws {
    let c = try participant(3)
    func replacing(_ relay: ShareRelay, _ box: SealedBox) -> ShareRelay {
      ShareRelay(
        sessionID: relay.sessionID, recipient: relay.recipient,
        shares: relay.shares.map { $0.peer == c ? EncryptedShare(peer: c, box: box) : $0 })
    }
    func boxOf(_ relay: ShareRelay) throws -> SealedBox {
      try #require(relay.shares.first { $0.peer == c }).box
    }
    // A flipped bit in the nonce, the ciphertext and the tag.
    for offset in [0, SealedBox.nonceByteCount + 5, -1] {
      try expectGoesOnWithout([c]) { relay, _ in
        let box = try boxOf(relay)
        let position = offset < 0 ? box.combined.count + offset : offset
        return replacing(relay, try Tamper.flipBit(of: box, at: position))
      }
    }
    // Truncated to the bare overhead.
    try expectGoesOnWithout([c]) { relay, _ in
      replacing(
        relay,
        try SealedBox(
          combined: Array(try boxOf(relay).combined.prefix(SealedBox.overheadByteCount))))
    }
    // Client 2's box passed off as client 3's.
    try expectGoesOnWithout([c]) { relay, _ in replacing(relay, relay.shares[0].box) }
    // Client 3's box for client 2 redirected to client 1.
    try expectGoesOnWithout([c]) { relay, relays in
      replacing(relay, try boxOf(try #require(relays[try participant(2)])))
    }
    // Every box swapped for the next sender's: client 1 holds nothing and still masks.
    try expectGoesOnWithout(Set((2...5).compactMap { ParticipantID($0) })) { relay, _ in
      let boxes = relay.shares.map(\.box)
      return ShareRelay(
        sessionID: relay.sessionID, recipient: relay.recipient,
        shares: relay.shares.enumerated().map { index, share in
          EncryptedShare(peer: share.peer, box: boxes[(index + 1) % boxes.count])
        })
    }
  }
}
