import Testing

@testable import SecureAggregation

/// One hostile client must not end a session (issue 12, finding 2), and no copy of a client may
/// answer a round twice (finding 4).
@Suite struct HostileClientTests {
  /// Semi-honest, complete graph of 10, t = 6 by default.
  static func tenClients() throws -> AggregationConfiguration {
    try AggregationConfiguration(clientCount: 10, vectorLength: 5, modulus: Modulus(bitWidth: 16))
  }

  /// The u-coordinate of a point of order 8 (see KeyAgreementTests for where it comes from).
  static let orderEight =
    [UInt8](
      hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800") ?? []

  /// Runs the rest of a session honestly from the relays on and checks the sum is exactly the
  /// survivors'.
  private func finishExactly(
    _ session: inout TestSession, relays: [ParticipantID: ShareRelay],
    expectedSurvivors: [ParticipantID], sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let requests = try session.maskedInputs(relays)
    let result = try session.unmask(requests.unmaskingRequests)
    #expect(result.survivors == expectedSurvivors, sourceLocation: sourceLocation)
    #expect(
      result.sum == (try session.expectedSum(of: expectedSurvivors)),
      sourceLocation: sourceLocation)
  }

  // The issue's demonstration: client 4 of 10 advertises 32 zero bytes. The server refuses the
  // advertisement (client 4 counts as dropped) and the nine others finish with their exact sum.
  // Before the fix the server stored the keys, every honest client's ShareKeys threw on them, and
  // the server closed round 1 with tooFewSurvivors.
  enum WeakAdvertisement: CaseIterable, Sendable {
    case bothKeysZero, maskingKeyOfOrderEight, encryptionKeyOfOrderEight
  }

  @Test(arguments: WeakAdvertisement.allCases)
  func serverRefusesWeakKeysAndTheOthersFinish(_ kind: WeakAdvertisement) throws {
    let zero = [UInt8](repeating: 0, count: 32)
    let (encryptionKey, maskingKey): ([UInt8]?, [UInt8]?) =
      switch kind {
      case .bothKeysZero: (zero, zero)
      case .maskingKeyOfOrderEight: (nil, Self.orderEight)
      case .encryptionKeyOfOrderEight: (Self.orderEight, nil)
      }
    var session = try TestSession(configuration: Self.tenClients())
    let hostile = session.id(4)
    let announcer = session.server
    for id in session.ids where id != hostile {
      let message = try session.withClient(id) {
        try $0.advertiseKeys(for: announcer.announcement(for: id))
      }
      try session.server.receive(message)
    }
    let honest = try session.withClient(hostile) {
      try $0.advertiseKeys(for: announcer.announcement(for: hostile))
    }
    let forged = KeyAdvertisement(
      sessionID: honest.sessionID, sender: hostile,
      encryptionKey: try encryptionKey.map(KeyAgreement.PublicKey.init(rawRepresentation:))
        ?? honest.encryptionKey,
      maskingKey: try maskingKey.map(KeyAgreement.PublicKey.init(rawRepresentation:))
        ?? honest.maskingKey, signature: [])
    expectRejection(.weakPublicKey(hostile), by: &session.server) { try $0.receive(forged) }
    let directories = try session.server.closeAdvertiseKeys()
    #expect(directories.count == 9)
    #expect(directories.allSatisfy { !$0.neighbors.contains { $0.sender == hostile } })
    let relays = try session.shareKeys(
      Dictionary(uniqueKeysWithValues: directories.map { ($0.recipient, $0) }))
    try finishExactly(
      &session, relays: relays, expectedSurvivors: session.ids.filter { $0 != hostile })
  }

  // A (malicious) server that passes one client a neighbour's small-order key: the client treats
  // that neighbour as dropped for itself, shares with the others, and the server, which accepts
  // at least t recipients, relays only mutual pairs, so every pairwise mask still cancels.
  @Test func clientDropsANeighbourWhoseKeyIsWeakAndGoesOn() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let a = session.id(1)
    let b = session.id(2)
    var directories = try session.advertiseKeys()
    let honest = try #require(directories[a])
    let weak = try KeyAgreement.PublicKey(rawRepresentation: Self.orderEight)
    directories[a] = KeyDirectory(
      sessionID: honest.sessionID, recipient: a,
      neighbors: honest.neighbors.map { entry in
        entry.sender != b
          ? entry
          : KeyAdvertisement(
            sessionID: entry.sessionID, sender: b, encryptionKey: entry.encryptionKey,
            maskingKey: weak, signature: entry.signature)
      })
    let relays = try session.shareKeys(directories)
    #expect(session.sentShares[a]?.shares.map(\.peer) == session.ids.filter { $0 != a && $0 != b })
    // b sent a a box, but a sent none to b: neither is relayed.
    #expect(relays[a]?.shares.contains { $0.peer == b } == false)
    #expect(relays[b]?.shares.contains { $0.peer == a } == false)
    #expect(relays[b]?.shares.count == 8)
    guard case .unmasking(let requests) = try session.maskedInputs(relays) else {
      Issue.record("semi-honest mode asks for unmasking")
      return
    }
    // Client 1 knows it cut the pair and unmasks; client 2 cannot tell a cut pair from a
    // neighbour dropped in round 1, so it refuses a survivor set with client 1 in it and counts as
    // dropped for round 4. The others' shares still suffice.
    for request in requests {
      if request.recipient == b {
        var client = try session.client(b)
        expectRefusal(.survivorSetNotNested(a), by: &client) {
          try $0.revealShares(for: request)
        }
        continue
      }
      let response = try session.withClient(request.recipient) {
        try $0.revealShares(for: request)
      }
      try session.server.receive(response)
    }
    let result = try session.server.finish()
    #expect(result.survivors == session.ids)
    #expect(result.sum == (try session.expectedSum(of: session.ids)))
  }

  // A hostile client seals garbage for one neighbour: the neighbour goes on without that
  // client's shares, the others rebuild them, and the sum is exact.
  @Test func garbageShareBoxCostsOnlyItsSendersShares() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let hostile = session.id(7)
    let victim = session.id(2)
    let directories = try session.advertiseKeys()
    for (id, directory) in directories.sorted(by: { $0.key < $1.key }) {
      var message = try session.withClient(id) { try $0.shareKeys(for: directory) }
      if id == hostile {
        let garbage = try SealedBox(
          combined: [UInt8](repeating: 0xa5, count: KeySchedule.shareBoxByteCount))
        message = KeyShares(
          sessionID: message.sessionID, sender: id,
          shares: message.shares.map {
            $0.peer == victim ? EncryptedShare(peer: victim, box: garbage) : $0
          }, selfMaskSeedCommitment: message.selfMaskSeedCommitment)
      }
      try session.server.receive(message)
    }
    let relays = Dictionary(
      uniqueKeysWithValues: try session.server.closeShareKeys().map { ($0.recipient, $0) })
    try finishExactly(&session, relays: relays, expectedSurvivors: session.ids)
    #expect(session.sentResponses[victim]?.shares.contains { $0.owner == hostile } == false)
    #expect(session.sentResponses[victim]?.shares.count == 8)
  }

  // MARK: One answer per round, copies included

  // Two masked inputs of one session would give the server y₁ − y₂ = x₁ − x₂. A copy made before
  // round 2 cannot answer it after the original did.
  @Test func aCopyCannotMaskASecondInput() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let a = session.id(1)
    let relays = try session.shareKeys(session.advertiseKeys())
    var original = try session.client(a)
    var copy = original
    let relay = try #require(relays[a])
    _ = try original.maskInput(for: relay, input: session.input(for: a))
    var other = try session.input(for: a)
    try other.add(try session.input(for: session.id(2)))
    #expect(
      throws: SecureAggregationError.unexpectedMessage(
        received: "share relay", expected: "the client is awaiting survivors")
    ) { try copy.maskInput(for: relay, input: other) }
  }

  // A snapshot taken before unmasking answered a second request (b from one copy, s from the
  // other). Now the second answer is refused, whichever copy gives the first.
  @Test func aCopyCannotAnswerASecondUnmaskingRequest() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let requests = try session.runToUnmasking()
    let a = session.id(1)
    var snapshot = try session.client(a)
    var original = try session.client(a)
    let request = try #require(requests[a])
    let response = try original.revealShares(for: request)
    #expect(response.shares.allSatisfy { $0.kind == .selfMaskSeed })
    // Client 5 "dropped": its masking-key share would complete the server's knowledge.
    let lie = UnmaskingRequest(
      sessionID: request.sessionID, recipient: a, survivors: session.ids.filter { $0.index != 5 },
      signatures: [])
    #expect(
      throws: SecureAggregationError.unexpectedMessage(
        received: "unmasking request", expected: "the client is finished")
    ) { try snapshot.revealShares(for: lie) }
  }
}
