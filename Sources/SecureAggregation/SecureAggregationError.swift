/// The errors of the secure-aggregation module.
///
/// Every case says what failed and what would fit, and none carries secret material: no key, seed,
/// share value or masked input ever appears in an error.
public enum SecureAggregationError: Error, Equatable, Sendable {
  /// A Shamir threshold outside `1...shareCount`.
  case invalidThreshold(threshold: Int, shareCount: Int)
  /// More shares requested than share ids exist (ids are nonzero 16-bit values).
  case tooManyShares(requested: Int, maximum: Int)
  /// A share id of zero: zero is where the secret sits, so it can never be a share's point.
  case zeroShareID
  /// The same share id appears twice.
  case duplicateShareID(UInt16)
  /// Fewer shares than the threshold were given for reconstruction.
  case tooFewShares(needed: Int, received: Int)
  /// A share that cannot be parsed or does not belong with the others.
  case malformedShare(reason: String)
  /// Shares that do not lie on one polynomial: some share was altered or belongs to another
  /// secret.
  case inconsistentShares
  /// A secret of a length that cannot be shared.
  case invalidSecretLength(byteCount: Int, maximum: Int)
  /// A configuration or call parameter outside its valid range: which one, its value, and what
  /// would fit.
  case invalidParameter(name: String, value: String, expected: String)
  /// An element that does not lie in `0..<R`: its index in the input array or packed vector, and
  /// the modulus. The value itself is left out, since it may be a client's private input.
  case elementOutOfRange(index: Int, modulus: Modulus)
  /// Two operands that must live in the same ring Z_R (two vectors, or a vector and a mask
  /// generator) do not: the receiver's modulus, then the other operand's.
  case modulusMismatch(expected: Modulus, actual: Modulus)
  /// Two vectors that must have the same number of elements do not: the receiver's count, then
  /// the other vector's.
  case countMismatch(expected: Int, actual: Int)
  /// Packed vector bytes of the wrong length for their element count and modulus.
  case packedByteCountMismatch(expected: Int, actual: Int)
  /// Packed vector bytes whose padding bits — the bits of the last byte after the last element —
  /// are not all zero. A packed vector has exactly one encoding.
  case nonzeroPaddingBits
  /// The mask generator rejected the request (a negative element offset, or a range past the
  /// keystream of its key); its error says which.
  case maskGeneration(AggregationCryptoError)

  // MARK: Protocol

  /// A message from another session (or from a server whose configuration differs).
  case sessionMismatch
  /// A message that does not fit the current round: what arrived and what the state expects.
  case unexpectedMessage(received: String, expected: String)
  /// A message addressed to another participant.
  case wrongRecipient(expected: ParticipantID, received: ParticipantID)
  /// An id outside the cohort, or not a neighbour where a neighbour is required.
  case unknownParticipant(UInt16)
  /// The same participant appears twice where each may appear once.
  case duplicateParticipant(ParticipantID)
  /// Fewer neighbours than the threshold remain, so this client's secrets could not be rebuilt.
  case tooFewNeighbors(needed: Int, available: Int)
  /// Fewer clients than `minimumSurvivors` (or than a round needs) remain.
  case tooFewSurvivors(round: ProtocolRound, needed: Int, remaining: Int)
  /// A survivor set that is not nested in what the client saw earlier (U3 ⊆ U2 ⊆ U1).
  case survivorSetNotNested(ParticipantID)
  /// A survivor set that is not the one this client signed.
  case survivorSetChanged
  /// A signature that does not verify under the signer's identity key.
  case invalidSignature(signer: ParticipantID)
  /// Active mode needs the identity key of this participant, and it is not in the directory.
  case missingIdentityKey(ParticipantID)
  /// An encrypted share that does not decrypt or parse: the sender or the relay tampered with it.
  case shareDecryptionFailed(sender: ParticipantID)
  /// A dropped or surviving client cannot be recovered: fewer than t of its neighbours answered.
  case recoveryImpossible(client: ParticipantID, secret: ShareKind, needed: Int, received: Int)
  /// A client's secret, rebuilt from the revealed shares, does not match what the client
  /// published (its self-mask-seed commitment or its advertised masking key), and the wrong
  /// shares cannot be told apart: exactly t shares with a wrong one, more wrong shares than can be
  /// corrected, or an owner that dealt bad shares. Nothing is released.
  case inconsistentRecovery(client: ParticipantID)
  /// A participant advertised a public key that is non-canonical or of small order, so an
  /// agreement with it would not be secret.
  case weakPublicKey(ParticipantID)
  /// A message whose contents are structurally invalid (wrong lengths, counts or ranges).
  case invalidMessage(reason: String)
}

extension SecureAggregationError: CustomStringConvertible {
  /// A sentence that says what failed and what would fit.
  public var description: String {
    switch self {
    case .invalidThreshold(let threshold, let shareCount):
      return "threshold \(threshold) must be between 1 and the share count \(shareCount)"
    case .tooManyShares(let requested, let maximum):
      return "\(requested) shares requested; at most \(maximum) are possible"
    case .zeroShareID:
      return "share id 0 is reserved for the secret; use ids 1...65535"
    case .duplicateShareID(let id):
      return "share id \(id) appears more than once"
    case .tooFewShares(let needed, let received):
      return "reconstruction needs \(needed) shares, received \(received)"
    case .malformedShare(let reason):
      return "malformed share: \(reason)"
    case .inconsistentShares:
      return "the shares do not lie on one polynomial: one was altered or belongs elsewhere"
    case .invalidSecretLength(let byteCount, let maximum):
      return "a secret of \(byteCount) bytes cannot be shared; use 1...\(maximum) bytes"
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) = \(value); expected \(expected)"
    case .elementOutOfRange(let index, let modulus):
      return "element \(index) is not in 0..<R for R = \(modulus)"
    case .modulusMismatch(let expected, let actual):
      return "the operands' moduli differ: expected R = \(expected), got R = \(actual)"
    case .countMismatch(let expected, let actual):
      return "the vectors' lengths differ: expected \(expected) elements, got \(actual)"
    case .packedByteCountMismatch(let expected, let actual):
      return "a packed vector of this count and modulus is \(expected) bytes long, got \(actual)"
    case .nonzeroPaddingBits:
      return "the padding bits after the last packed element must be zero"
    case .maskGeneration(let error):
      return "mask generation failed: \(error)"
    case .sessionMismatch:
      return "the message belongs to another session (or the configurations differ)"
    case .unexpectedMessage(let received, let expected):
      return "unexpected \(received); the protocol expects \(expected)"
    case .wrongRecipient(let expected, let received):
      return "the message is addressed to participant \(received), not \(expected)"
    case .unknownParticipant(let id):
      return "participant \(id) is not in the cohort or not a neighbour here"
    case .duplicateParticipant(let id):
      return "participant \(id) appears more than once"
    case .tooFewNeighbors(let needed, let available):
      return "only \(available) neighbours remain; the threshold needs \(needed)"
    case .tooFewSurvivors(let round, let needed, let remaining):
      return
        "\(remaining) clients remain after the \(round.name) round; at least \(needed) are needed"
    case .survivorSetNotNested(let id):
      return "participant \(id) is in the survivor set but did not complete an earlier round"
    case .survivorSetChanged:
      return "the survivor set differs from the one this client signed"
    case .invalidSignature(let signer):
      return "the signature of participant \(signer) does not verify"
    case .missingIdentityKey(let id):
      return "no identity key for participant \(id) in the directory (needed in active mode)"
    case .shareDecryptionFailed(let sender):
      return "the encrypted shares from participant \(sender) do not decrypt or parse"
    case .recoveryImpossible(let client, let secret, let needed, let received):
      return
        "cannot recover participant \(client)'s \(secret == .maskingKey ? "masking key" : "self-mask seed"): "
        + "\(received) shares arrived, \(needed) are needed"
    case .inconsistentRecovery(let client):
      return
        "the rebuilt secret of participant \(client) does not match its commitment or advertised "
        + "key, and the wrong shares cannot be told apart; nothing is released"
    case .weakPublicKey(let participant):
      return
        "participant \(participant) advertised a public key that is non-canonical or of small "
        + "order; it counts as dropped"
    case .invalidMessage(let reason):
      return "invalid message: \(reason)"
    }
  }
}
