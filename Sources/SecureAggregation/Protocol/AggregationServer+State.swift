extension AggregationServer {
  /// What the server holds, phase by phase: each phase's case carries exactly the data that
  /// phase may read or change, so no phase can touch another's data and none of it is optional.
  enum State {
    /// Round 0: the advertisements so far.
    case collectingKeys(KeyCollection)
    /// Round 1: U1's keys and directories, and the shares so far.
    case collectingShares(ShareCollection)
    /// Round 2: the relays made, and the running sum of the masked inputs so far.
    case collectingMaskedInputs(InputCollection)
    /// Round 3 (active mode): the closed inputs, and the survivors' signatures so far.
    case collectingSignatures(SignatureCollection)
    /// Round 4: the closed inputs, and the revealed shares so far.
    case collectingUnmaskingResponses(ResponseCollection)
    /// The sum has been released.
    case finished
    /// Held only while a case's payload is being changed in place, so that its buffers are not
    /// shared (and copied) during the change.
    case modifying
  }

  /// Round 0's data.
  struct KeyCollection {
    /// U1 so far: each client's advertisement.
    var advertisements: [ParticipantID: KeyAdvertisement] = [:]
  }

  /// Round 1's data.
  struct ShareCollection {
    /// U1: the clients that advertised, with their keys.
    let advertisements: [ParticipantID: KeyAdvertisement]
    /// Each client's directory: its neighbours in U1.
    let directories: [ParticipantID: Set<ParticipantID>]
    /// The boxes addressed to each recipient, with their senders.
    var pendingBoxes: [ParticipantID: [EncryptedShare]] = [:]
    /// U2 so far: each sender's commitment to its self-mask seed.
    var seedCommitments: [ParticipantID: [UInt8]] = [:]
  }

  /// Round 2's data.
  struct InputCollection {
    /// U1's advertisements.
    let advertisements: [ParticipantID: KeyAdvertisement]
    /// U2: each client's commitment to its self-mask seed.
    let seedCommitments: [ParticipantID: [UInt8]]
    /// N2(v): the senders whose shares were relayed to v (v in U2).
    let relayedTo: [ParticipantID: Set<ParticipantID>]
    /// The running sum of the masked inputs taken.
    var sum: ModularVector
    /// U3 so far.
    var maskedInputs = Set<ParticipantID>()
  }

  /// Everything rounds 0–2 fixed, once the masked inputs are closed.
  struct ClosedInputs {
    /// U1's advertisements.
    let advertisements: [ParticipantID: KeyAdvertisement]
    /// U2's commitments.
    let seedCommitments: [ParticipantID: [UInt8]]
    /// N2(v) for v in U2.
    let relayedTo: [ParticipantID: Set<ParticipantID>]
    /// The masked sum of U3's inputs.
    var sum: ModularVector
    /// U3, ascending.
    let survivors: [ParticipantID]
    /// U3 as a set.
    let survivorSet: Set<ParticipantID>
  }

  /// Round 3's data.
  struct SignatureCollection {
    /// Rounds 0–2.
    let inputs: ClosedInputs
    /// U4 so far: each survivor's signature over U3.
    var signatures: [ParticipantID: [UInt8]] = [:]
  }

  /// Round 4's data.
  struct ResponseCollection {
    /// Rounds 0–2.
    var inputs: ClosedInputs
    /// Active mode: U4, the survivors that signed (only they may respond); `nil` in semi-honest
    /// mode, where every survivor may.
    let signers: Set<ParticipantID>?
    /// The responders whose shares count.
    var responders = Set<ParticipantID>()
    /// Responders whose answers ``discardUnmaskingResponse(from:)`` dropped.
    var discardedResponders = Set<ParticipantID>()
    /// Revealed shares of each survivor's self-mask seed.
    var selfMaskSeedShares: [ParticipantID: [SecretShare]] = [:]
    /// Revealed shares of each dropped client's masking key.
    var maskingKeyShares: [ParticipantID: [SecretShare]] = [:]
  }

  // MARK: Views for tests and simulations (read-only; empty in phases that hold no such data)

  /// U1's advertisements.
  var advertisements: [ParticipantID: KeyAdvertisement] {
    switch state {
    case .collectingKeys(let keys): return keys.advertisements
    case .collectingShares(let shares): return shares.advertisements
    case .collectingMaskedInputs(let inputs): return inputs.advertisements
    case .collectingSignatures(let collection): return collection.inputs.advertisements
    case .collectingUnmaskingResponses(let collection): return collection.inputs.advertisements
    case .finished, .modifying: return [:]
    }
  }

  /// U2's seed commitments.
  var seedCommitments: [ParticipantID: [UInt8]] {
    switch state {
    case .collectingShares(let shares): return shares.seedCommitments
    case .collectingMaskedInputs(let inputs): return inputs.seedCommitments
    case .collectingSignatures(let collection): return collection.inputs.seedCommitments
    case .collectingUnmaskingResponses(let collection): return collection.inputs.seedCommitments
    case .collectingKeys, .finished, .modifying: return [:]
    }
  }

  /// U2.
  var sharedKeys: Set<ParticipantID> { Set(seedCommitments.keys) }

  /// The boxes waiting to be relayed (round 1 only).
  var pendingBoxes: [ParticipantID: [EncryptedShare]] {
    if case .collectingShares(let shares) = state { return shares.pendingBoxes }
    return [:]
  }

  /// N2(v) for each v in U2.
  var relayedTo: [ParticipantID: Set<ParticipantID>] {
    switch state {
    case .collectingMaskedInputs(let inputs): return inputs.relayedTo
    case .collectingSignatures(let collection): return collection.inputs.relayedTo
    case .collectingUnmaskingResponses(let collection): return collection.inputs.relayedTo
    case .collectingKeys, .collectingShares, .finished, .modifying: return [:]
    }
  }

  /// The running or closed masked sum (zero before round 2).
  var sum: ModularVector {
    switch state {
    case .collectingMaskedInputs(let inputs): return inputs.sum
    case .collectingSignatures(let collection): return collection.inputs.sum
    case .collectingUnmaskingResponses(let collection): return collection.inputs.sum
    case .collectingKeys, .collectingShares, .finished, .modifying:
      return ModularVector(zeroCount: configuration.vectorLength, modulus: configuration.modulus)
    }
  }

  /// U3 (so far, in round 2).
  var maskedInputs: Set<ParticipantID> {
    switch state {
    case .collectingMaskedInputs(let inputs): return inputs.maskedInputs
    case .collectingSignatures(let collection): return collection.inputs.survivorSet
    case .collectingUnmaskingResponses(let collection): return collection.inputs.survivorSet
    case .collectingKeys, .collectingShares, .finished, .modifying: return []
    }
  }

  /// U3, ascending, once closed.
  var survivors: [ParticipantID] {
    switch state {
    case .collectingSignatures(let collection): return collection.inputs.survivors
    case .collectingUnmaskingResponses(let collection): return collection.inputs.survivors
    default: return []
    }
  }

  /// The consistency signatures (active mode).
  var consistencySignatures: [ParticipantID: [UInt8]] {
    switch state {
    case .collectingSignatures(let collection): return collection.signatures
    case .collectingUnmaskingResponses(let collection):
      // The signers, without their signatures (no longer needed).
      var signers: [ParticipantID: [UInt8]] = [:]
      for signer in collection.signers ?? [] { signers[signer] = [] }
      return signers
    default: return [:]
    }
  }

  /// The responders whose shares count.
  var responders: Set<ParticipantID> {
    if case .collectingUnmaskingResponses(let collection) = state { return collection.responders }
    return []
  }

  /// The responders dropped by ``discardUnmaskingResponse(from:)``.
  var discardedResponders: Set<ParticipantID> {
    if case .collectingUnmaskingResponses(let collection) = state {
      return collection.discardedResponders
    }
    return []
  }

  /// Revealed self-mask-seed shares.
  var selfMaskSeedShares: [ParticipantID: [SecretShare]] {
    if case .collectingUnmaskingResponses(let collection) = state {
      return collection.selfMaskSeedShares
    }
    return [:]
  }

  /// Revealed masking-key shares.
  var maskingKeyShares: [ParticipantID: [SecretShare]] {
    if case .collectingUnmaskingResponses(let collection) = state {
      return collection.maskingKeyShares
    }
    return [:]
  }
}
