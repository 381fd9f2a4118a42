/// Every key the protocol derives, each bound to its purpose, the session and the parties
/// (their ids and public keys), so that no key is ever used for two things.
enum KeySchedule {
  /// The byte length of the secrets that are Shamir-shared (X25519 scalar, self-mask seed).
  static let secretByteCount = 32

  /// The pairwise mask generator of clients `first` and `second` from their masking-key
  /// agreement. Both derive the same generator: the context orders the pair by id.
  static func pairwiseMask(
    agreement: KeyAgreement.SharedSecret, sessionID: SessionID,
    first: (id: ParticipantID, key: KeyAgreement.PublicKey),
    second: (id: ParticipantID, key: KeyAgreement.PublicKey), modulus: Modulus
  ) throws(SecureAggregationError) -> MaskGenerator {
    let context = pairContext(
      purpose: "pairwise-mask", sessionID: sessionID, first: first, second: second)
    do {
      return try MaskGenerator(
        key: agreement.deriveSymmetricKey(context: context), modulus: modulus)
    } catch {
      throw .invalidParameter(name: "mask key", value: "\(error)", expected: "a 32-byte key")
    }
  }

  /// The self-mask generator of client `owner` from its seed b_u.
  static func selfMask(
    seed: SecureBytes, sessionID: SessionID, owner: ParticipantID, modulus: Modulus
  ) throws(SecureAggregationError) -> MaskGenerator {
    let context = KeyDerivationContext(
      purpose: "self-mask", fields: [sessionID.bytes, owner.bytes])
    do {
      return try MaskGenerator(seed: seed, context: context, modulus: modulus)
    } catch {
      throw .invalidParameter(name: "self-mask seed", value: "\(error)", expected: "32 bytes")
    }
  }

  /// The key that encrypts the shares between two clients, from their encryption-key
  /// agreement (the same in both directions; the associated data fixes the direction).
  static func shareEncryptionKey(
    agreement: KeyAgreement.SharedSecret, sessionID: SessionID,
    first: (id: ParticipantID, key: KeyAgreement.PublicKey),
    second: (id: ParticipantID, key: KeyAgreement.PublicKey)
  ) throws(SecureAggregationError) -> SymmetricKey {
    let context = pairContext(
      purpose: "share-encryption", sessionID: sessionID, first: first, second: second)
    do {
      return try agreement.deriveSymmetricKey(context: context)
    } catch {
      throw .invalidParameter(name: "share key", value: "\(error)", expected: "a 32-byte key")
    }
  }

  /// The context of a key two clients derive alike: purpose, session, then both ids and public
  /// keys ordered by id.
  private static func pairContext(
    purpose: String, sessionID: SessionID,
    first: (id: ParticipantID, key: KeyAgreement.PublicKey),
    second: (id: ParticipantID, key: KeyAgreement.PublicKey)
  ) -> KeyDerivationContext {
    let (low, high) = first.id < second.id ? (first, second) : (second, first)
    return KeyDerivationContext(
      purpose: purpose,
      fields: [
        sessionID.bytes, low.id.bytes, high.id.bytes, low.key.rawRepresentation,
        high.key.rawRepresentation,
      ])
  }

  /// The length of a self-mask-seed commitment.
  static let commitmentByteCount = 32

  /// The commitment to `owner`'s self-mask seed: SHA-256 of a label, the session, the owner and
  /// the seed, length-prefixed (hiding, since the seed is 32 uniformly random bytes; binding, by
  /// collision resistance).
  static func selfMaskSeedCommitment(
    seed: SecureBytes, sessionID: SessionID, owner: ParticipantID
  ) -> [UInt8] {
    var encoder = LengthPrefixedEncoder()
    encoder.append(Array("\(KeyDerivationContext.libraryLabel)/self-mask-seed-commitment".utf8))
    encoder.append(sessionID.bytes)
    encoder.append(owner.bytes)
    // The seed's four-byte length prefix, then the seed, hashed in its wiping storage.
    let length = UInt32(truncatingIfNeeded: seed.count)
    let prefix =
      encoder.bytes + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: length >> UInt32($0)) }
    return SHA256.hash(prefix: prefix, secret: seed)
  }

  /// The associated data of the share box from `sender` to `recipient`.
  static func shareAssociatedData(
    sessionID: SessionID, sender: ParticipantID, recipient: ParticipantID
  ) -> [UInt8] {
    SealedBox.associatedData(
      purpose: "key-shares", sender: UInt64(sender.rawValue), recipient: UInt64(recipient.rawValue),
      session: sessionID.bytes, round: UInt64(ProtocolRound.shareKeys.rawValue))
  }

  /// The length of one serialized share of a 32-byte secret.
  static var serializedShareByteCount: Int {
    SecretShare.headerByteCount
      + 8 * ShamirSecretSharing.chunkCount(forSecretByteCount: secretByteCount)
  }

  /// The length of a share box: both shares and the AEAD overhead.
  static var shareBoxByteCount: Int {
    2 * serializedShareByteCount + SealedBox.overheadByteCount
  }
}
