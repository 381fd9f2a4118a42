import Synchronization

extension AggregationServer {
  // MARK: Round 0: AdvertiseKeys

  /// Round 0: records a client's advertised keys (checking its signature in active mode when the
  /// server has the directory). A key that is non-canonical or of small order is refused, so it
  /// never reaches a directory: its sender counts as dropped.
  ///
  /// - Throws: ``SecureAggregationError/sessionMismatch``, ``SecureAggregationError/unknownParticipant(_:)``,
  ///   ``SecureAggregationError/duplicateParticipant(_:)``, ``SecureAggregationError/weakPublicKey(_:)``,
  ///   ``SecureAggregationError/invalidSignature(signer:)``.
  public mutating func receive(_ message: KeyAdvertisement) throws(SecureAggregationError) {
    guard case .collectingKeys(var keys) = state else {
      throw unexpected("advertise-keys message")
    }
    try checkSender(message.sender, sessionID: message.sessionID)
    guard keys.advertisements[message.sender] == nil else {
      throw .duplicateParticipant(message.sender)
    }
    guard message.encryptionKey.isSafeForKeyAgreement, message.maskingKey.isSafeForKeyAgreement
    else { throw .weakPublicKey(message.sender) }
    if configuration.securityMode == .active, let identity = identityDirectory[message.sender] {
      guard identity.isValidSignature(message.signature, for: message.signedBytes) else {
        throw .invalidSignature(signer: message.sender)
      }
    }
    state = .modifying
    keys.advertisements[message.sender] = message
    state = .collectingKeys(keys)
  }

  /// Closes round 0 (U1 = the clients that advertised) and returns each of them the keys of its
  /// neighbours in U1.
  ///
  /// - Throws: ``SecureAggregationError/tooFewSurvivors(round:needed:remaining:)`` when fewer
  ///   than ``AggregationConfiguration/minimumSurvivors`` clients advertised.
  public mutating func closeAdvertiseKeys() throws(SecureAggregationError) -> [KeyDirectory] {
    guard case .collectingKeys(let keys) = state else {
      throw unexpected("close of the advertise-keys round")
    }
    let advertisements = keys.advertisements
    try requireSurvivors(advertisements.count, after: .advertiseKeys)
    var messages: [KeyDirectory] = []
    var directories: [ParticipantID: Set<ParticipantID>] = [:]
    for client in advertisements.keys.sorted() {
      let neighbors = graph.neighbors(of: client).filter { advertisements[$0] != nil }
      directories[client] = Set(neighbors)
      messages.append(
        KeyDirectory(
          sessionID: sessionID, recipient: client,
          neighbors: neighbors.compactMap { advertisements[$0] }))
    }
    state = .collectingShares(
      ShareCollection(advertisements: advertisements, directories: directories))
    return messages
  }

  // MARK: Round 1: ShareKeys

  /// Round 1: records a client's encrypted shares, at most one for each neighbour in the
  /// directory it was sent and at least t (an honest client leaves out only neighbours whose keys
  /// it refused), each of the exact length a share pair seals to.
  ///
  /// - Throws: ``SecureAggregationError/unknownParticipant(_:)`` for a sender that did not
  ///   advertise or a recipient outside its directory, ``SecureAggregationError/duplicateParticipant(_:)``,
  ///   ``SecureAggregationError/invalidMessage(reason:)`` for fewer than t recipients or a box of
  ///   the wrong length.
  public mutating func receive(_ message: KeyShares) throws(SecureAggregationError) {
    guard case .collectingShares(var collection) = state else {
      throw unexpected("share-keys message")
    }
    try checkSender(message.sender, sessionID: message.sessionID)
    guard let directory = collection.directories[message.sender] else {
      throw .unknownParticipant(message.sender.rawValue)
    }
    guard collection.seedCommitments[message.sender] == nil else {
      throw .duplicateParticipant(message.sender)
    }
    var recipients = Set<ParticipantID>()
    for share in message.shares {
      guard directory.contains(share.peer) else { throw .unknownParticipant(share.peer.rawValue) }
      guard recipients.insert(share.peer).inserted else { throw .duplicateParticipant(share.peer) }
      guard share.box.combined.count == KeySchedule.shareBoxByteCount else {
        throw .invalidMessage(
          reason:
            "a share box has \(share.box.combined.count) bytes; expected \(KeySchedule.shareBoxByteCount)"
        )
      }
    }
    guard message.selfMaskSeedCommitment.count == KeySchedule.commitmentByteCount else {
      throw .invalidMessage(
        reason: "a seed commitment of \(message.selfMaskSeedCommitment.count) bytes; expected "
          + "\(KeySchedule.commitmentByteCount)")
    }
    guard recipients.count >= configuration.threshold else {
      throw .invalidMessage(
        reason:
          "shares for \(recipients.count) of the \(directory.count) neighbours in the directory; "
          + "at least the threshold \(configuration.threshold) are needed")
    }
    state = .modifying
    for share in message.shares {
      collection.pendingBoxes[share.peer, default: []].append(
        EncryptedShare(peer: message.sender, box: share.box))
    }
    collection.seedCommitments[message.sender] = message.selfMaskSeedCommitment
    state = .collectingShares(collection)
  }

  /// Closes round 1 (U2 = the clients that sent shares) and relays to each of them the shares its
  /// neighbours in U2 sent it — for mutual pairs only: u's box reaches v only when v also sent one
  /// to u, so that every pairwise mask is applied by both of its clients or by neither.
  ///
  /// - Throws: ``SecureAggregationError/tooFewSurvivors(round:needed:remaining:)``.
  public mutating func closeShareKeys() throws(SecureAggregationError) -> [ShareRelay] {
    guard case .collectingShares(let collection) = state else {
      throw unexpected("close of the share-keys round")
    }
    let pendingBoxes = collection.pendingBoxes
    let sharedKeys = Set(collection.seedCommitments.keys)
    try requireSurvivors(sharedKeys.count, after: .shareKeys)
    var messages: [ShareRelay] = []
    var relayedTo: [ParticipantID: Set<ParticipantID>] = [:]
    // sentTo[u]: the recipients of u's shares.
    var sentTo: [ParticipantID: Set<ParticipantID>] = [:]
    for (recipient, boxes) in pendingBoxes {
      for box in boxes { sentTo[box.peer, default: []].insert(recipient) }
    }
    for recipient in sharedKeys.sorted() {
      let shares = (pendingBoxes[recipient] ?? []).filter {
        sharedKeys.contains($0.peer) && sentTo[recipient]?.contains($0.peer) == true
      }
      .sorted { $0.peer < $1.peer }
      relayedTo[recipient] = Set(shares.map(\.peer))
      messages.append(ShareRelay(sessionID: sessionID, recipient: recipient, shares: shares))
    }
    state = .collectingMaskedInputs(
      InputCollection(
        advertisements: collection.advertisements, seedCommitments: collection.seedCommitments,
        relayedTo: relayedTo,
        sum: ModularVector(zeroCount: configuration.vectorLength, modulus: configuration.modulus)))
    return messages
  }

  // MARK: Round 2: MaskedInputCollection

  /// Round 2: checks a masked input and adds it into the running sum.
  ///
  /// - Throws: ``SecureAggregationError/unknownParticipant(_:)`` for a sender that was relayed no
  ///   shares, ``SecureAggregationError/duplicateParticipant(_:)``,
  ///   ``SecureAggregationError/invalidMessage(reason:)`` for a vector of the wrong length or
  ///   modulus. The sum is untouched then.
  public mutating func receive(_ message: MaskedInput) throws(SecureAggregationError) {
    guard case .collectingMaskedInputs(var inputs) = state else {
      throw unexpected("masked-input message")
    }
    try checkSender(message.sender, sessionID: message.sessionID)
    guard inputs.relayedTo[message.sender] != nil else {
      throw .unknownParticipant(message.sender.rawValue)
    }
    guard !inputs.maskedInputs.contains(message.sender) else {
      throw .duplicateParticipant(message.sender)
    }
    let vector = message.maskedInput
    guard vector.count == configuration.vectorLength, vector.modulus == configuration.modulus else {
      throw .invalidMessage(
        reason: "a masked input of \(vector.count) elements mod \(vector.modulus); expected "
          + "\(configuration.vectorLength) mod \(configuration.modulus)")
    }
    // The state lets go of the sum while it changes, so the addition happens in place.
    state = .modifying
    defer { state = .collectingMaskedInputs(inputs) }
    try inputs.sum.add(vector)
    inputs.maskedInputs.insert(message.sender)
  }

  /// Closes round 2 (U3 = the clients whose masked inputs are in the sum) and asks every survivor
  /// to sign U3 (active mode) or for its shares (semi-honest mode).
  ///
  /// - Throws: ``SecureAggregationError/tooFewSurvivors(round:needed:remaining:)`` when fewer
  ///   than ``AggregationConfiguration/minimumSurvivors`` masked inputs arrived.
  public mutating func closeMaskedInputs() throws(SecureAggregationError)
    -> SurvivorRequests
  {
    guard case .collectingMaskedInputs(let collection) = state else {
      throw unexpected("close of the masked-input round")
    }
    try requireSurvivors(collection.maskedInputs.count, after: .maskedInputCollection)
    let survivors = collection.maskedInputs.sorted()
    let closed = ClosedInputs(
      advertisements: collection.advertisements, seedCommitments: collection.seedCommitments,
      relayedTo: collection.relayedTo, sum: collection.sum, survivors: survivors,
      survivorSet: collection.maskedInputs)
    if configuration.securityMode == .active {
      state = .collectingSignatures(SignatureCollection(inputs: closed))
      return .consistencyCheck(
        survivors.map {
          ConsistencyCheckRequest(sessionID: sessionID, recipient: $0, survivors: survivors)
        })
    }
    state = .collectingUnmaskingResponses(ResponseCollection(inputs: closed, signers: nil))
    return .unmasking(
      survivors.map {
        UnmaskingRequest(sessionID: sessionID, recipient: $0, survivors: survivors, signatures: [])
      })
  }

  // MARK: Round 3: ConsistencyCheck (active mode)

  /// Round 3 (active mode): records a survivor's signature over U3.
  ///
  /// - Throws: ``SecureAggregationError/unknownParticipant(_:)`` for a non-survivor,
  ///   ``SecureAggregationError/duplicateParticipant(_:)``, ``SecureAggregationError/invalidSignature(signer:)``
  ///   when the server has the signer's identity key and the signature fails.
  public mutating func receive(_ message: ConsistencySignature)
    throws(SecureAggregationError)
  {
    guard case .collectingSignatures(var collection) = state else {
      throw unexpected("consistency signature")
    }
    try checkSender(message.sender, sessionID: message.sessionID)
    guard collection.inputs.survivorSet.contains(message.sender) else {
      throw .unknownParticipant(message.sender.rawValue)
    }
    guard collection.signatures[message.sender] == nil else {
      throw .duplicateParticipant(message.sender)
    }
    if let identity = identityDirectory[message.sender] {
      let signed = ConsistencySignature.signedBytes(
        sessionID: sessionID, survivors: collection.inputs.survivors)
      guard identity.isValidSignature(message.signature, for: signed) else {
        throw .invalidSignature(signer: message.sender)
      }
    }
    state = .modifying
    collection.signatures[message.sender] = message.signature
    state = .collectingSignatures(collection)
  }

  /// Closes round 3 (U4 = the survivors that signed) and sends each signer the unmasking request
  /// with its neighbours' signatures.
  public mutating func closeConsistencyCheck() throws(SecureAggregationError)
    -> [UnmaskingRequest]
  {
    guard case .collectingSignatures(let collection) = state else {
      throw unexpected("close of the consistency round")
    }
    let consistencySignatures = collection.signatures
    let signers = consistencySignatures.keys.sorted()
    let requests = signers.map { signer in
      let signatures = graph.neighbors(of: signer).compactMap { neighbor in
        consistencySignatures[neighbor].map {
          ParticipantSignature(signer: neighbor, signature: $0)
        }
      }
      return UnmaskingRequest(
        sessionID: sessionID, recipient: signer, survivors: collection.inputs.survivors,
        signatures: signatures)
    }
    state = .collectingUnmaskingResponses(
      ResponseCollection(inputs: collection.inputs, signers: Set(signers)))
    return requests
  }

  // MARK: Round 4: Unmasking

  /// Round 4: checks a client's revealed shares — one per neighbour whose shares it was relayed,
  /// of the self-mask seed for survivors and of the masking key for the dropped — and keeps them.
  ///
  /// - Throws: ``SecureAggregationError/unknownParticipant(_:)``, ``SecureAggregationError/duplicateParticipant(_:)``,
  ///   ``SecureAggregationError/invalidMessage(reason:)`` for a share of the wrong kind, id or
  ///   length.
  public mutating func receive(_ message: UnmaskingResponse) throws(SecureAggregationError) {
    guard case .collectingUnmaskingResponses(var collection) = state else {
      throw unexpected("unmasking response")
    }
    try checkSender(message.sender, sessionID: message.sessionID)
    let inputs = collection.inputs
    let eligible =
      collection.signers?.contains(message.sender) ?? inputs.survivorSet.contains(message.sender)
    guard eligible, let held = inputs.relayedTo[message.sender] else {
      throw .unknownParticipant(message.sender.rawValue)
    }
    guard !collection.responders.contains(message.sender),
      !collection.discardedResponders.contains(message.sender)
    else { throw .duplicateParticipant(message.sender) }
    var owners = Set<ParticipantID>()
    for revealed in message.shares {
      guard held.contains(revealed.owner) else {
        throw .unknownParticipant(revealed.owner.rawValue)
      }
      guard owners.insert(revealed.owner).inserted else {
        throw .duplicateParticipant(revealed.owner)
      }
      let expectedKind: ShareKind =
        inputs.survivorSet.contains(revealed.owner) ? .selfMaskSeed : .maskingKey
      guard revealed.kind == expectedKind else {
        throw .invalidMessage(reason: "participant \(revealed.owner) needs a \(expectedKind) share")
      }
      guard revealed.share.id == message.sender.rawValue,
        revealed.share.secretByteCount == KeySchedule.secretByteCount
      else {
        throw .invalidMessage(reason: "a share that is not the sender's share of a 32-byte secret")
      }
    }
    state = .modifying
    for revealed in message.shares {
      switch revealed.kind {
      case .selfMaskSeed:
        collection.selfMaskSeedShares[revealed.owner, default: []].append(revealed.share)
      case .maskingKey:
        collection.maskingKeyShares[revealed.owner, default: []].append(revealed.share)
      }
    }
    collection.responders.insert(message.sender)
    state = .collectingUnmaskingResponses(collection)
  }

  /// Closes round 4: rebuilds every survivor's self-mask seed and every dropped neighbour's
  /// masking key, removes those masks from the sum, and releases it.
  ///
  /// Each secret is checked against what its owner published — the seed against the commitment
  /// sent in round 1, the masking key against the advertised public key — so a wrong revealed
  /// share never changes the sum silently. When the first t shares do not rebuild a secret that
  /// passes, and more than t arrived, the shares are decoded as a Reed–Solomon codeword
  /// (``ShamirSecretSharing/variableTimeReconstructCorrectingErrors(from:threshold:)``): up to
  /// ⌊(r − t)/2⌋ wrong shares among r are found, left out, and their senders named in
  /// ``AggregationResult/respondersWithWrongShares``; the sum is then exact.
  ///
  /// - Throws: ``SecureAggregationError/recoveryImpossible(client:secret:needed:received:)``
  ///   naming the first client whose secret fewer than t neighbours revealed, and
  ///   ``SecureAggregationError/inconsistentRecovery(client:)`` when a client's shares cannot be
  ///   made to agree with what it published (exactly t shares with one wrong, too many wrong, or
  ///   an owner that dealt bad shares). The server is unchanged then: more responses may still
  ///   arrive, ``discardUnmaskingResponse(from:)`` can drop a responder, and `finish()` can run
  ///   again.
  public mutating func finish() throws(SecureAggregationError) -> AggregationResult {
    guard case .collectingUnmaskingResponses(var collection) = state else {
      throw unexpected("close of the unmasking round")
    }
    // The state lets go of the sum while the masks come off, so that happens in place; a throw
    // puts everything back as it was (applyMasks checks every job before it changes anything).
    state = .modifying
    var sum = collection.inputs.sum
    collection.inputs.sum = ModularVector(zeroCount: 0, modulus: configuration.modulus)
    do {
      let result = try unmask(collection, sum: &sum)
      state = .finished
      return result
    } catch {
      collection.inputs.sum = sum
      state = .collectingUnmaskingResponses(collection)
      throw error
    }
  }

  /// ``finish()``'s work: every secret rebuilt and checked, every mask taken off `sum`.
  private func unmask(_ collection: ResponseCollection, sum: inout ModularVector)
    throws(SecureAggregationError) -> AggregationResult
  {
    let inputs = collection.inputs
    let selfMaskSeedShares = collection.selfMaskSeedShares
    let maskingKeyShares = collection.maskingKeyShares
    let seedCommitments = inputs.seedCommitments
    let advertisements = inputs.advertisements
    let relayedTo = inputs.relayedTo
    let threshold = configuration.threshold
    let modulus = configuration.modulus
    let sessionID = self.sessionID

    // Each survivor's self-mask seed, rebuilt from t shares and checked against its commitment:
    // independent secrets, spread over the cores (results and the first error in survivor order,
    // as a loop would give).
    let survivors = inputs.survivors
    let seedShares = survivors.map { selfMaskSeedShares[$0] ?? [] }
    let commitments = survivors.map { seedCommitments[$0] ?? [] }
    let knownWrong = WrongResponderSet()
    let selfMasks = concurrentResults(survivors.count) { index throws(SecureAggregationError) in
      let owner = survivors[index]
      let (seed, wrong) = try Self.recoverSecret(
        of: owner, kind: .selfMaskSeed, from: seedShares[index], threshold: threshold,
        knownWrong: knownWrong
      ) { seed in
        ConstantTime.isEqual(
          KeySchedule.selfMaskSeedCommitment(seed: seed, sessionID: sessionID, owner: owner),
          commitments[index]) ? seed : nil
      }
      let job = MaskJob(
        generator: try KeySchedule.selfMask(
          seed: seed, sessionID: sessionID, owner: owner, modulus: modulus),
        operation: .subtract)
      return (job, wrong)
    }
    var jobs: [MaskJob] = []
    var wrongResponders = Set<ParticipantID>()
    for result in selfMasks {
      let (job, wrong) = try result.get()
      jobs.append(job)
      wrongResponders.formUnion(wrong)
    }

    // Each dropped client's masking key, rebuilt and checked against its advertised key, and
    // its pairwise masks with the survivors that masked with it: one task per dropped client.
    let dropouts = seedCommitments.keys.sorted().compactMap {
      dropped -> (
        id: ParticipantID, advertised: KeyAgreement.PublicKey,
        shares: [SecretShare], affected: [(ParticipantID, KeyAgreement.PublicKey?)]
      )? in
      guard !inputs.survivorSet.contains(dropped) else { return nil }
      // Survivors that masked with `dropped`: it was relayed to them.
      let affected = survivors.filter { relayedTo[$0]?.contains(dropped) == true }
      guard !affected.isEmpty, let advertised = advertisements[dropped] else { return nil }
      return (
        dropped, advertised.maskingKey, maskingKeyShares[dropped] ?? [],
        affected.map { ($0, advertisements[$0]?.maskingKey) }
      )
    }
    let pairwise = concurrentResults(dropouts.count) { index throws(SecureAggregationError) in
      let dropout = dropouts[index]
      let (maskingKey, wrong) = try Self.recoverSecret(
        of: dropout.id, kind: .maskingKey, from: dropout.shares, threshold: threshold,
        knownWrong: knownWrong
      ) { scalar in
        (try? KeyAgreement.PrivateKey(rawRepresentation: scalar)).flatMap {
          $0.publicKey == dropout.advertised ? $0 : nil
        }
      }
      var masks: [MaskJob] = []
      for (survivor, survivorKey) in dropout.affected {
        guard let survivorKey, let agreement = try? maskingKey.sharedSecret(with: survivorKey)
        else { throw .inconsistentRecovery(client: survivor) }
        let generator = try KeySchedule.pairwiseMask(
          agreement: agreement, sessionID: sessionID, first: (dropout.id, dropout.advertised),
          second: (survivor, survivorKey), modulus: modulus)
        // The survivor added the mask when its id is the lower one: take it out the other way.
        masks.append(
          MaskJob(generator: generator, operation: survivor < dropout.id ? .subtract : .add))
      }
      return (masks, wrong)
    }
    for result in pairwise {
      let (masks, wrong) = try result.get()
      jobs += masks
      wrongResponders.formUnion(wrong)
    }

    // Every mask is removed chunk by chunk, the chunks spread over the cores, in the sum itself.
    try sum.applyMasks(jobs)
    return AggregationResult(
      sum: sum, survivors: survivors,
      completed: [
        .advertiseKeys: advertisements.keys.sorted(), .shareKeys: seedCommitments.keys.sorted(),
        .maskedInputCollection: survivors,
        .consistencyCheck: (collection.signers ?? []).sorted(),
        .unmasking: collection.responders.sorted(),
      ],
      respondersWithWrongShares: wrongResponders.sorted())
  }

  /// Drops everything `responder` revealed in round 4 (its shares no longer count, and it cannot
  /// answer again), for a caller that has reason to distrust it; ``finish()`` can then run on the
  /// other responses.
  ///
  /// - Throws: ``SecureAggregationError/unknownParticipant(_:)`` when `responder` has no
  ///   response to discard, and ``SecureAggregationError/unexpectedMessage(received:expected:)``
  ///   outside round 4.
  public mutating func discardUnmaskingResponse(from responder: ParticipantID)
    throws(SecureAggregationError)
  {
    guard case .collectingUnmaskingResponses(var collection) = state else {
      throw unexpected("discarding an unmasking response")
    }
    guard collection.responders.contains(responder) else {
      throw .unknownParticipant(responder.rawValue)
    }
    state = .modifying
    for owner in Array(collection.selfMaskSeedShares.keys) {
      collection.selfMaskSeedShares[owner]?.removeAll { $0.id == responder.rawValue }
    }
    for owner in Array(collection.maskingKeyShares.keys) {
      collection.maskingKeyShares[owner]?.removeAll { $0.id == responder.rawValue }
    }
    collection.responders.remove(responder)
    collection.discardedResponders.insert(responder)
    state = .collectingUnmaskingResponses(collection)
  }

  /// Rebuilds `owner`'s secret from revealed shares and opens it with `open`, which returns the
  /// usable secret (a seed, a key) when it matches what the owner published and `nil` otherwise:
  /// first from t shares (the fast path), then, if that fails and more than t arrived, by
  /// error-correcting decoding, which names the responders whose shares were wrong.
  ///
  /// `knownWrong` carries the responders already found wrong for other owners of the same
  /// session: before decoding (O(r²)), the shares of those responders are left out and the fast
  /// path tried again, so one liar who falsifies every share it reveals costs one decoding, not
  /// one per owner.
  static func recoverSecret<Opened>(
    of owner: ParticipantID, kind: ShareKind, from shares: [SecretShare], threshold: Int,
    knownWrong: WrongResponderSet? = nil, open: (SecureBytes) -> Opened?
  ) throws(SecureAggregationError) -> (secret: Opened, wrongResponders: [ParticipantID]) {
    guard shares.count >= threshold else {
      throw .recoveryImpossible(
        client: owner, secret: kind, needed: threshold, received: shares.count)
    }
    if let secret = try? ShamirSecretSharing.reconstruct(from: shares, threshold: threshold),
      let opened = open(secret)
    {
      return (opened, [])
    }
    if let known = knownWrong?.ids, !known.isEmpty {
      let kept = shares.filter { !known.contains($0.id) }
      if kept.count > threshold, kept.count < shares.count,
        let secret = try? ShamirSecretSharing.reconstruct(from: kept, threshold: threshold),
        let opened = open(secret)
      {
        // Those left out are already listed, by the decoding that found them.
        return (opened, [])
      }
    }
    // With exactly t shares any t points lie on some polynomial: a wrong one is detected (the
    // check above failed) but cannot be told from the others.
    guard shares.count > threshold,
      let decoded = try? ShamirSecretSharing.variableTimeReconstructCorrectingErrors(
        from: shares, threshold: threshold),
      let opened = open(decoded.secret)
    else { throw .inconsistentRecovery(client: owner) }
    knownWrong?.insert(decoded.wrongShareIDs)
    return (opened, decoded.wrongShareIDs.compactMap { ParticipantID(Int($0)) })
  }

  func requireSurvivors(_ count: Int, after round: ProtocolRound) throws(SecureAggregationError) {
    guard count >= configuration.minimumSurvivors else {
      throw .tooFewSurvivors(
        round: round, needed: configuration.minimumSurvivors, remaining: count)
    }
  }
}

/// What the server releases at the end of a session.
public struct AggregationResult: Sendable {
  /// The sum of the survivors' inputs in Z_R^m.
  public let sum: ModularVector
  /// U3: the clients whose inputs are in the sum, ascending.
  public let survivors: [ParticipantID]
  /// For each round, the clients that completed it (the consistency round is empty in
  /// semi-honest mode).
  public let completed: [ProtocolRound: [ParticipantID]]
  /// The responders whose revealed shares were wrong: found by error-correcting decoding and
  /// left out, so that the sum is still exact. Empty when every share was right.
  public let respondersWithWrongShares: [ParticipantID]
}

/// The ids of responders found revealing wrong shares, shared by the concurrent recoveries of one
/// `finish()`.
final class WrongResponderSet: Sendable {
  private let storage = Mutex<Set<UInt16>>([])

  var ids: Set<UInt16> { storage.withLock { $0 } }

  func insert(_ newIDs: [UInt16]) {
    storage.withLock { $0.formUnion(newIDs) }
  }
}
