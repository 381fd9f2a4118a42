extension AttackSimulation {
  /// The u-coordinate of a point of order 8 on Curve25519: every agreement with it is all zeros.
  static let smallOrderPoint =
    [UInt8](hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800") ?? []

  /// Bad key and bad share: one hostile client (the last id) against the honest server and the
  /// other clients, who must still get the exact sum of the rest.
  func clientAttack() throws(SecureAggregationError) -> AttackReport {
    var session = try AttackSession(configuration: configuration, seed: seed)
    guard let hostile = configuration.participantIDs.last else {
      throw .invalidParameter(name: "clientCount", value: "0", expected: "at least 2")
    }
    let requests: [UnmaskingRequest]
    var tampered = false
    switch attack {
    case .badKey:
      let weak = try? KeyAgreement.PublicKey(rawRepresentation: Self.smallOrderPoint)
      let identity = session.identityKeys[hostile]
      requests = try session.runToUnmasking { message in
        guard message.sender == hostile, let weak else { return message }
        let forged = KeyAdvertisement(
          sessionID: message.sessionID, sender: hostile, encryptionKey: message.encryptionKey,
          maskingKey: weak, signature: [])
        // The hostile client signs its own forgery in active mode.
        return KeyAdvertisement(
          sessionID: message.sessionID, sender: hostile, encryptionKey: message.encryptionKey,
          maskingKey: weak,
          signature: identity.map { $0.signature(for: forged.signedBytes) } ?? [])
      }
    default:
      requests = try session.runToUnmasking()
    }
    session.unmask(requests) { response in
      guard attack == .badShare, response.sender == hostile, let first = response.shares.first
      else { return response }
      tampered = true
      return UnmaskingResponse(
        sessionID: response.sessionID, sender: response.sender,
        shares: [
          RevealedShare(
            owner: first.owner, kind: first.kind, share: first.share.tampered(by: 1, chunks: 0..<1))
        ] + response.shares.dropFirst())
    }
    let result = try? session.server.finish()
    let what =
      attack == .badKey
      ? "a hostile client advertised a masking key of order 8; the server refused it"
      : tampered
        ? "a hostile client revealed one wrong share; the server "
          + ((result?.respondersWithWrongShares.contains(hostile) ?? false)
            ? "found it and left it out" : "did not single it out")
        : "the hostile client had no share to falsify"
    return try report(
      session, inputRecovered: Self.coalitionRecoversAnInput(session, attackers: [hostile]),
      result: result, victim: nil, attackers: [hostile],
      summary: what
        + (result.map { "; released the sum of \($0.survivors.count) clients" }
          ?? "; no sum was released"))
  }

  /// Replay: a first session runs to its end; its server's messages are then offered to the
  /// clients of a second session of the same cohort, and its clients' messages to the second
  /// server, before each honest message of that round.
  func replayAttack() throws(SecureAggregationError) -> AttackReport {
    var old = try AttackSession(configuration: configuration, seed: seed &+ 0x7e)
    let oldDirectories = try old.advertiseKeys()
    let oldRelays = try old.shareKeys(oldDirectories)
    var oldChecks: [ConsistencyCheckRequest] = []
    var oldUnmasking: [UnmaskingRequest]
    switch try old.maskedInputs(oldRelays) {
    case .unmasking(let requests): oldUnmasking = requests
    case .consistencyCheck(let checks):
      oldChecks = checks
      oldUnmasking = try old.consistencyCheck(checks)
    }
    old.unmask(oldUnmasking)
    let oldClientMessages: [ProtocolRound: [ClientMessage]] = [
      .advertiseKeys: old.server.advertisements.values.map(ClientMessage.keyAdvertisement),
      .shareKeys: old.sentShares.values.map(ClientMessage.keyShares),
      .maskedInputCollection: old.maskedInputs.values.map(ClientMessage.maskedInput),
      .unmasking: old.sentResponses.values.map(ClientMessage.unmaskingResponse),
    ]

    var session = try AttackSession(configuration: configuration, seed: seed)
    var accepted = 0
    // Each round: the old clients' messages reach the new server, and the old server's message
    // to each client reaches it, before the honest ones.
    func replay(_ round: ProtocolRound, _ messages: [ServerMessage]) {
      for message in oldClientMessages[round] ?? [] { session.deliver(message) }
      for message in messages {
        let id = message.recipient
        let input = session.input(for: id)
        let answered = session.client(id) { client throws(SecureAggregationError) -> Bool in
          switch message {
          case .keyDirectory(let directory): _ = try client.shareKeys(for: directory)
          case .shareRelay(let relay): _ = try client.maskInput(for: relay, input: input)
          case .consistencyCheckRequest(let check): _ = try client.signSurvivors(for: check)
          case .unmaskingRequest(let request): _ = try client.revealShares(for: request)
          case .sessionAnnouncement(let announcement):
            _ = try client.advertiseKeys(for: announcement)
          }
          return true
        }
        // A refusal is what should happen; the honest client goes on with its own session.
        if answered != nil { accepted += 1 }
        session.stopped.remove(id)
      }
    }
    replay(.advertiseKeys, [])
    let directories = try session.advertiseKeys()
    replay(.shareKeys, oldDirectories.map(ServerMessage.keyDirectory))
    let relays = try session.shareKeys(directories)
    replay(.maskedInputCollection, oldRelays.map(ServerMessage.shareRelay))
    var requests: [UnmaskingRequest]
    switch try session.maskedInputs(relays) {
    case .unmasking(let honest):
      requests = honest
    case .consistencyCheck(let checks):
      replay(.consistencyCheck, oldChecks.map(ServerMessage.consistencyCheckRequest))
      requests = try session.consistencyCheck(checks)
    }
    replay(.unmasking, oldUnmasking.map(ServerMessage.unmaskingRequest))
    session.unmask(requests)
    let result = try? session.server.finish()
    return try report(
      session, inputRecovered: Self.coalitionRecoversAnInput(session, attackers: []),
      result: accepted == 0 ? result : nil, victim: nil, attackers: [],
      summary:
        "\(session.refusals.count) replayed server messages refused by the clients"
        + (accepted > 0 ? " and \(accepted) ACCEPTED" : "") + ", "
        + "\(session.serverRejections.count) replayed client messages rejected by the server"
        + (result.map { "; released the sum of \($0.survivors.count) clients" }
          ?? "; no sum was released"))
  }
}
