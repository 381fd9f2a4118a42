import AggregationCrypto
import Testing

@Suite struct SigningTests {
  private func hex(_ string: String) -> [UInt8] { [UInt8](hex: string) ?? [] }

  // RFC 8032 §7.1, tests 1 and 2 (Ed25519).
  @Test func rfc8032Section7_1Vectors() throws {
    let first = try Signing.PrivateKey(
      seed: SecureBytes(hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")))
    #expect(
      first.publicKey.rawRepresentation.hexString
        == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    #expect(
      first.signature(for: []).hexString
        == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    let second = try Signing.PrivateKey(
      seed: SecureBytes(hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")))
    let signature = second.signature(for: [0x72])
    #expect(
      signature.hexString
        == "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
    // A directory loads the public key from its bytes and verifies with it.
    let loaded = try Signing.PublicKey(
      rawRepresentation: hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"))
    #expect(loaded == second.publicKey)
    #expect(loaded.isValidSignature(signature, for: [0x72]))
  }

  @Test func tamperedMessagesSignaturesAndKeysFail() {
    let key = Signing.PrivateKey()
    let message = Array("session 7, round 3, survivors 1 2 5".utf8)
    let signature = key.signature(for: message)
    #expect(key.publicKey.isValidSignature(signature, for: message))
    for bit in 0..<(signature.count * 8) {
      var tampered = signature
      tampered[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
      #expect(!key.publicKey.isValidSignature(tampered, for: message))
    }
    var changed = message
    changed[0] ^= 1
    #expect(!key.publicKey.isValidSignature(signature, for: changed))
    #expect(!Signing.PrivateKey().publicKey.isValidSignature(signature, for: message))
    #expect(!key.publicKey.isValidSignature(Array(signature.dropLast()), for: message))
  }

  @Test func invalidPublicKeysAreTypedErrors() {
    #expect(
      throws: AggregationCryptoError.invalidByteCount(
        parameter: "Ed25519 public key", expected: 32, actual: 31)
    ) { try Signing.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 31)) }
    // The identity point (small order) is not an acceptable identity key.
    #expect(throws: AggregationCryptoError.invalidPublicKey) {
      try Signing.PublicKey(rawRepresentation: [1] + [UInt8](repeating: 0, count: 31))
    }
    #expect(throws: AggregationCryptoError.self) {
      try Signing.PrivateKey(seed: SecureBytes(zeroedCount: 31))
    }
  }
}
