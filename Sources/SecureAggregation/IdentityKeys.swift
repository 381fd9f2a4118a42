/// A participant's long-term Ed25519 identity public key, as the active-security mode checks it.
///
/// Callers load these from their own directory (PKI) with
/// ``Signing/PublicKey/init(rawRepresentation:)``, which rejects malformed and small-order keys.
public typealias IdentityPublicKey = Signing.PublicKey

/// A participant's long-term Ed25519 identity private key; it zeroizes when released.
public typealias IdentityPrivateKey = Signing.PrivateKey
