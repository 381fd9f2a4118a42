import AggregationCrypto
import Testing

@Suite struct SecretHygieneTests {
  @Test func secureBytesHaveValueSemantics() {
    let original = SecureBytes([1, 2, 3, 4])
    var copy = original
    copy.withUnsafeMutableBytes { $0[0] = 9 }
    #expect(original.unprotectedArray == [1, 2, 3, 4])
    #expect(copy.unprotectedArray == [9, 2, 3, 4])
    #expect(original != copy)
    #expect(original == SecureBytes([1, 2, 3, 4]))
    #expect(original != SecureBytes([1, 2, 3]))
    #expect(original.appending(copy).unprotectedArray == [1, 2, 3, 4, 9, 2, 3, 4])
    #expect(original.extracting(1..<3).unprotectedArray == [2, 3])
  }

  @Test func descriptionsNeverShowBytes() {
    let secret = SecureBytes([0xde, 0xad, 0xbe, 0xef])
    for text in ["\(secret)", String(reflecting: secret), "\(SymmetricKey(bytes: secret))"] {
      #expect(!text.lowercased().contains("de"))
      #expect(!text.contains("222"))  // 0xde in decimal
    }
    #expect("\(Signing.PrivateKey())".contains("redacted"))
  }

  @Test func constantTimeHelpers() {
    #expect(ConstantTime.isEqual([1, 2, 3], [1, 2, 3]))
    #expect(!ConstantTime.isEqual([1, 2, 3], [1, 2, 4]))
    #expect(!ConstantTime.isEqual([1, 2, 3], [1, 2]))
    #expect(ConstantTime.isEqual([], []))
    #expect(ConstantTime.select(true, 5, 7) == 5)
    #expect(ConstantTime.select(false, 5, 7) == 7)
    #expect(ConstantTime.mask(true) == .max)
    #expect(ConstantTime.mask(false) == 0)
    #expect(ConstantTime.nonzeroMask(0) == 0)
    for value: UInt64 in [1, 2, 1 << 63, .max] { #expect(ConstantTime.nonzeroMask(value) == .max) }
  }

  @Test func systemRandomnessDiffers() {
    let first = SecureBytes(randomCount: 32)
    let second = SecureBytes(randomCount: 32)
    #expect(first != second)
    #expect(!RandomSource.system.isDeterministic)
    #expect(RandomSource.insecureDeterministic(seed: 1).isDeterministic)
    var generator = SystemRandom()
    #expect((0..<4).map { _ in generator.next() } != (0..<4).map { _ in generator.next() })
  }

  @Test func deterministicGeneratorIsReproducible() {
    let first = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 42)
    let second = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 42)
    let other = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 43)
    let a = (0..<300).map { _ in first.next() }
    #expect(a == (0..<300).map { _ in second.next() })
    #expect(a != (0..<300).map { _ in other.next() })
    // Children are reproducible and distinct per label.
    let childA = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 1)
      .insecureDeterministicChild(label: "client 1")
    let childB = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 1)
      .insecureDeterministicChild(label: "client 1")
    let childC = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 1)
      .insecureDeterministicChild(label: "client 2")
    let valueA = childA.next()
    #expect(valueA == childB.next())
    #expect(valueA != childC.next())
    // Securely seeded generators differ from each other.
    #expect(ChaChaRandomNumberGenerator().next() != ChaChaRandomNumberGenerator().next())
  }

  @Test func generatorFillMatchesItsStream() {
    let bytesGenerator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 9)
    let wordsGenerator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 9)
    var bytes = [UInt8](repeating: 0, count: 4096)
    bytes.withUnsafeMutableBytes { bytesGenerator.fill($0) }
    let words = (0..<512).map { _ in wordsGenerator.next() }
    for (index, word) in words.enumerated() {
      var expected: UInt64 = 0
      for byte in 0..<8 { expected |= UInt64(bytes[8 * index + byte]) << (8 * UInt64(byte)) }
      #expect(word == expected)
    }
  }

  // The generator's output is uniform on bytes: chi-square over 256 bins, 2^20 bytes, fixed
  // seed, significance p = 0.001 (critical value chi2.ppf(0.999, 255) = 330.52).
  @Test func generatorBytesAreUniform() {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 2024)
    var bytes = [UInt8](repeating: 0, count: 1 << 20)
    bytes.withUnsafeMutableBytes { generator.fill($0) }
    var counts = [Int](repeating: 0, count: 256)
    for byte in bytes { counts[Int(byte)] += 1 }
    let expected = Double(bytes.count) / 256
    let statistic = counts.reduce(0.0) {
      $0 + (Double($1) - expected) * (Double($1) - expected) / expected
    }
    #expect(statistic < 330.52)
  }
}

@Suite struct RandomnessVectorTests {
  // The deterministic generator's stream, computed independently (Python `cryptography`):
  // key₀ = HMAC-SHA256(key: "swift-private-aggregation/rng-seed/v1", message: 42 as 8 LE bytes);
  // each refill is 1056 bytes of original ChaCha20 (64-bit nonce 0, counter 0) under keyᵢ: the
  // first 1024 are output, the last 32 become keyᵢ₊₁ (fast key erasure).
  @Test func seededStreamIsPinned() {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 42)
    let values = (0..<130).map { _ in generator.next() }
    #expect(values[0] == 0xa8a9_69cd_3c16_a395)
    #expect(values[1] == 0x063a_544f_d5eb_4b7c)
    #expect(values[2] == 0x3e2c_4073_26e4_b452)
    #expect(values[128] == 0x87e0_3dfc_ff3d_5fde)  // first value after the key was replaced
    #expect(values[129] == 0x3dd7_9655_3098_1260)
  }

  @Test func identitySeedsRoundTrip() throws {
    let key = Signing.PrivateKey()
    let reloaded = try Signing.PrivateKey(seed: key.seed)
    #expect(reloaded.publicKey == key.publicKey)
  }

  // Random bytes never trap the parsers of remote input.
  @Test func randomInputsAreRejectedWithoutTrapping() throws {
    let random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 77)
    let key = SymmetricKey(randomByteCount: 32)
    for length in 0..<200 {
      var bytes = [UInt8](repeating: 0, count: length)
      bytes.withUnsafeMutableBytes { random.fill($0) }
      if let box = try? SealedBox(combined: bytes) {
        #expect(throws: AggregationCryptoError.self) {
          try box.open(using: key, associatedData: [])
        }
      }
      _ = try? Signing.PublicKey(rawRepresentation: bytes)
      _ = try? KeyAgreement.PublicKey(rawRepresentation: bytes)
    }
  }
}
