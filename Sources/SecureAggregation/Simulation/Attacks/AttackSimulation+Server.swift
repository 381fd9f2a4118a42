extension AttackSimulation {
  /// Equivocation and both-shares: a malicious server and the victim's corrupt neighbours try to
  /// collect t shares of each of the victim's two secrets and strip every mask from its input.
  func serverAttack() throws(SecureAggregationError) -> AttackReport {
    var session = try AttackSession(configuration: configuration, seed: seed)
    let relays = try session.shareKeys(session.advertiseKeys())
    let honestRequests = try session.maskedInputs(relays)
    let survivors = session.server.survivors
    let graph = session.server.graph
    let sessionID = session.server.sessionID
    guard let victim = survivors.first else {
      throw .invalidParameter(name: "survivors", value: "none", expected: "a victim")
    }
    let corrupt = Self.nearestNeighbors(of: victim, in: graph, count: corruptNeighborCount)
    let withVictim = survivors
    let withoutVictim = survivors.filter { $0 != victim }
    let sideA = Self.sideWithVictim(victim: victim, graph: graph, corrupt: corrupt)
    func shown(_ id: ParticipantID) -> [ParticipantID] {
      sideA.contains(id) ? withVictim : withoutVictim
    }
    let honest = survivors.filter { !corrupt.contains($0) }

    // The requests each honest survivor gets in round 4.
    var requests: [UnmaskingRequest] = []
    switch (attack, honestRequests) {
    case (_, .unmasking):
      // Semi-honest mode: no consistency round to get past.
      requests = honest.map {
        UnmaskingRequest(sessionID: sessionID, recipient: $0, survivors: shown($0), signatures: [])
      }
    case (.bothShares, .consistencyCheck(let checks)):
      // The consistency round as it should be, then the other side asked about another set.
      let signed = try session.consistencyCheck(checks.filter { !corrupt.contains($0.recipient) })
      requests = signed.map {
        UnmaskingRequest(
          sessionID: sessionID, recipient: $0.recipient, survivors: shown($0.recipient),
          signatures: $0.signatures)
      }
    case (_, .consistencyCheck):
      requests = equivocatedRequests(
        &session, honest: honest, corrupt: corrupt, graph: graph, shown: shown)
    }

    // Round 4 answered to the attacker, not to the honest server.
    for request in requests {
      guard
        let response = session.client(
          request.recipient,
          { client throws(SecureAggregationError) in
            try client.revealShares(for: request)
          })
      else { continue }
      session.sentResponses[request.recipient] = response
    }
    let (seedShares, keyShares) = Self.coalitionShares(
      of: victim, session: session, attackers: corrupt)
    // Every honest input is tried, the victim's and the others'.
    let inputRecovered = Self.coalitionRecoversAnInput(session, attackers: corrupt)
    let threshold = configuration.threshold
    return try report(
      session, inputRecovered: inputRecovered, result: nil, victim: victim, attackers: corrupt,
      summary:
        "the server gathered \(seedShares.count) shares of the victim's seed and "
        + "\(keyShares.count) of its masking key (t = \(threshold)) with \(corrupt.count) corrupt "
        + "neighbours; "
        + (inputRecovered
          ? "it stripped every mask from an honest client's input and read it"
          : "the victim's input stayed masked")
        + (isDefended ? "" : "; a malicious server is outside the semi-honest model"))
  }

  /// Active mode's equivocation: each honest survivor is asked to sign the set its side is shown;
  /// the corrupt clients sign both; each signer then gets its set with every neighbour's
  /// signature over that same set.
  private func equivocatedRequests(
    _ session: inout AttackSession, honest: [ParticipantID], corrupt: [ParticipantID],
    graph: NeighborGraph, shown: (ParticipantID) -> [ParticipantID]
  ) -> [UnmaskingRequest] {
    let sessionID = session.server.sessionID
    var signatures: [ParticipantID: [UInt8]] = [:]
    for id in honest {
      let check = ConsistencyCheckRequest(sessionID: sessionID, recipient: id, survivors: shown(id))
      guard
        let message = session.client(
          id,
          { client throws(SecureAggregationError) in
            try client.signSurvivors(for: check)
          })
      else { continue }
      signatures[id] = message.signature
    }
    return signatures.keys.sorted().map { id in
      let set = shown(id)
      let bytes = ConsistencySignature.signedBytes(sessionID: sessionID, survivors: set)
      let neighbors = graph.neighbors(of: id).compactMap { neighbor -> ParticipantSignature? in
        if let key = session.identityKeys[neighbor], corrupt.contains(neighbor) {
          return ParticipantSignature(signer: neighbor, signature: key.signature(for: bytes))
        }
        guard let signature = signatures[neighbor], shown(neighbor) == set else { return nil }
        return ParticipantSignature(signer: neighbor, signature: signature)
      }
      return UnmaskingRequest(
        sessionID: sessionID, recipient: id, survivors: set, signatures: neighbors)
    }
  }

  /// The victim's `count` nearest neighbours on the ring, alternating sides (its ring-adjacent
  /// ones first); the lowest other ids in the complete graph.
  static func nearestNeighbors(of victim: ParticipantID, in graph: NeighborGraph, count: Int)
    -> [ParticipantID]
  {
    let neighbors = graph.neighbors(of: victim)
    guard let position = graph.ringPosition(of: victim) else {
      return Array(neighbors.prefix(count))
    }
    let n = graph.clientCount
    let byDistance = neighbors.sorted { a, b in
      let (da, db) = (
        ringOffset(of: a, from: position, graph: graph),
        ringOffset(of: b, from: position, graph: graph)
      )
      let (ra, rb) = (min(da, n - da), min(db, n - db))
      return ra != rb ? ra < rb : da < db
    }
    return Array(byDistance.prefix(count))
  }

  /// The clients shown the set with the victim: the victim and the half of the ring after it
  /// (SecAgg+), or the victim and the first half of the honest others (complete graph).
  static func sideWithVictim(
    victim: ParticipantID, graph: NeighborGraph, corrupt: [ParticipantID]
  ) -> Set<ParticipantID> {
    let everyone = (1...graph.clientCount).compactMap { ParticipantID($0) }
    guard let position = graph.ringPosition(of: victim) else {
      let others = everyone.filter { $0 != victim && !corrupt.contains($0) }
      return Set([victim] + others.prefix((others.count + 1) / 2))
    }
    return Set(
      everyone.filter {
        let offset = ringOffset(of: $0, from: position, graph: graph)
        return offset <= graph.clientCount / 2
      })
  }

  private static func ringOffset(of id: ParticipantID, from position: Int, graph: NeighborGraph)
    -> Int
  {
    let n = graph.clientCount
    return ((graph.ringPosition(of: id) ?? position) - position + n) % n
  }

  /// Whether the attacker's coalition — everything revealed in round 4 and everything the
  /// `attackers` hold — strips every mask from some honest client's masked input and so reads
  /// its input, compared with the simulation's ground truth.
  static func coalitionRecoversAnInput(_ session: AttackSession, attackers: [ParticipantID])
    -> Bool
  {
    for owner in session.maskedInputs.keys.sorted() where !attackers.contains(owner) {
      let (seedShares, keyShares) = coalitionShares(
        of: owner, session: session, attackers: attackers)
      if let stripped = strippedInput(
        of: owner, session: session, seedShares: seedShares, keyShares: keyShares),
        stripped == session.input(for: owner)
      {
        return true
      }
    }
    return false
  }

  /// The shares of `owner`'s two secrets the coalition holds: those revealed in round 4 and
  /// those the `attackers` hold (a share an attacker also revealed counts once).
  static func coalitionShares(
    of owner: ParticipantID, session: AttackSession, attackers: [ParticipantID]
  ) -> (seed: [SecretShare], key: [SecretShare]) {
    var seedShares: [SecretShare] = []
    var keyShares: [SecretShare] = []
    for response in session.sentResponses.values {
      for revealed in response.shares where revealed.owner == owner {
        switch revealed.kind {
        case .selfMaskSeed: seedShares.append(revealed.share)
        case .maskingKey: keyShares.append(revealed.share)
        }
      }
    }
    for id in attackers {
      guard let pair = session.clients[id]?.session?.heldShares[owner] else { continue }
      if !seedShares.contains(where: { $0.id == pair.selfMaskSeed.id }) {
        seedShares.append(pair.selfMaskSeed)
      }
      if !keyShares.contains(where: { $0.id == pair.maskingKey.id }) {
        keyShares.append(pair.maskingKey)
      }
    }
    return (seedShares, keyShares)
  }

  /// The victim's masked input with its self mask and every pairwise mask taken off, when t
  /// shares of both its seed and its masking key were gathered; `nil` otherwise.
  static func strippedInput(
    of victim: ParticipantID, session: AttackSession, seedShares: [SecretShare],
    keyShares: [SecretShare]
  ) -> ModularVector? {
    let threshold = session.configuration.threshold
    let server = session.server
    guard seedShares.count >= threshold, keyShares.count >= threshold,
      let masked = session.maskedInputs[victim]?.maskedInput,
      let advertised = server.advertisements[victim]?.maskingKey,
      let seed = try? ShamirSecretSharing.reconstruct(
        from: Array(seedShares.prefix(threshold)), threshold: threshold),
      let scalar = try? ShamirSecretSharing.reconstruct(
        from: Array(keyShares.prefix(threshold)), threshold: threshold),
      let maskingKey = try? KeyAgreement.PrivateKey(rawRepresentation: scalar),
      let selfMask = try? KeySchedule.selfMask(
        seed: seed, sessionID: server.sessionID, owner: victim,
        modulus: session.configuration.modulus)
    else { return nil }
    var jobs = [MaskJob(generator: selfMask, operation: .subtract)]
    for peer in (server.relayedTo[victim] ?? []).sorted() {
      guard let peerKey = server.advertisements[peer]?.maskingKey,
        let agreement = try? maskingKey.sharedSecret(with: peerKey),
        let generator = try? KeySchedule.pairwiseMask(
          agreement: agreement, sessionID: server.sessionID, first: (victim, advertised),
          second: (peer, peerKey), modulus: session.configuration.modulus)
      else { return nil }
      // The victim added the mask when its id is the lower one.
      jobs.append(MaskJob(generator: generator, operation: victim < peer ? .subtract : .add))
    }
    var input = masked
    guard (try? input.applyMasks(jobs)) != nil else { return nil }
    return input
  }
}
