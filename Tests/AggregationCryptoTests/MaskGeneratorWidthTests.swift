import AggregationCrypto
import Testing

@Suite struct MaskGeneratorWidthTests {
  private static let key = SymmetricKey(bytes: SecureBytes((0..<32).map { UInt8($0 ^ 0x5a) }))
  private static let offsets = [0, 1, 13, 21, 64, 65, 1343, 1344, 1345, 2000]

  private static func keystream(byteCount: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: byteCount)
    try bytes.withUnsafeMutableBytes { buffer in
      try ChaCha20.xorKeystream(
        into: buffer, key: key, nonce: [UInt8](repeating: 0, count: 12), initialCounter: 0)
    }
    return bytes
  }

  // Every power-of-two width 1...64 against the raw keystream: element k is the ⌈b/8⌉
  // little-endian bytes at offset k·⌈b/8⌉, masked to b bits, wherever the slice starts.
  @Test func everyBitWidthReadsTheKeystreamAtItsOffset() throws {
    let stream = try Self.keystream(byteCount: 8 * 2100)
    for bits in 1...64 {
      let modulus = try Modulus(bitWidth: bits)
      let generator = try MaskGenerator(key: Self.key, modulus: modulus)
      let width = (bits + 7) / 8
      for offset in Self.offsets {
        let elements = try generator.elements(offset..<(offset + 40))
        for (index, element) in elements.enumerated() {
          var expected: UInt64 = 0
          for byte in 0..<width {
            expected |= UInt64(stream[(offset + index) * width + byte]) << (8 * UInt64(byte))
          }
          #expect(
            element == expected & modulus.maximumElement, "b = \(bits), k = \(offset + index)")
        }
      }
    }
  }

  // Non-power-of-two moduli into every buffer width that can hold them.
  @Test(arguments: [3, 200, 65_521, 4_294_967_291] as [UInt64])
  func narrowBuffersWithOtherModuli(value: UInt64) throws {
    let modulus = try Modulus(value)
    let generator = try MaskGenerator(key: Self.key, modulus: modulus)
    let start = (0..<500).map { UInt64($0 * 7) % value }
    var wide = start
    try generator.apply(.add, to: &wide, startingAtElement: 9)
    if value <= UInt64(UInt32.max) {
      var words = start.map { UInt32($0) }
      try words.withUnsafeMutableBufferPointer {
        try generator.apply(.add, to: $0, startingAtElement: 9)
      }
      #expect(words.map { UInt64($0) } == wide)
    }
    if value <= UInt64(UInt16.max) {
      var halves = start.map { UInt16($0) }
      try halves.withUnsafeMutableBufferPointer {
        try generator.apply(.add, to: $0, startingAtElement: 9)
      }
      #expect(halves.map { UInt64($0) } == wide)
    }
    if value <= UInt64(UInt8.max) {
      var bytes = start.map { UInt8($0) }
      try bytes.withUnsafeMutableBufferPointer {
        try generator.apply(.add, to: $0, startingAtElement: 9)
      }
      #expect(bytes.map { UInt64($0) } == wide)
    }
  }

  // Modular add and subtract against 128-bit arithmetic, with R near 2^64 and edge values.
  @Test(arguments: [3, (1 << 63) - 1, (1 << 63) + 1, .max - 2, .max] as [UInt64])
  func modularArithmeticMatchesA128BitReference(value: UInt64) throws {
    let modulus = try Modulus(value)
    let r = UInt128(value)
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: value)
    let values =
      [0, 1, value / 2, value - 2, value - 1].filter { $0 < value }
      + (0..<40).map { _ in UInt64.random(in: 0..<value, using: &random) }
    for a in values {
      for b in values {
        #expect(modulus.add(a, b) == UInt64((UInt128(a) + UInt128(b)) % r))
        #expect(modulus.subtract(a, b) == UInt64((UInt128(a) + r - UInt128(b)) % r))
      }
    }
    let full = try Modulus(bitWidth: 64)
    #expect(full.add(.max, 1) == 0)
    #expect(full.subtract(0, 1) == .max)
  }

  // The modulus is part of a seeded generator's key: R = 2^16 and R = 2^32 never share bytes.
  @Test func seededGeneratorsBindTheModulus() throws {
    let seed = SecureBytes(randomCount: 32)
    let context = KeyDerivationContext(purpose: "test", fields: [[1]])
    let narrow = try MaskGenerator(seed: seed, context: context, modulus: Modulus(bitWidth: 16))
    let wide = try MaskGenerator(seed: seed, context: context, modulus: Modulus(bitWidth: 32))
    let narrowElements = try narrow.elements(0..<2)
    let wideFirst = try wide.elements(0..<1)[0]
    #expect(narrowElements[0] | narrowElements[1] << 16 != wideFirst)
  }

  @Test func hostileRangesThrowInsteadOfTrapping() throws {
    let generator = try MaskGenerator(key: Self.key, modulus: Modulus(bitWidth: 32))
    #expect(throws: AggregationCryptoError.self) { try generator.elements(0..<(1 << 59)) }
    #expect(throws: AggregationCryptoError.self) { try generator.elements(-5..<3) }
    #expect(throws: AggregationCryptoError.self) { try generator.elements(Int.min..<0) }
  }
}
