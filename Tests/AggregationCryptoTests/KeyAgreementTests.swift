import AggregationCrypto
import Testing

@Suite struct KeyAgreementTests {
  private func hex(_ string: String) -> [UInt8] { [UInt8](hex: string) ?? [] }

  private func x25519(scalar: String, u: String) throws -> [UInt8] {
    let privateKey = try KeyAgreement.PrivateKey(rawRepresentation: SecureBytes(hex(scalar)))
    let publicKey = try KeyAgreement.PublicKey(rawRepresentation: hex(u))
    return try privateKey.sharedSecret(with: publicKey).unprotectedBytes
  }

  // RFC 7748 §5.2, the two single-scalar-multiplication test vectors.
  @Test func rfc7748Section5_2Vectors() throws {
    #expect(
      try x25519(
        scalar: "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        u: "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"
      ).hexString == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    #expect(
      try x25519(
        scalar: "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        u: "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"
      ).hexString == "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
  }

  // RFC 7748 §5.2, the iterated function: k = u = 9, then (k, u) ← (X25519(k, u), k).
  @Test func rfc7748Section5_2Iterated() throws {
    var k = hex("0900000000000000000000000000000000000000000000000000000000000000")
    var u = k
    for iteration in 1...1000 {
      let result = try x25519(scalar: k.hexString, u: u.hexString)
      u = k
      k = result
      if iteration == 1 {
        #expect(k.hexString == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
      }
    }
    #expect(k.hexString == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
  }

  // RFC 7748 §6.1: Alice's and Bob's key pairs and their shared secret.
  @Test func rfc7748Section6_1DiffieHellman() throws {
    let alice = try KeyAgreement.PrivateKey(
      rawRepresentation: SecureBytes(
        hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")))
    let bob = try KeyAgreement.PrivateKey(
      rawRepresentation: SecureBytes(
        hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")))
    #expect(
      alice.publicKey.rawRepresentation.hexString
        == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    #expect(
      bob.publicKey.rawRepresentation.hexString
        == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    #expect(try alice.sharedSecret(with: bob.publicKey).unprotectedBytes.hexString == shared)
    #expect(try bob.sharedSecret(with: alice.publicKey).unprotectedBytes.hexString == shared)
  }

  @Test(arguments: [
    // Points of small order on Curve25519 (they all give the all-zero shared secret).
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  ])
  func smallOrderPeerKeysAreRejected(point: String) throws {
    let privateKey = KeyAgreement.PrivateKey()
    let peer = try KeyAgreement.PublicKey(rawRepresentation: hex(point))
    #expect(throws: AggregationCryptoError.weakSharedSecret) {
      try privateKey.sharedSecret(with: peer)
    }
  }

  @Test func wrongLengthsAreTypedErrors() {
    #expect(
      throws: AggregationCryptoError.invalidByteCount(
        parameter: "X25519 public key", expected: 32, actual: 31)
    ) { try KeyAgreement.PublicKey(rawRepresentation: [UInt8](repeating: 1, count: 31)) }
    #expect(
      throws: AggregationCryptoError.invalidByteCount(
        parameter: "X25519 private key", expected: 32, actual: 33)
    ) { try KeyAgreement.PrivateKey(rawRepresentation: SecureBytes(zeroedCount: 33)) }
  }

  @Test func derivedKeysAreBoundToTheirContext() throws {
    let alice = KeyAgreement.PrivateKey()
    let bob = KeyAgreement.PrivateKey()
    let secretA = try alice.sharedSecret(with: bob.publicKey)
    let secretB = try bob.sharedSecret(with: alice.publicKey)
    let context = KeyDerivationContext(purpose: "pairwise-mask", fields: [[1], [2]])
    let keyA = try secretA.deriveSymmetricKey(context: context)
    let keyB = try secretB.deriveSymmetricKey(context: context)
    #expect(keyA.secureBytes == keyB.secureBytes)
    let other = try secretA.deriveSymmetricKey(
      context: KeyDerivationContext(purpose: "share-encryption", fields: [[1], [2]]))
    #expect(keyA.secureBytes != other.secureBytes)
    // A derived key is never the raw secret.
    #expect(keyA.secureBytes.unprotectedArray != secretA.unprotectedBytes)
  }

  @Test func deterministicSourceReproducesKeys() {
    let first = KeyAgreement.PrivateKey(from: .insecureDeterministic(seed: 7))
    let second = KeyAgreement.PrivateKey(from: .insecureDeterministic(seed: 7))
    let third = KeyAgreement.PrivateKey(from: .insecureDeterministic(seed: 8))
    #expect(first.publicKey == second.publicKey)
    #expect(first.publicKey != third.publicKey)
    #expect(KeyAgreement.PrivateKey().publicKey != KeyAgreement.PrivateKey().publicKey)
  }

  @Test func descriptionsNeverShowSecrets() throws {
    let key = try KeyAgreement.PrivateKey(
      rawRepresentation: SecureBytes([UInt8](repeating: 0xab, count: 32)))
    #expect(!"\(key)".contains("ab"))
    #expect(!String(reflecting: key.rawRepresentation).lowercased().contains("abab"))
  }

  // MARK: Validation of peers' keys

  /// u as 32 little-endian bytes.
  private func littleEndian(_ decimal: String) -> [UInt8] {
    // Schoolbook conversion of a decimal string: public test data only.
    var bytes = [UInt8](repeating: 0, count: 32)
    for digit in decimal.utf8 {
      var carry = Int(digit - 0x30)
      for index in 0..<32 {
        let value = Int(bytes[index]) * 10 + carry
        bytes[index] = UInt8(value & 0xff)
        carry = value >> 8
      }
    }
    return bytes
  }

  /// The points of order dividing 8 (on the curve or its twist), derived outside this code: 0,
  /// 1, p − 1, and the two order-8 points (roots of x([2]P) = 1 over GF(2^255 − 19), computed with
  /// sympy; Bernstein's "Curve25519" paper lists the same values).
  private var smallOrderPoints: [[UInt8]] {
    [
      littleEndian("0"),
      littleEndian("1"),
      littleEndian(
        "57896044618658097711785492504343953926634992332820282019728792003956564819948"),  // p − 1
      littleEndian(
        "325606250916557431795983626356110631294008115727848805560023387167927233504"),
      littleEndian(
        "39382357235489614581723060781553021112529911719440698176882885853963445705823"),
    ]
  }

  @Test func smallOrderKeysAreRefused() throws {
    let key = KeyAgreement.PrivateKey(from: .insecureDeterministic(seed: 3))
    for point in smallOrderPoints {
      let publicKey = try KeyAgreement.PublicKey(rawRepresentation: point)
      #expect(!publicKey.isSafeForKeyAgreement, "\(point.hexString)")
      #expect(throws: AggregationCryptoError.invalidPublicKey) {
        try KeyAgreement.PublicKey(validatingRawRepresentation: point)
      }
      // libsodium agrees independently: every agreement with such a point is all zeros.
      #expect(throws: AggregationCryptoError.weakSharedSecret) {
        try key.sharedSecret(with: publicKey)
      }
    }
  }

  @Test func nonCanonicalKeysAreRefused() throws {
    let p = littleEndian(
      "57896044618658097711785492504343953926634992332820282019728792003956564819949")
    var withTopBit = KeyAgreement.PrivateKey(from: .insecureDeterministic(seed: 4)).publicKey
      .rawRepresentation
    withTopBit[31] |= 0x80
    var largest = [UInt8](repeating: 0xff, count: 32)
    largest[31] = 0x7f  // 2^255 − 1
    var pPlusOne = p
    pPlusOne[0] += 1
    for bytes in [p, pPlusOne, largest, withTopBit] {
      #expect(throws: AggregationCryptoError.invalidPublicKey) {
        try KeyAgreement.PublicKey(validatingRawRepresentation: bytes)
      }
    }
    // p − 1 is canonical but of small order; p − 2 is canonical and accepted.
    var largestCanonical = p
    largestCanonical[0] -= 2
    #expect(try KeyAgreement.PublicKey(rawRepresentation: largestCanonical).isSafeForKeyAgreement)
    #expect(
      throws: AggregationCryptoError.invalidByteCount(
        parameter: "X25519 public key", expected: 32, actual: 31)
    ) {
      try KeyAgreement.PublicKey(validatingRawRepresentation: [UInt8](repeating: 9, count: 31))
    }
  }

  @Test func honestKeysAreAccepted() throws {
    for seed in 0..<200 as Range<UInt64> {
      let key = KeyAgreement.PrivateKey(from: .insecureDeterministic(seed: seed)).publicKey
      #expect(key.isSafeForKeyAgreement)
      #expect(try KeyAgreement.PublicKey(validatingRawRepresentation: key.rawRepresentation) == key)
    }
  }
}
