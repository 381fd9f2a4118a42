extension AggregationClient {
  // MARK: Round 0: AdvertiseKeys

  /// Round 0: checks the announced session against this client's configuration, draws fresh
  /// key pairs c_u and s_u, and advertises their public keys (signed in active mode).
  ///
  /// - Throws: ``SecureAggregationError/sessionMismatch`` when the server's session id does not
  ///   match this client's configuration and the nonce (or the nonce is not 32 bytes);
  ///   ``SecureAggregationError/wrongRecipient(expected:received:)`` for another client's copy;
  ///   ``SecureAggregationError/unexpectedMessage(received:expected:)`` outside this round.
  public mutating func advertiseKeys(for announcement: SessionAnnouncement)
    throws(SecureAggregationError) -> KeyAdvertisement
  {
    try expect(.awaitingAnnouncement, for: "session announcement")
    guard announcement.recipient == id else {
      throw .wrongRecipient(expected: id, received: announcement.recipient)
    }
    // A nonce of the wrong length has no session id, so the announced one cannot match it.
    guard let sessionID = try? SessionID(configuration: configuration, nonce: announcement.nonce),
      sessionID == announcement.sessionID
    else { throw .sessionMismatch }
    let graph = try configuration.neighborGraph(sessionID: sessionID)
    let encryptionKey = KeyAgreement.PrivateKey(from: randomSource)
    let maskingKey = KeyAgreement.PrivateKey(from: randomSource)
    var message = KeyAdvertisement(
      sessionID: sessionID, sender: id, encryptionKey: encryptionKey.publicKey,
      maskingKey: maskingKey.publicKey, signature: [])
    if configuration.securityMode == .active, let identityKey {
      message = KeyAdvertisement(
        sessionID: sessionID, sender: id, encryptionKey: message.encryptionKey,
        maskingKey: message.maskingKey, signature: identityKey.signature(for: message.signedBytes))
    }
    stage = .awaitingKeyDirectory(
      ClientSession(
        sessionID: sessionID, neighbors: Set(graph.neighbors(of: id)),
        encryptionKey: encryptionKey, maskingKey: maskingKey))
    return message
  }

  // MARK: Round 1: ShareKeys

  /// Round 1: checks the neighbours' keys, draws the self-mask seed b_u, Shamir-shares b_u and
  /// the masking key s_u among those neighbours, and encrypts each pair of shares for its
  /// recipient.
  ///
  /// A neighbour whose encryption or masking key is non-canonical or of small order
  /// (``KeyAgreement/PublicKey/isSafeForKeyAgreement``) counts as dropped for this client: it
  /// gets no shares, and the client goes on with the others.
  ///
  /// - Throws: ``SecureAggregationError`` when the directory cannot be used, and then no share
  ///   is dealt: an entry that is not a neighbour or appears twice, in active mode a signature
  ///   that does not verify against the caller's identity directory
  ///   (``SecureAggregationError/invalidSignature(signer:)``), fewer than t neighbours
  ///   (``SecureAggregationError/tooFewNeighbors(needed:available:)``), or a directory of another
  ///   session, recipient or round.
  public mutating func shareKeys(for directory: KeyDirectory)
    throws(SecureAggregationError) -> KeyShares
  {
    guard case .awaitingKeyDirectory(var session) = stage else {
      throw unexpected("key directory")
    }
    try checkEnvelope(sessionID: directory.sessionID, recipient: directory.recipient)
    var neighborKeys: [ParticipantID: KeyAdvertisement] = [:]
    var skippedNeighbors = Set<ParticipantID>()
    for entry in directory.neighbors {
      guard entry.sessionID == session.sessionID else { throw .sessionMismatch }
      guard session.neighbors.contains(entry.sender) else {
        throw .unknownParticipant(entry.sender.rawValue)
      }
      guard neighborKeys[entry.sender] == nil, !skippedNeighbors.contains(entry.sender) else {
        throw .duplicateParticipant(entry.sender)
      }
      if configuration.securityMode == .active {
        guard let identity = identityDirectory[entry.sender] else {
          throw .missingIdentityKey(entry.sender)
        }
        guard identity.isValidSignature(entry.signature, for: entry.signedBytes) else {
          throw .invalidSignature(signer: entry.sender)
        }
      }
      // A neighbour whose key is non-canonical or of small order (an honest server never relays
      // one) is dropped for this client, which goes on with the others.
      guard entry.encryptionKey.isSafeForKeyAgreement, entry.maskingKey.isSafeForKeyAgreement
      else {
        skippedNeighbors.insert(entry.sender)
        continue
      }
      neighborKeys[entry.sender] = entry
    }
    guard neighborKeys.count >= configuration.threshold else {
      throw .tooFewNeighbors(needed: configuration.threshold, available: neighborKeys.count)
    }

    let recipients = neighborKeys.keys.sorted()
    let seed = SecureBytes(randomCount: KeySchedule.secretByteCount, from: randomSource)
    let shareIDs = recipients.map(\.rawValue)
    let maskingShares = try ShamirSecretSharing.split(
      session.maskingKey.rawRepresentation, threshold: configuration.threshold,
      shareIDs: shareIDs, randomSource: randomSource)
    let seedShares = try ShamirSecretSharing.split(
      seed, threshold: configuration.threshold, shareIDs: shareIDs, randomSource: randomSource)

    var boxes: [EncryptedShare] = []
    boxes.reserveCapacity(recipients.count)
    for (index, recipient) in recipients.enumerated() {
      guard let peer = neighborKeys[recipient] else { continue }
      let key = try shareKey(session: session, peer: peer)
      let plaintext = maskingShares[index].serialized.appending(seedShares[index].serialized)
      do {
        let box = try SealedBox.seal(
          plaintext, using: key,
          associatedData: KeySchedule.shareAssociatedData(
            sessionID: session.sessionID, sender: id, recipient: recipient),
          nonceSource: randomSource)
        boxes.append(EncryptedShare(peer: recipient, box: box))
      } catch {
        throw .invalidParameter(name: "share key", value: "\(error)", expected: "32 bytes")
      }
    }
    session.neighborKeys = neighborKeys
    session.skippedNeighbors = skippedNeighbors
    stage = .awaitingShareRelay(session, selfMaskSeed: seed)
    return KeyShares(
      sessionID: session.sessionID, sender: id, shares: boxes,
      selfMaskSeedCommitment: KeySchedule.selfMaskSeedCommitment(
        seed: seed, sessionID: session.sessionID, owner: id))
  }

  // MARK: Round 2: MaskedInputCollection

  /// Round 2: decrypts the neighbours' shares and returns `input` masked with the self mask and
  /// one pairwise mask per neighbour whose shares were relayed (added when this client's id is
  /// the lower, subtracted otherwise).
  ///
  /// A box that does not open or parse counts its sender as dropped for this client's shares:
  /// the client holds nothing of that sender's secrets and reveals nothing for it in round 4,
  /// but still masks with it (the pairwise mask needs only the sender's advertised key), so the
  /// server's sum stays exact.
  ///
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` when `input`
  ///   has the wrong length or modulus (the caller's mistake: fix the input and call again);
  ///   any other ``SecureAggregationError`` means the relay cannot be used — shares from a
  ///   sender that is not a neighbour or came twice, fewer than t neighbours' shares, or a relay
  ///   of another session, recipient or round — and nothing is masked or sent.
  public mutating func maskInput(for relay: ShareRelay, input: ModularVector)
    throws(SecureAggregationError) -> MaskedInput
  {
    guard case .awaitingShareRelay(var session, let seed) = stage else {
      throw unexpected("share relay")
    }
    try checkEnvelope(sessionID: relay.sessionID, recipient: relay.recipient)
    guard input.count == configuration.vectorLength, input.modulus == configuration.modulus else {
      throw .invalidParameter(
        name: "input", value: "\(input.count) elements mod \(input.modulus)",
        expected: "\(configuration.vectorLength) elements mod \(configuration.modulus)")
    }
    var held: [ParticipantID: (maskingKey: SecretShare, selfMaskSeed: SecretShare)] = [:]
    var relayed = Set<ParticipantID>()
    for encrypted in relay.shares {
      let sender = encrypted.peer
      guard session.neighborKeys[sender] != nil else {
        throw .unknownParticipant(sender.rawValue)
      }
      guard relayed.insert(sender).inserted else { throw .duplicateParticipant(sender) }
    }
    // The server relays only mutual pairs, so the relayed neighbours are the ones that hold this
    // client's shares: fewer than t could not rebuild its secrets.
    guard relayed.count >= configuration.threshold else {
      throw .tooFewNeighbors(needed: configuration.threshold, available: relayed.count)
    }
    for encrypted in relay.shares {
      guard let peer = session.neighborKeys[encrypted.peer] else { continue }
      // A box that does not open (a hostile sender, or a relay that altered it) costs this
      // client only that sender's shares: it still masks with the sender, whose key it has, so
      // the server's accounting of the pairwise masks stays exact.
      held[encrypted.peer] = try? openShares(encrypted.box, from: peer, session: session)
    }

    var jobs = [
      MaskJob(
        generator: try KeySchedule.selfMask(
          seed: seed, sessionID: session.sessionID, owner: id, modulus: configuration.modulus),
        operation: .add)
    ]
    for peerID in relayed.sorted() {
      guard let peer = session.neighborKeys[peerID] else { continue }
      let agreement: KeyAgreement.SharedSecret
      do {
        agreement = try session.maskingKey.sharedSecret(with: peer.maskingKey)
      } catch {
        throw .invalidMessage(reason: "participant \(peerID)'s masking key has small order")
      }
      let generator = try KeySchedule.pairwiseMask(
        agreement: agreement, sessionID: session.sessionID,
        first: (id, session.maskingKey.publicKey), second: (peerID, peer.maskingKey),
        modulus: configuration.modulus)
      jobs.append(MaskJob(generator: generator, operation: id < peerID ? .add : .subtract))
    }
    var masked = input
    try masked.applyMasks(jobs)
    session.relayedSenders = relayed
    session.heldShares = held
    // b_u is not kept: the stage that held it goes, and with it the last reference (wiped).
    stage = .awaitingSurvivors(session)
    return MaskedInput(sessionID: session.sessionID, sender: id, maskedInput: masked)
  }

  // MARK: Round 3: ConsistencyCheck (active mode)

  /// Round 3 (active mode): checks the survivor set and signs exactly that set.
  ///
  /// - Throws: the survivor-set errors of ``revealShares(for:)``,
  ///   ``SecureAggregationError/sessionMismatch``,
  ///   ``SecureAggregationError/wrongRecipient(expected:received:)``, and
  ///   ``SecureAggregationError/unexpectedMessage(received:expected:)`` in semi-honest mode or
  ///   outside this round (a second set to sign included).
  public mutating func signSurvivors(for request: ConsistencyCheckRequest)
    throws(SecureAggregationError) -> ConsistencySignature
  {
    guard configuration.securityMode == .active else {
      throw .unexpectedMessage(
        received: "consistency-check request", expected: "no consistency round in semi-honest mode")
    }
    guard case .awaitingSurvivors(let session) = stage else {
      throw unexpected("consistency-check request")
    }
    try checkEnvelope(sessionID: request.sessionID, recipient: request.recipient)
    // Active mode cannot be set up without an identity key (init checks it).
    guard let identityKey else { throw .missingIdentityKey(id) }
    try validateSurvivors(request.survivors, session: session)
    let signature = identityKey.signature(
      for: ConsistencySignature.signedBytes(
        sessionID: session.sessionID, survivors: request.survivors))
    stage = .awaitingUnmaskingRequest(session, signedSurvivors: request.survivors)
    return ConsistencySignature(
      sessionID: session.sessionID, sender: id, signature: signature)
  }

  // MARK: Round 4: Unmasking

  /// Round 4: for every neighbour whose shares this client holds, reveals exactly one share — of
  /// its self-mask seed if it is in the survivor set, of its masking key if not. A client answers
  /// once; any later request is refused, so the server can never collect both shares of one
  /// neighbour from it.
  ///
  /// - Throws: ``SecureAggregationError`` when revealing could endanger this client's input, and
  ///   then reveals nothing: a survivor set that is too small, malformed or not nested in the
  ///   earlier ones (``SecureAggregationError/tooFewSurvivors(round:needed:remaining:)``,
  ///   ``SecureAggregationError/survivorSetNotNested(_:)``), fewer than t surviving neighbours,
  ///   in active mode a set that differs from the one signed or lacks t valid signatures
  ///   (``SecureAggregationError/survivorSetChanged``), and a request of another session,
  ///   recipient or round, which includes every request after the first one answered
  ///   (``SecureAggregationError/unexpectedMessage(received:expected:)``). Treat any of them as
  ///   the end of this client's part in the session.
  public mutating func revealShares(for request: UnmaskingRequest)
    throws(SecureAggregationError) -> UnmaskingResponse
  {
    let session: ClientSession
    var signed: [ParticipantID]?
    switch (configuration.securityMode, stage) {
    case (.semiHonest, .awaitingSurvivors(let current)):
      session = current
    case (.active, .awaitingUnmaskingRequest(let current, let survivors)):
      session = current
      signed = survivors
    default:
      throw unexpected("unmasking request")
    }
    try checkEnvelope(sessionID: request.sessionID, recipient: request.recipient)
    try validateSurvivors(request.survivors, session: session)
    if let signed {
      guard request.survivors == signed else { throw .survivorSetChanged }
      try verifyConsistencySignatures(request, session: session)
    }
    let survivors = Set(request.survivors)
    var shares: [RevealedShare] = []
    shares.reserveCapacity(session.heldShares.count)
    for owner in session.heldShares.keys.sorted() {
      guard let pair = session.heldShares[owner] else { continue }
      shares.append(
        survivors.contains(owner)
          ? RevealedShare(owner: owner, kind: .selfMaskSeed, share: pair.selfMaskSeed)
          : RevealedShare(owner: owner, kind: .maskingKey, share: pair.maskingKey))
    }
    stage = .finished  // Nothing secret is needed any more; release it (and so wipe it).
    return UnmaskingResponse(sessionID: request.sessionID, sender: id, shares: shares)
  }

  // MARK: Checks

  /// The honest-client checks on a survivor set U3.
  func validateSurvivors(_ survivors: [ParticipantID], session: ClientSession)
    throws(SecureAggregationError)
  {
    var seen = Set<ParticipantID>()
    var previous: ParticipantID?
    for survivor in survivors {
      guard survivor.index <= configuration.clientCount else {
        throw .unknownParticipant(survivor.rawValue)
      }
      guard seen.insert(survivor).inserted else { throw .duplicateParticipant(survivor) }
      if let previous, survivor < previous {
        throw .invalidMessage(reason: "the survivor set is not in ascending order")
      }
      previous = survivor
      // Nested: a neighbour in U3 must be one relayed to this client (U3 ⊆ U2 ⊆ U1), or one
      // this client itself dropped in round 1 for a weak key (their pair was cut, not the
      // neighbour).
      if session.neighbors.contains(survivor), !session.relayedSenders.contains(survivor),
        !session.skippedNeighbors.contains(survivor)
      {
        throw .survivorSetNotNested(survivor)
      }
    }
    guard seen.contains(id) else { throw .survivorSetNotNested(id) }
    guard survivors.count >= configuration.minimumSurvivors else {
      throw .tooFewSurvivors(
        round: .maskedInputCollection, needed: configuration.minimumSurvivors,
        remaining: survivors.count)
    }
    // This client's own secrets are held by the relayed neighbours: t of them must survive.
    let survivingNeighbors = session.relayedSenders.filter { seen.contains($0) }.count
    guard survivingNeighbors >= configuration.threshold else {
      throw .tooFewNeighbors(needed: configuration.threshold, available: survivingNeighbors)
    }
  }

  /// Active mode: every signature must verify, come from a distinct surviving neighbour, and at
  /// least t of them must be present.
  func verifyConsistencySignatures(_ request: UnmaskingRequest, session: ClientSession)
    throws(SecureAggregationError)
  {
    let survivors = Set(request.survivors)
    let signedBytes = ConsistencySignature.signedBytes(
      sessionID: session.sessionID, survivors: request.survivors)
    var signers = Set<ParticipantID>()
    for entry in request.signatures {
      guard session.neighbors.contains(entry.signer), survivors.contains(entry.signer) else {
        throw .unknownParticipant(entry.signer.rawValue)
      }
      guard signers.insert(entry.signer).inserted else { throw .duplicateParticipant(entry.signer) }
      guard let identity = identityDirectory[entry.signer] else {
        throw .missingIdentityKey(entry.signer)
      }
      guard identity.isValidSignature(entry.signature, for: signedBytes) else {
        throw .invalidSignature(signer: entry.signer)
      }
    }
    guard signers.count >= configuration.threshold else {
      throw .tooFewNeighbors(needed: configuration.threshold, available: signers.count)
    }
  }

  func shareKey(session: ClientSession, peer: KeyAdvertisement)
    throws(SecureAggregationError) -> SymmetricKey
  {
    let agreement: KeyAgreement.SharedSecret
    do {
      agreement = try session.encryptionKey.sharedSecret(with: peer.encryptionKey)
    } catch {
      throw .invalidMessage(reason: "participant \(peer.sender)'s encryption key has small order")
    }
    return try KeySchedule.shareEncryptionKey(
      agreement: agreement, sessionID: session.sessionID,
      first: (id, session.encryptionKey.publicKey), second: (peer.sender, peer.encryptionKey))
  }

  func openShares(_ box: SealedBox, from peer: KeyAdvertisement, session: ClientSession)
    throws(SecureAggregationError) -> (maskingKey: SecretShare, selfMaskSeed: SecretShare)
  {
    let key = try shareKey(session: session, peer: peer)
    let associatedData = KeySchedule.shareAssociatedData(
      sessionID: session.sessionID, sender: peer.sender, recipient: id)
    guard let plaintext = try? box.open(using: key, associatedData: associatedData),
      plaintext.count == 2 * KeySchedule.serializedShareByteCount
    else { throw .shareDecryptionFailed(sender: peer.sender) }
    let half = KeySchedule.serializedShareByteCount
    guard
      let maskingShare = try? SecretShare(serialized: plaintext.extracting(0..<half)),
      let seedShare = try? SecretShare(serialized: plaintext.extracting(half..<(2 * half))),
      maskingShare.id == id.rawValue, seedShare.id == id.rawValue,
      maskingShare.secretByteCount == KeySchedule.secretByteCount,
      seedShare.secretByteCount == KeySchedule.secretByteCount
    else { throw .shareDecryptionFailed(sender: peer.sender) }
    return (maskingShare, seedShare)
  }
}
