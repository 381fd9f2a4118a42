import AggregationCrypto
import Testing

@Suite struct ChaCha20Tests {
  private func hex(_ string: String) -> [UInt8] { [UInt8](hex: string) ?? [] }

  private func encrypt(key: [UInt8], nonce: [UInt8], counter: UInt32, _ plaintext: [UInt8]) throws
    -> [UInt8]
  {
    var buffer = plaintext
    try buffer.withUnsafeMutableBytes { bytes in
      try ChaCha20.xorKeystream(
        into: bytes, key: SymmetricKey(bytes: SecureBytes(key)), nonce: nonce,
        initialCounter: counter)
    }
    return buffer
  }

  private let sequentialKey = (0..<32).map { UInt8($0) }

  // RFC 8439 §2.3.2: the block function; the keystream of one block XOR zeros is the block.
  @Test func rfc8439Section2_3_2BlockFunction() throws {
    let block = try encrypt(
      key: sequentialKey, nonce: hex("000000090000004a00000000"), counter: 1,
      [UInt8](repeating: 0, count: 64))
    #expect(
      block.hexString
        == "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
  }

  // RFC 8439 §2.4.2: encryption with initial counter 1.
  @Test func rfc8439Section2_4_2Encryption() throws {
    let plaintext = Array(
      ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        + "future, sunscreen would be it.").utf8)
    let ciphertext = try encrypt(
      key: sequentialKey, nonce: hex("000000000000004a00000000"), counter: 1, plaintext)
    #expect(
      ciphertext.hexString
        == "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
        + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
        + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
        + "5af90bbf74a35be6b40b8eedf2785e42874d")
    // Decryption is the same operation.
    #expect(
      try encrypt(
        key: sequentialKey, nonce: hex("000000000000004a00000000"), counter: 1, ciphertext)
        == plaintext)
  }

  // RFC 8439 Appendix A.1: block-function test vectors 1–5 (keystream of one block).
  @Test(arguments: [
    (
      "0000000000000000000000000000000000000000000000000000000000000000",
      "000000000000000000000000",
      UInt32(0),
      "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
        + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"
    ),
    (
      "0000000000000000000000000000000000000000000000000000000000000000",
      "000000000000000000000000",
      UInt32(1),
      "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
        + "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f"
    ),
    (
      "0000000000000000000000000000000000000000000000000000000000000001",
      "000000000000000000000000",
      UInt32(1),
      "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
        + "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0"
    ),
    (
      "00ff000000000000000000000000000000000000000000000000000000000000",
      "000000000000000000000000",
      UInt32(2),
      "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
        + "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096"
    ),
    (
      "0000000000000000000000000000000000000000000000000000000000000000",
      "000000000000000000000002",
      UInt32(0),
      "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
        + "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d"
    ),
  ])
  func rfc8439AppendixA1(key: String, nonce: String, counter: UInt32, expected: String) throws {
    let block = try encrypt(
      key: hex(key), nonce: hex(nonce), counter: counter, [UInt8](repeating: 0, count: 64))
    #expect(block.hexString == expected)
  }

  // RFC 8439 Appendix A.2, test vector 3: encryption starting at block counter 42.
  @Test func rfc8439AppendixA2Vector3() throws {
    let plaintext = Array(
      ("'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n"
        + "All mimsy were the borogoves,\nAnd the mome raths outgrabe.").utf8)
    let ciphertext = try encrypt(
      key: hex("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0"),
      nonce: hex("000000000000000000000002"), counter: 42, plaintext)
    #expect(
      ciphertext.hexString
        == "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf"
        + "166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb"
        + "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77"
        + "04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1")
  }

  @Test func startingAtACounterIsTheSameStream() throws {
    let key = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let nonce = [UInt8](repeating: 3, count: 12)
    let whole = try encrypt(key: key, nonce: nonce, counter: 0, [UInt8](repeating: 0, count: 640))
    let tail = try encrypt(key: key, nonce: nonce, counter: 4, [UInt8](repeating: 0, count: 384))
    #expect(Array(whole[256...]) == tail)
  }

  @Test func counterOverflowAndBadSizesAreRejected() throws {
    let key = SymmetricKey(randomByteCount: 32)
    var buffer = [UInt8](repeating: 0, count: 128)
    try buffer.withUnsafeMutableBytes { bytes in
      #expect(throws: AggregationCryptoError.self) {
        try ChaCha20.xorKeystream(
          into: bytes, key: key, nonce: [UInt8](repeating: 0, count: 12), initialCounter: .max)
      }
      #expect(
        throws: AggregationCryptoError.invalidByteCount(parameter: "nonce", expected: 12, actual: 8)
      ) {
        try ChaCha20.xorKeystream(
          into: bytes, key: key, nonce: [UInt8](repeating: 0, count: 8), initialCounter: 0)
      }
      // The last block the counter can address is still fine.
      try ChaCha20.xorKeystream(
        into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<64]), key: key,
        nonce: [UInt8](repeating: 0, count: 12), initialCounter: .max)
    }
  }
}
