import AggregationCrypto
import Testing

@Suite struct MaskGeneratorTests {
  /// A fixed key, so every statistical test below is deterministic.
  private static func fixedKey(_ tag: UInt8 = 1) -> SymmetricKey {
    SymmetricKey(
      bytes: SecureBytes((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(tag)) }))
  }

  private static let moduli: [Modulus] = {
    var result: [Modulus] = []
    for bits in [1, 7, 12, 16, 24, 32, 40, 56, 63, 64] {
      if let modulus = try? Modulus(bitWidth: bits) { result.append(modulus) }
    }
    for value: UInt64 in [3, 1000, 4_294_967_291, (1 << 63) + (1 << 61) + 1, .max] {
      if let modulus = try? Modulus(value) { result.append(modulus) }
    }
    return result
  }()

  // Element k sits at a fixed keystream offset: k..<k+n equals that slice of the whole stream.
  @Test(arguments: moduli)
  func slicesMatchTheWholeStream(modulus: Modulus) throws {
    let generator = try MaskGenerator(key: Self.fixedKey(), modulus: modulus)
    let whole = try generator.elements(0..<6000)
    #expect(whole.allSatisfy { modulus.contains($0) })
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 11)
    for _ in 0..<25 {
      let start = Int.random(in: 0..<5990, using: &random)
      let end = Int.random(in: start...6000, using: &random)
      #expect(try generator.elements(start..<end) == Array(whole[start..<end]))
    }
    // Chunk and block boundaries: around 4 KiB of keystream and a single 64-byte block.
    let width = generator.keystreamBytesPerElement
    for boundary in [64 / width, 4096 / width, 4032 / width, 3840 / width] {
      for start in [boundary - 1, boundary, boundary + 1] where start >= 0 && start + 700 <= 6000 {
        #expect(
          try generator.elements(start..<(start + 700)) == Array(whole[start..<(start + 700)]))
      }
    }
  }

  // For R = 2^32, element k is the little-endian word at keystream bytes 4k..<4k+4 (nonce 0).
  @Test func powerOfTwoElementsAreKeystreamWords() throws {
    let key = Self.fixedKey(2)
    let generator = try MaskGenerator(key: key, modulus: Modulus(bitWidth: 32))
    var keystream = [UInt8](repeating: 0, count: 4 * 300)
    try keystream.withUnsafeMutableBytes { bytes in
      try ChaCha20.xorKeystream(
        into: bytes, key: key, nonce: [UInt8](repeating: 0, count: 12), initialCounter: 0)
    }
    let expected = (0..<300).map { index in
      Self.littleEndian(keystream[(4 * index)..<(4 * index + 4)])
    }
    #expect(try generator.elements(0..<300) == expected)
    // 12 bits: two bytes per element, masked.
    let narrow = try MaskGenerator(key: key, modulus: Modulus(bitWidth: 12))
    let expectedNarrow = (0..<300).map { index in
      Self.littleEndian(keystream[(2 * index)..<(2 * index + 2)]) & 0xfff
    }
    #expect(try narrow.elements(0..<300) == expectedNarrow)
  }

  private static func littleEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var value: UInt64 = 0
    for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
    return value
  }

  // Any other R: element k is ⌊x·R / 2^128⌋ for the little-endian 128-bit x at bytes 16k..<16k+16.
  @Test func otherModuliUseMultiplyHigh() throws {
    let key = Self.fixedKey(3)
    var keystream = [UInt8](repeating: 0, count: 16 * 200)
    try keystream.withUnsafeMutableBytes { bytes in
      try ChaCha20.xorKeystream(
        into: bytes, key: key, nonce: [UInt8](repeating: 0, count: 12), initialCounter: 0)
    }
    for value: UInt64 in [3, 1000, 4_294_967_291, .max] {
      let generator = try MaskGenerator(key: key, modulus: Modulus(value))
      let expected = (0..<200).map { index in
        Self.referenceMultiplyHigh(Array(keystream[(16 * index)..<(16 * index + 16)]), value)
      }
      #expect(try generator.elements(0..<200) == expected)
    }
  }

  /// ⌊x·R / 2^128⌋ by schoolbook multiplication on 16-bit limbs: an independent reference.
  private static func referenceMultiplyHigh(_ bytes: [UInt8], _ modulus: UInt64) -> UInt64 {
    let x = (0..<8).map { UInt64(bytes[2 * $0]) | UInt64(bytes[2 * $0 + 1]) << 8 }
    let r = (0..<4).map { (modulus >> (16 * UInt64($0))) & 0xffff }
    var product = [UInt64](repeating: 0, count: 13)
    for i in 0..<8 {
      for j in 0..<4 { product[i + j] += x[i] * r[j] }
    }
    for index in 0..<12 {
      product[index + 1] += product[index] >> 16
      product[index] &= 0xffff
    }
    // Limbs 8...11 hold bits 128...191.
    var result: UInt64 = 0
    for limb in 0..<4 { result |= product[8 + limb] << (16 * UInt64(limb)) }
    return result
  }

  struct UniformityCase: Sendable, CustomTestStringConvertible {
    let modulus: Modulus
    let bins: Int
    let samples: Int
    /// The chi-square quantile at 1 − 0.001 for bins − 1 degrees of freedom.
    let criticalValue: Double
    var testDescription: String { "R = \(modulus), \(bins) bins" }
  }

  // Chi-square goodness of fit, fixed key, significance level p = 0.001: a uniform generator
  // fails with probability 0.001; the key is fixed, so the outcome is reproducible.
  // Critical values: scipy.stats.chi2.ppf(0.999, df).
  static let uniformityCases: [UniformityCase] = {
    var cases: [UniformityCase] = []
    if let r = try? Modulus(bitWidth: 10) {
      // 2^10: one bin per residue.
      cases.append(UniformityCase(modulus: r, bins: 1024, samples: 1 << 20, criticalValue: 1168.50))
    }
    if let r = try? Modulus(1000) {
      // A small non-power of two: one bin per residue.
      cases.append(
        UniformityCase(modulus: r, bins: 1000, samples: 1_000_000, criticalValue: 1142.85))
    }
    if let r = try? Modulus((1 << 63) + (1 << 61) + 1) {
      // A large odd modulus: 256 bins of (nearly) equal width ⌊v·256/R⌋.
      cases.append(UniformityCase(modulus: r, bins: 256, samples: 512_000, criticalValue: 330.52))
    }
    return cases
  }()

  @Test(arguments: uniformityCases)
  func elementsAreUniform(testCase: UniformityCase) throws {
    let generator = try MaskGenerator(key: Self.fixedKey(4), modulus: testCase.modulus)
    let values = try generator.elements(0..<testCase.samples)
    var counts = [Int](repeating: 0, count: testCase.bins)
    let modulusValue = testCase.modulus.value ?? 0
    for value in values {
      let bin: Int
      if UInt64(testCase.bins) == modulusValue || testCase.modulus.isPowerOfTwo {
        bin = Int(value)
      } else {
        let scaled = value.multipliedFullWidth(by: UInt64(testCase.bins))
        bin = Int(modulusValue.dividingFullWidth((scaled.high, scaled.low)).quotient)
      }
      counts[bin] += 1
    }
    let expected = Double(testCase.samples) / Double(testCase.bins)
    let statistic = counts.reduce(0.0) {
      $0 + (Double($1) - expected) * (Double($1) - expected) / expected
    }
    #expect(statistic < testCase.criticalValue, "chi-square \(statistic), df \(testCase.bins - 1)")
  }

  @Test(arguments: moduli)
  func addAndSubtractAreModular(modulus: Modulus) throws {
    let generator = try MaskGenerator(key: Self.fixedKey(5), modulus: modulus)
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 5)
    let original = (0..<3000).map { _ in
      UInt64.random(in: 0...modulus.maximumElement, using: &random)
    }
    let mask = try generator.elements(100..<3100)
    var buffer = original
    try generator.apply(.add, to: &buffer, startingAtElement: 100)
    #expect(buffer == zip(original, mask).map { modulus.add($0, $1) })
    #expect(
      zip(original, mask).allSatisfy { Self.referenceAdd($0, $1, modulus) == modulus.add($0, $1) })
    try generator.apply(.subtract, to: &buffer, startingAtElement: 100)
    #expect(buffer == original)
  }

  /// (a + b) mod R in 128-bit arithmetic: an independent reference.
  private static func referenceAdd(_ a: UInt64, _ b: UInt64, _ modulus: Modulus) -> UInt64 {
    let r = modulus.value.map { UInt128($0) } ?? (UInt128(1) << 64)
    return UInt64((UInt128(a) + UInt128(b)) % r)
  }

  @Test func narrowBuffersMatchWideOnes() throws {
    let modulus = try Modulus(bitWidth: 32)
    let generator = try MaskGenerator(key: Self.fixedKey(6), modulus: modulus)
    var wide = (0..<5000).map { UInt64($0) * 2_654_435_761 & 0xffff_ffff }
    var narrow = wide.map { UInt32($0) }
    try generator.apply(.add, to: &wide, startingAtElement: 17)
    try narrow.withUnsafeMutableBufferPointer {
      try generator.apply(.add, to: $0, startingAtElement: 17)
    }
    #expect(narrow.map { UInt64($0) } == wide)
  }

  @Test(arguments: [3, 8, 12, 16])
  func everyElementWidthMatchesUInt64(bits: Int) throws {
    let modulus = try Modulus(bitWidth: bits)
    let generator = try MaskGenerator(key: Self.fixedKey(7), modulus: modulus)
    var wide = (0..<3000).map { UInt64($0 * 7919) & modulus.maximumElement }
    var bytes = wide.map { UInt8(truncatingIfNeeded: $0) }
    var halves = wide.map { UInt16(truncatingIfNeeded: $0) }
    try generator.apply(.subtract, to: &wide, startingAtElement: 5)
    if bits <= 8 {
      try bytes.withUnsafeMutableBufferPointer {
        try generator.apply(.subtract, to: $0, startingAtElement: 5)
      }
      #expect(bytes.map { UInt64($0) } == wide)
    }
    try halves.withUnsafeMutableBufferPointer {
      try generator.apply(.subtract, to: $0, startingAtElement: 5)
    }
    #expect(halves.map { UInt64($0) } == wide)
  }

  @Test func keysAndContextsGiveIndependentMasks() throws {
    let modulus = try Modulus(bitWidth: 32)
    let seed = SecureBytes(randomCount: 32)
    let first = try MaskGenerator(
      seed: seed, context: KeyDerivationContext(purpose: "pairwise-mask", fields: [[1], [2]]),
      modulus: modulus)
    let again = try MaskGenerator(
      seed: seed, context: KeyDerivationContext(purpose: "pairwise-mask", fields: [[1], [2]]),
      modulus: modulus)
    let other = try MaskGenerator(
      seed: seed, context: KeyDerivationContext(purpose: "self-mask", fields: [[1], [2]]),
      modulus: modulus)
    #expect(try first.elements(0..<64) == again.elements(0..<64))
    #expect(try first.elements(0..<64) != other.elements(0..<64))
  }

  @Test func badRequestsAreTypedErrors() throws {
    let wideModulus = try Modulus(bitWidth: 40)
    let generator = try MaskGenerator(key: Self.fixedKey(), modulus: wideModulus)
    var narrow = [UInt32](repeating: 0, count: 4)
    narrow.withUnsafeMutableBufferPointer { buffer in
      _ = #expect(
        throws: AggregationCryptoError.elementTypeTooNarrow(modulusBits: 40, elementBits: 32)
      ) {
        try generator.apply(.add, to: buffer)
      }
    }
    var wide = [UInt64](repeating: 0, count: 4)
    #expect(throws: AggregationCryptoError.negativeCount(parameter: "elementOffset", value: -1)) {
      try generator.apply(.add, to: &wide, startingAtElement: -1)
    }
    #expect(throws: AggregationCryptoError.self) {
      try generator.apply(.add, to: &wide, startingAtElement: generator.maximumElementCount - 3)
    }
    #expect(throws: AggregationCryptoError.self) {
      try generator.apply(.add, to: &wide, startingAtElement: .max - 1)
    }
    // The very last elements one key can produce are still available.
    try generator.apply(.overwrite, to: &wide, startingAtElement: generator.maximumElementCount - 4)
    #expect(throws: AggregationCryptoError.self) {
      try MaskGenerator(key: SymmetricKey(randomByteCount: 16), modulus: wideModulus)
    }
  }

  @Test func moduliAreValidated() throws {
    for bits in [0, -1, 65] {
      #expect(throws: AggregationCryptoError.self) { try Modulus(bitWidth: bits) }
    }
    for value: UInt64 in [0, 1] {
      #expect(throws: AggregationCryptoError.self) { try Modulus(value) }
    }
    #expect(try Modulus(1 << 20) == Modulus(bitWidth: 20))
    #expect(try Modulus(bitWidth: 64).value == nil)
    #expect(try Modulus(1000).elementBitWidth == 10)
    #expect(try Modulus(bitWidth: 64).maximumElement == .max)
  }
}
