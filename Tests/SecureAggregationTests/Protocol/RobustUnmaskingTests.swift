import Testing

@testable import SecureAggregation

/// A wrong revealed share neither aborts unmasking forever nor, with exactly t shares, changes
/// the sum silently (issue 12, finding 3).
@Suite struct RobustUnmaskingTests {
  /// `share` with chunk 0 moved by `offset` (mod p) and the other chunks as they were.
  static func shifted(_ share: SecretShare, by offset: UInt64) -> SecretShare {
    share.tampered(by: offset, chunks: 0..<1)
  }

  /// `response` with the share revealed for `owner` replaced by `tamper(share)`.
  static func tampered(
    _ response: UnmaskingResponse, owner: ParticipantID, _ tamper: (SecretShare) -> SecretShare
  ) -> UnmaskingResponse {
    UnmaskingResponse(
      sessionID: response.sessionID, sender: response.sender,
      shares: response.shares.map {
        $0.owner == owner ? RevealedShare(owner: owner, kind: $0.kind, share: tamper($0.share)) : $0
      })
  }

  /// Ten clients, complete graph, t = 5: nine shares of every secret, so two wrong ones among
  /// them can be corrected.
  static func tenClients() throws -> AggregationConfiguration {
    try AggregationConfiguration(clientCount: 10, vectorLength: 6, modulus: Modulus(bitWidth: 24))
  }

  /// Delivers every request's response, `tamper`ed for the listed senders.
  private func respond(
    _ session: inout TestSession, to requests: [ParticipantID: UnmaskingRequest],
    excluding: Set<ParticipantID> = [],
    tamper: [ParticipantID: (UnmaskingResponse) -> UnmaskingResponse] = [:]
  ) throws {
    for (id, request) in requests.sorted(by: { $0.key < $1.key }) where !excluding.contains(id) {
      var response = try session.withClient(id) { try $0.revealShares(for: request) }
      if let change = tamper[id] { response = change(response) }
      session.sentResponses[id] = response
      try session.server.receive(response)
    }
  }

  // Before: finish() threw inconsistentShares with no culprit, and kept throwing. Now the wrong
  // seed share is found among nine, left out, its sender named, and the sum is exact.
  @Test func aWrongSeedShareIsCorrectedAndItsSenderNamed() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let requests = try session.runToUnmasking()
    let liar = session.id(3)
    let victim = session.id(7)
    try respond(
      &session, to: requests,
      tamper: [liar: { Self.tampered($0, owner: victim) { Self.shifted($0, by: 12_345) } }])
    let result = try session.server.finish()
    #expect(result.respondersWithWrongShares == [liar])
    #expect(result.sum == (try session.expectedSum(of: session.ids)))
  }

  // A liar that falsifies every share it reveals: found once, left out of every owner's
  // recovery, named once, and the sum is exact.
  @Test func aLiarAboutEveryOwnerIsLeftOutEverywhere() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let requests = try session.runToUnmasking()
    let liar = session.id(6)
    try respond(
      &session, to: requests,
      tamper: [
        liar: { response in
          UnmaskingResponse(
            sessionID: response.sessionID, sender: response.sender,
            shares: response.shares.map {
              RevealedShare(owner: $0.owner, kind: $0.kind, share: $0.share.tampered(by: 3))
            })
        }
      ])
    let result = try session.server.finish()
    #expect(result.respondersWithWrongShares == [liar])
    #expect(result.sum == (try session.expectedSum(of: session.ids)))
  }

  // Two liars, about different owners and about the same one: within the bound of two.
  @Test func twoWrongSharesAreCorrected() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let requests = try session.runToUnmasking()
    let (first, second) = (session.id(2), session.id(9))
    let owner = session.id(5)
    let otherOwner = session.id(1)
    try respond(
      &session, to: requests,
      tamper: [
        first: { Self.tampered($0, owner: owner) { Self.shifted($0, by: 1) } },
        second: { response in
          Self.tampered(
            Self.tampered(response, owner: owner) { Self.shifted($0, by: 7) },
            owner: otherOwner
          ) { ErrorCorrectionTests.corrupted($0, by: 99) }
        },
      ])
    let result = try session.server.finish()
    #expect(result.respondersWithWrongShares == [first, second])
    #expect(result.sum == (try session.expectedSum(of: session.ids)))
  }

  // The masking key of a dropped client, rebuilt from shares one of which is wrong: checked
  // against the advertised key, corrected, and its sender named.
  @Test func aWrongMaskingKeyShareIsCorrected() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let dropped = session.id(10)
    let requests = try session.runToUnmasking(dropouts: [dropped: .maskedInputCollection])
    let liar = session.id(4)
    try respond(
      &session, to: requests,
      tamper: [liar: { Self.tampered($0, owner: dropped) { Self.shifted($0, by: 1) } }])
    let result = try session.server.finish()
    #expect(result.respondersWithWrongShares == [liar])
    #expect(result.survivors == Array(session.ids.prefix(9)))
    #expect(result.sum == (try session.expectedSum(of: result.survivors)))
  }

  // Exactly t shares of a seed, one crafted so that the rebuilt seed is off by one (any t points
  // lie on some polynomial): before, the sum came out wrong without a word. Now the commitment
  // catches it, nothing is released, and the server keeps everything: discarding the liar and
  // hearing from a late client finishes exactly.
  @Test func withExactlyTSharesAWrongShareIsDetectedNotReleased() throws {
    // n = 5, complete graph, t = 3: client 5 answers late, so client 1's seed has the shares of
    // clients 2, 3 and 4 only.
    let configuration = try AggregationConfiguration(
      clientCount: 5, vectorLength: 4, modulus: Modulus(bitWidth: 16))
    #expect(configuration.threshold == 3)
    var session = try TestSession(configuration: configuration)
    let requests = try session.runToUnmasking()
    let (owner, liar, late) = (session.id(1), session.id(2), session.id(5))
    // λ_2 = (3 · 4)/((3 − 2)(4 − 2)) = 6 at 0 for ids {2, 3, 4}: moving share 2 by 6⁻¹ moves the
    // rebuilt chunk by exactly +1, which fits in its 7 bytes and so passes every other check.
    let offset = PrimeField.inverse(6)
    try respond(
      &session, to: requests, excluding: [late],
      tamper: [liar: { Self.tampered($0, owner: owner) { Self.shifted($0, by: offset) } }])
    expectRejection(.inconsistentRecovery(client: owner), by: &session.server) {
      try $0.finish()
    }
    try session.server.discardUnmaskingResponse(from: liar)
    #expect(
      throws: SecureAggregationError.recoveryImpossible(
        client: owner, secret: .selfMaskSeed, needed: 3, received: 2)
    ) { try session.server.finish() }
    // The discarded client cannot answer again; the late one can, and the sum is exact.
    #expect(throws: SecureAggregationError.duplicateParticipant(liar)) {
      try session.server.receive(try #require(session.sentResponses[liar]))
    }
    try respond(&session, to: requests.filter { $0.key == late })
    let result = try session.server.finish()
    #expect(result.respondersWithWrongShares.isEmpty)
    #expect(result.sum == (try session.expectedSum(of: session.ids)))
  }

  // Only a response that exists can be discarded, and only in round 4.
  @Test func discardingNeedsAResponse() throws {
    var session = try TestSession(configuration: Self.tenClients())
    let first = session.id(1)
    expectRejection(
      .unexpectedMessage(
        received: "discarding an unmasking response", expected: "the server is collecting keys"),
      by: &session.server
    ) { try $0.discardUnmaskingResponse(from: first) }
    let requests = try session.runToUnmasking()
    expectRejection(.unknownParticipant(1), by: &session.server) {
      try $0.discardUnmaskingResponse(from: first)
    }
    try respond(&session, to: requests)
    _ = try session.server.finish()
  }
}
