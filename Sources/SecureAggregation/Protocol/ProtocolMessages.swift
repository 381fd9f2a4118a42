/// Before round 0, server → each client: the nonce that, with the configuration, fixes the
/// session id. Every client gets the same nonce and session id, each in a copy addressed to it.
public struct SessionAnnouncement: Sendable, Hashable {
  /// The server's fresh 32-byte nonce.
  public let nonce: [UInt8]
  /// The session id the server computed; a client whose configuration differs computes another
  /// and refuses.
  public let sessionID: SessionID
  /// The client this copy is for.
  public let recipient: ParticipantID

  /// An announcement; ``AggregationServer/start()`` makes these.
  public init(nonce: [UInt8], sessionID: SessionID, recipient: ParticipantID) {
    self.nonce = nonce
    self.sessionID = sessionID
    self.recipient = recipient
  }
}

/// Round 0, client → server: the client's two fresh public keys for this session.
public struct KeyAdvertisement: Sendable, Hashable {
  /// The session.
  public let sessionID: SessionID
  /// The client.
  public let sender: ParticipantID
  /// c_u: the key whose agreements encrypt the shares the client sends and receives.
  public let encryptionKey: KeyAgreement.PublicKey
  /// s_u: the key whose agreements seed the pairwise masks.
  public let maskingKey: KeyAgreement.PublicKey
  /// In active mode, the sender's Ed25519 signature over session, sender and both keys; empty in
  /// semi-honest mode.
  public let signature: [UInt8]

  /// A round-0 message.
  public init(
    sessionID: SessionID, sender: ParticipantID, encryptionKey: KeyAgreement.PublicKey,
    maskingKey: KeyAgreement.PublicKey, signature: [UInt8]
  ) {
    self.sessionID = sessionID
    self.sender = sender
    self.encryptionKey = encryptionKey
    self.maskingKey = maskingKey
    self.signature = signature
  }

  /// The bytes the signature covers.
  var signedBytes: [UInt8] {
    var encoder = LengthPrefixedEncoder()
    encoder.append(Array("\(KeyDerivationContext.libraryLabel)/advertise-keys".utf8))
    encoder.append(sessionID.bytes)
    encoder.append(sender.bytes)
    encoder.append(encryptionKey.rawRepresentation)
    encoder.append(maskingKey.rawRepresentation)
    return encoder.bytes
  }
}

/// After round 0, server → one client: the round-0 messages of its neighbours that advertised.
public struct KeyDirectory: Sendable, Hashable {
  /// The session.
  public let sessionID: SessionID
  /// The client this directory is for.
  public let recipient: ParticipantID
  /// The neighbours' advertisements, signatures included, as they reached the server.
  public let neighbors: [KeyAdvertisement]

  /// A key directory.
  public init(sessionID: SessionID, recipient: ParticipantID, neighbors: [KeyAdvertisement]) {
    self.sessionID = sessionID
    self.recipient = recipient
    self.neighbors = neighbors
  }
}

/// One encrypted pair of Shamir shares (of a client's masking key and of its self-mask seed),
/// addressed to or coming from `peer`.
public struct EncryptedShare: Sendable, Hashable {
  /// The recipient (in a ``KeyShares``) or the sender (in a ``ShareRelay``).
  public let peer: ParticipantID
  /// The XChaCha20-Poly1305 box, bound to sender, recipient, session and round.
  public let box: SealedBox

  /// An encrypted share.
  public init(peer: ParticipantID, box: SealedBox) {
    self.peer = peer
    self.box = box
  }
}

/// Round 1, client → server: one encrypted share pair for each neighbour in its directory, and
/// a commitment to the self-mask seed.
public struct KeyShares: Sendable, Hashable {
  /// The session.
  public let sessionID: SessionID
  /// The client.
  public let sender: ParticipantID
  /// The encrypted shares, `peer` being each recipient.
  public let shares: [EncryptedShare]
  /// SHA-256 over a label, the session, the sender and b_u (32 bytes): the server checks the seed
  /// it rebuilds from revealed shares against it, so a wrong share cannot silently change the
  /// sum. b_u is 32 uniformly random bytes, so the hash reveals nothing of it.
  public let selfMaskSeedCommitment: [UInt8]

  /// A round-1 message.
  public init(
    sessionID: SessionID, sender: ParticipantID, shares: [EncryptedShare],
    selfMaskSeedCommitment: [UInt8]
  ) {
    self.sessionID = sessionID
    self.sender = sender
    self.shares = shares
    self.selfMaskSeedCommitment = selfMaskSeedCommitment
  }
}

/// After round 1, server → one client: the encrypted shares its neighbours sent it.
public struct ShareRelay: Sendable, Hashable {
  /// The session.
  public let sessionID: SessionID
  /// The client these shares are for.
  public let recipient: ParticipantID
  /// The encrypted shares, `peer` being each sender.
  public let shares: [EncryptedShare]

  /// A relay of shares.
  public init(sessionID: SessionID, recipient: ParticipantID, shares: [EncryptedShare]) {
    self.sessionID = sessionID
    self.recipient = recipient
    self.shares = shares
  }
}

/// Round 2, client → server: the client's input plus its self mask and pairwise masks.
public struct MaskedInput: Sendable, Equatable {
  /// The session.
  public let sessionID: SessionID
  /// The client.
  public let sender: ParticipantID
  /// y_u = x_u + PRG(b_u) + Σ ±PRG(s_{u,v}) in Z_R^m.
  public let maskedInput: ModularVector

  /// A round-2 message.
  public init(sessionID: SessionID, sender: ParticipantID, maskedInput: ModularVector) {
    self.sessionID = sessionID
    self.sender = sender
    self.maskedInput = maskedInput
  }
}

/// After round 2 in active mode, server → one client: the survivor set U3 to sign.
public struct ConsistencyCheckRequest: Sendable, Hashable {
  /// The session.
  public let sessionID: SessionID
  /// The client this request is for.
  public let recipient: ParticipantID
  /// U3: the clients whose masked inputs are in the sum, ascending.
  public let survivors: [ParticipantID]

  /// A consistency-check request.
  public init(sessionID: SessionID, recipient: ParticipantID, survivors: [ParticipantID]) {
    self.sessionID = sessionID
    self.recipient = recipient
    self.survivors = survivors
  }
}

/// A participant's Ed25519 signature.
public struct ParticipantSignature: Sendable, Hashable {
  /// The signer.
  public let signer: ParticipantID
  /// The 64-byte signature.
  public let signature: [UInt8]

  /// A signature by `signer`.
  public init(signer: ParticipantID, signature: [UInt8]) {
    self.signer = signer
    self.signature = signature
  }
}

/// Round 3 (active mode), client → server: the client's signature over the survivor set it was
/// shown.
public struct ConsistencySignature: Sendable, Hashable {
  /// The session.
  public let sessionID: SessionID
  /// The client.
  public let sender: ParticipantID
  /// The signature over session, round and exactly the survivor set the client was shown.
  public let signature: [UInt8]

  /// A round-3 message.
  public init(sessionID: SessionID, sender: ParticipantID, signature: [UInt8]) {
    self.sessionID = sessionID
    self.sender = sender
    self.signature = signature
  }

  /// The bytes a consistency signature covers for `survivors`.
  static func signedBytes(sessionID: SessionID, survivors: [ParticipantID]) -> [UInt8] {
    var encoder = LengthPrefixedEncoder()
    encoder.append(Array("\(KeyDerivationContext.libraryLabel)/consistency-check".utf8))
    encoder.append(sessionID.bytes)
    encoder.append(UInt64(ProtocolRound.consistencyCheck.rawValue))
    encoder.append(survivors.flatMap(\.bytes))
    return encoder.bytes
  }
}

/// Before round 4, server → one client: the survivor set U3 (and, in active mode, the
/// neighbours' signatures over it).
public struct UnmaskingRequest: Sendable, Hashable {
  /// The session.
  public let sessionID: SessionID
  /// The client this request is for.
  public let recipient: ParticipantID
  /// U3: the clients whose masked inputs are in the sum, ascending.
  public let survivors: [ParticipantID]
  /// Active mode: the recipient's neighbours' consistency signatures over `survivors`; empty in
  /// semi-honest mode.
  public let signatures: [ParticipantSignature]

  /// An unmasking request.
  public init(
    sessionID: SessionID, recipient: ParticipantID, survivors: [ParticipantID],
    signatures: [ParticipantSignature]
  ) {
    self.sessionID = sessionID
    self.recipient = recipient
    self.survivors = survivors
    self.signatures = signatures
  }
}

/// Which secret a revealed share belongs to.
public enum ShareKind: UInt8, Sendable, Hashable {
  /// A share of a dropped client's masking key s_u (to remove its pairwise masks).
  case maskingKey = 1
  /// A share of a surviving client's self-mask seed b_u (to remove its self mask).
  case selfMaskSeed = 2
}

/// One Shamir share a client reveals to the server in round 4.
public struct RevealedShare: Sendable, Equatable {
  /// Whose secret this is a share of.
  public let owner: ParticipantID
  /// Which of the owner's secrets.
  public let kind: ShareKind
  /// The share (its id is the revealing client's).
  public let share: SecretShare

  /// A revealed share.
  public init(owner: ParticipantID, kind: ShareKind, share: SecretShare) {
    self.owner = owner
    self.kind = kind
    self.share = share
  }
}

/// Round 4, client → server: for each neighbour, exactly one share: the self-mask seed share if
/// the neighbour survived, the masking-key share if it dropped — never both.
public struct UnmaskingResponse: Sendable, Equatable {
  /// The session.
  public let sessionID: SessionID
  /// The client.
  public let sender: ParticipantID
  /// The revealed shares, one per neighbour whose shares the client holds.
  public let shares: [RevealedShare]

  /// A round-4 message.
  public init(sessionID: SessionID, sender: ParticipantID, shares: [RevealedShare]) {
    self.sessionID = sessionID
    self.sender = sender
    self.shares = shares
  }
}
