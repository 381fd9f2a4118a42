public import SecureAggregation

/// What a client of an active round proves and checks identities with: its own identity key,
/// and every participant's identity public key from the caller's own directory (PKI).
///
/// The directory must come from where the operator publishes it, never from the server: a
/// client checks the other clients' signatures against it, so a server that substituted keys
/// would be caught.
public struct ClientIdentity: Sendable {
  /// This client's long-term identity key (it zeroizes when released).
  public let key: IdentityPrivateKey
  /// Every participant's identity public key, this client's included.
  public let directory: [ParticipantID: IdentityPublicKey]

  /// An identity: `key` and the participants' `directory`.
  public init(key: IdentityPrivateKey, directory: [ParticipantID: IdentityPublicKey]) {
    self.key = key
    self.directory = directory
  }
}
