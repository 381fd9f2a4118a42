import SecureAggregation

/// One participant's identity public key as a store or a request carries it: a number and 32
/// bytes, checked to be a participant id and a valid Ed25519 public key.
struct IdentityDirectoryEntry {
  let participant: ParticipantID
  let publicKey: IdentityPublicKey

  /// The entry, or `nil` when `participant` is not an id (1...65535) or `publicKey` is not a
  /// valid, full-order Ed25519 public key.
  init?(participant: Int, publicKey: [UInt8]) {
    guard let id = ParticipantID(participant),
      let key = try? IdentityPublicKey(rawRepresentation: publicKey)
    else { return nil }
    self.participant = id
    self.publicKey = key
  }
}
