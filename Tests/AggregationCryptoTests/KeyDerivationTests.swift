import AggregationCrypto
import Testing

@Suite struct KeyDerivationTests {
  private func hex(_ string: String) -> [UInt8] { [UInt8](hex: string) ?? [] }

  private func hmac(key: [UInt8], data: [UInt8]) -> String {
    HMACSHA256.authenticationCode(for: SecureBytes(data), key: SecureBytes(key)).unprotectedArray
      .hexString
  }

  // RFC 4231 §4.2–§4.5, §4.7, §4.8: HMAC-SHA-256 test cases 1, 2, 3, 4, 6 and 7.
  @Test func rfc4231HMACSHA256() {
    #expect(
      hmac(key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8))
        == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    #expect(
      hmac(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    #expect(
      hmac(key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50))
        == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
    #expect(
      hmac(key: (1...25).map { UInt8($0) }, data: [UInt8](repeating: 0xcd, count: 50))
        == "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
    #expect(
      hmac(
        key: [UInt8](repeating: 0xaa, count: 131),
        data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    #expect(
      hmac(
        key: [UInt8](repeating: 0xaa, count: 131),
        data: Array(
          ("This is a test using a larger than block-size key and a larger than block-size data. "
            + "The key needs to be hashed before being used by the HMAC algorithm.").utf8))
        == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
  }

  struct HKDFVector: Sendable, CustomTestStringConvertible {
    let name: String
    let inputKeyMaterial: [UInt8]
    let salt: [UInt8]
    let info: [UInt8]
    let length: Int
    let pseudoRandomKey: String
    let output: String
    var testDescription: String { name }
  }

  static let hkdfVectors: [HKDFVector] = [
    HKDFVector(
      name: "A.1", inputKeyMaterial: [UInt8](repeating: 0x0b, count: 22),
      salt: (0x00...0x0c).map { UInt8($0) }, info: (0xf0...0xf9).map { UInt8($0) }, length: 42,
      pseudoRandomKey: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
      output: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    ),
    HKDFVector(
      name: "A.2", inputKeyMaterial: (0x00...0x4f).map { UInt8($0) },
      salt: (0x60...0xaf).map { UInt8($0) }, info: (0xb0...0xff).map { UInt8($0) }, length: 82,
      pseudoRandomKey: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
      output: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
        + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
        + "cc30c58179ec3e87c14c01d5c1f3434f1d87"
    ),
    HKDFVector(
      name: "A.3", inputKeyMaterial: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [],
      length: 42,
      pseudoRandomKey: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
      output: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    ),
  ]

  // RFC 5869 Appendix A.1–A.3: HKDF-SHA256 (PRK and OKM).
  @Test(arguments: hkdfVectors)
  func rfc5869HKDF(vector: HKDFVector) throws {
    let pseudoRandomKey = HKDF.extract(
      inputKeyMaterial: SecureBytes(vector.inputKeyMaterial), salt: vector.salt)
    #expect(pseudoRandomKey.unprotectedArray.hexString == vector.pseudoRandomKey)
    let output = try HKDF.expand(
      pseudoRandomKey: pseudoRandomKey, info: vector.info, outputByteCount: vector.length)
    #expect(output.unprotectedArray.hexString == vector.output)
    let derived = try HKDF.deriveKey(
      inputKeyMaterial: SecureBytes(vector.inputKeyMaterial), salt: vector.salt, info: vector.info,
      outputByteCount: vector.length)
    #expect(derived == output)
  }

  @Test func expandRejectsImpossibleLengths() {
    let key = SecureBytes(zeroedCount: 32)
    #expect(
      throws: AggregationCryptoError.outputLengthOutOfRange(
        parameter: "outputByteCount", requested: 8161, maximum: 8160)
    ) { try HKDF.expand(pseudoRandomKey: key, info: [], outputByteCount: 8161) }
    #expect(throws: AggregationCryptoError.self) {
      try HKDF.expand(pseudoRandomKey: key, info: [], outputByteCount: 0)
    }
    #expect(
      (try? HKDF.expand(pseudoRandomKey: key, info: [], outputByteCount: 8160))?.count == 8160)
  }

  @Test func contextEncodingIsInjective() throws {
    // Moving bytes between the purpose and a field, or between fields, changes the encoding.
    let contexts = [
      KeyDerivationContext(purpose: "ab", fields: [[0x63]]),
      KeyDerivationContext(purpose: "a", fields: [[0x62, 0x63]]),
      KeyDerivationContext(purpose: "abc"),
      KeyDerivationContext(purpose: "ab", fields: [[], [0x63]]),
      KeyDerivationContext(purpose: "ab", fields: [[0x63], []]),
    ]
    #expect(Set(contexts.map(\.encoded)).count == contexts.count)
    let secret = SecureBytes(randomCount: 32)
    let keys = try contexts.map { try SymmetricKey(derivedFrom: secret, context: $0).secureBytes }
    #expect(Set(keys.map(\.unprotectedArray)).count == contexts.count)
    #expect(
      contexts[0].encoded.starts(
        with: [0, 0, 0, 28] + Array(KeyDerivationContext.libraryLabel.utf8)))
  }
}

@Suite struct SHA256Tests {
  // FIPS 180-2 Appendix B.1 and B.2 (also RFC 6234 §8.5 test cases 1 and 2), and the empty input.
  @Test func fipsVectors() {
    #expect(
      SHA256.hash(Array("abc".utf8)).hexString
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hexString
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(
      SHA256.hash([]).hexString
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256.hash(concatenating: [Array("ab".utf8), [], Array("c".utf8)])
        == SHA256.hash(Array("abc".utf8)))
  }
}
