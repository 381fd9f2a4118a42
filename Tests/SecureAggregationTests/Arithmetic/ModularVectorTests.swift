import AggregationCrypto
import Testing

@testable import SecureAggregation

@Suite struct ModularVectorTests {
  /// R = 2^b for every b in 1...64.
  static let powerOfTwoModuli: [Modulus] = (1...64).compactMap { try? Modulus(bitWidth: $0) }

  /// Moduli that are not powers of two: 2 bits, 10 bits, 32 bits, 64 bits (2^32 − 5 and 2^64 − 59
  /// are the largest primes below 2^32 and 2^64).
  static let otherModuli: [Modulus] = [3, 1000, 4_294_967_291, 18_446_744_073_709_551_557]
    .compactMap { try? Modulus($0) }

  /// One modulus per storage width and kind, for the arithmetic and masking tests.
  static let representativeModuli: [Modulus] =
    [1, 5, 8, 12, 16, 20, 32, 40, 63, 64].compactMap { try? Modulus(bitWidth: $0) } + otherModuli

  private static func randomVector(
    _ count: Int, _ modulus: Modulus, _ random: inout ChaChaRandomNumberGenerator
  ) -> [UInt64] {
    (0..<count).map { _ in UInt64.random(in: 0...modulus.maximumElement, using: &random) }
  }

  /// An independent, bit-by-bit reference of the wire format.
  private static func referencePack(_ elements: [UInt64], bitWidth: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: (elements.count * bitWidth + 7) / 8)
    for (index, element) in elements.enumerated() {
      for bit in 0..<bitWidth where (element >> UInt64(bit)) & 1 == 1 {
        let position = index * bitWidth + bit
        bytes[position / 8] |= 1 << UInt8(position % 8)
      }
    }
    return bytes
  }

  /// Lengths 0...24 (every residue of count·b mod 8), a few random ones up to 300, and 300.
  private static func lengths(_ random: inout ChaChaRandomNumberGenerator) -> [Int] {
    Array(0...24) + (0..<6).map { _ in Int.random(in: 25..<300, using: &random) } + [300]
  }

  // MARK: - Storage and construction

  @Test func storageIsTheNarrowestFittingType() throws {
    for modulus in Self.powerOfTwoModuli + Self.otherModuli {
      let bits = modulus.elementBitWidth
      let expected = bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64
      #expect(ModularVector(zeroCount: 3, modulus: modulus).storageBitWidth == expected)
    }
    #expect(try ModularVector([1, 2], modulus: Modulus(bitWidth: 8)).storage == .bits8([1, 2]))
    #expect(try ModularVector([1, 2], modulus: Modulus(bitWidth: 9)).storage == .bits16([1, 2]))
    #expect(try ModularVector([1, 2], modulus: Modulus(65_537)).storage == .bits32([1, 2]))
    #expect(try ModularVector([1, 2], modulus: Modulus(bitWidth: 33)).storage == .bits64([1, 2]))
  }

  @Test func constructionAndAccess() throws {
    let modulus = try Modulus(1000)
    let vector = try ModularVector([0, 999, 5], modulus: modulus)
    #expect(vector.count == 3)
    #expect(vector.modulus == modulus)
    #expect(vector.elements == [0, 999, 5])
    #expect(vector[1] == 999)
    #expect(ModularVector(zeroCount: 4, modulus: modulus).elements == [0, 0, 0, 0])
    #expect(ModularVector(zeroCount: 0, modulus: modulus).count == 0)
    #expect(vector == (try ModularVector([0, 999, 5], modulus: modulus)))
    #expect(vector != (try ModularVector([0, 999, 5], modulus: Modulus(1001))))
    #expect(throws: SecureAggregationError.elementOutOfRange(index: 2, modulus: modulus)) {
      try ModularVector([0, 999, 1000, 1001], modulus: modulus)
    }
    let narrow = try Modulus(bitWidth: 3)
    #expect(throws: SecureAggregationError.elementOutOfRange(index: 0, modulus: narrow)) {
      try ModularVector([8], modulus: narrow)
    }
    let wide = try Modulus(bitWidth: 64)
    #expect(try ModularVector([.max], modulus: wide).elements == [.max])
  }

  // MARK: - Arithmetic

  @Test(arguments: representativeModuli)
  func additionAndSubtractionMatchA128BitReference(modulus: Modulus) throws {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 21)
    let top = modulus.maximumElement
    // The edges 0, 1, R − 1 meet each other and random values.
    let edges: [UInt64] = [0, Swift.min(1, top), top, top / 2, top, 0]
    let lhs = edges + edges + Self.randomVector(200, modulus, &random)
    let rhs = edges + edges.reversed() + Self.randomVector(200, modulus, &random)
    let r = UInt128(top) + 1
    let expectedSum = zip(lhs, rhs).map { UInt64((UInt128($0) + UInt128($1)) % r) }
    let expectedDifference = zip(lhs, rhs).map { UInt64((UInt128($0) + r - UInt128($1)) % r) }

    var sum = try ModularVector(lhs, modulus: modulus)
    try sum.add(ModularVector(rhs, modulus: modulus))
    #expect(sum.elements == expectedSum)
    var difference = try ModularVector(lhs, modulus: modulus)
    try difference.subtract(ModularVector(rhs, modulus: modulus))
    #expect(difference.elements == expectedDifference)
    try difference.add(ModularVector(rhs, modulus: modulus))
    #expect(difference.elements == lhs)
  }

  @Test func arithmeticRejectsMismatchesAndLeavesTheVectorUnchanged() throws {
    let modulus = try Modulus(bitWidth: 12)
    let original = try ModularVector([1, 2, 3], modulus: modulus)
    var vector = original
    let otherModulus = try Modulus(bitWidth: 13)
    #expect(
      throws: SecureAggregationError.modulusMismatch(expected: modulus, actual: otherModulus)
    ) {
      try vector.add(ModularVector([1, 2, 3], modulus: otherModulus))
    }
    #expect(throws: SecureAggregationError.countMismatch(expected: 3, actual: 2)) {
      try vector.subtract(ModularVector([1, 2], modulus: modulus))
    }
    #expect(vector == original)
  }

  // add, subtract and applyMask work on the vector's own buffer: no copy of the storage.
  @Test func arithmeticAndMaskingMutateInPlace() throws {
    let modulus = try Modulus(bitWidth: 20)
    var vector = ModularVector(zeroCount: 1000, modulus: modulus)
    let other = ModularVector(zeroCount: 1000, modulus: modulus)
    func address(_ vector: ModularVector) -> UnsafeRawPointer? {
      guard case .bits32(let elements) = vector.storage else { return nil }
      return elements.withUnsafeBytes { $0.baseAddress }
    }
    let original = address(vector)
    #expect(original != nil)
    try vector.add(other)
    #expect(address(vector) == original)
    try vector.subtract(other)
    #expect(address(vector) == original)
    try vector.applyMask(MaskGenerator(key: Self.fixedKey(9), modulus: modulus), .add)
    #expect(address(vector) == original)
  }

  // MARK: - Masking

  private static func fixedKey(_ tag: UInt8) -> SymmetricKey {
    SymmetricKey(
      bytes: SecureBytes((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(tag)) }))
  }

  @Test(arguments: representativeModuli)
  func applyMaskMatchesTheGeneratorOnUInt64(modulus: Modulus) throws {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 31)
    let generator = try MaskGenerator(key: Self.fixedKey(1), modulus: modulus)
    let input = Self.randomVector(1100, modulus, &random)
    for operation in [MaskGenerator.Operation.overwrite, .add, .subtract] {
      for offset in [0, 5, 1000] {
        var expected = input
        try generator.apply(operation, to: &expected, startingAtElement: offset)
        var vector = try ModularVector(input, modulus: modulus)
        try vector.applyMask(generator, operation, startingAtElement: offset)
        #expect(vector.elements == expected, "\(operation) from \(offset)")
      }
    }
    // Adding then subtracting the same mask restores the input.
    var vector = try ModularVector(input, modulus: modulus)
    try vector.applyMask(generator, .add)
    try vector.applyMask(generator, .subtract)
    #expect(vector.elements == input)
  }

  @Test(arguments: representativeModuli)
  func maskingInChunksEqualsMaskingTheWholeVector(modulus: Modulus) throws {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 41)
    let generators = try (1...3).map { try MaskGenerator(key: Self.fixedKey($0), modulus: modulus) }
    let input = try ModularVector(Self.randomVector(1300, modulus, &random), modulus: modulus)
    var whole = input
    for generator in generators { try whole.applyMask(generator, .subtract) }
    // Chunk by chunk, every mask per chunk, with chunk edges off the keystream block size.
    var chunked = input
    let edges = [0, 1, 250, 251, 700, 1299, 1300]
    for (start, end) in zip(edges, edges.dropFirst()) {
      for generator in generators {
        try chunked.applyMask(generator, .subtract, elements: start..<end)
      }
    }
    #expect(chunked == whole)
    // A slice leaves the other elements alone.
    var slice = input
    try slice.applyMask(generators[0], .overwrite, elements: 400..<410)
    let mask = try generators[0].elements(400..<410)
    for index in [0, 399, 410, 1299] { #expect(slice[index] == input[index]) }
    #expect((400..<410).map { slice[$0] } == mask)
  }

  @Test func applyMaskRejectsBadRequestsAndLeavesTheVectorUnchanged() throws {
    let modulus = try Modulus(bitWidth: 16)
    let original = try ModularVector([1, 2, 3, 4], modulus: modulus)
    var vector = original
    let otherModulus = try Modulus(bitWidth: 17)
    let foreign = try MaskGenerator(key: Self.fixedKey(1), modulus: otherModulus)
    #expect(
      throws: SecureAggregationError.modulusMismatch(expected: modulus, actual: otherModulus)
    ) {
      try vector.applyMask(foreign, .add)
    }
    let generator = try MaskGenerator(key: Self.fixedKey(1), modulus: modulus)
    #expect(
      throws: SecureAggregationError.invalidParameter(
        name: "elements", value: "2..<5", expected: "a range within 0..<4")
    ) {
      try vector.applyMask(generator, .add, elements: 2..<5)
    }
    #expect(
      throws: SecureAggregationError.maskGeneration(
        .negativeCount(parameter: "elementOffset", value: -1))
    ) {
      try vector.applyMask(generator, .add, startingAtElement: -1)
    }
    let maximum = generator.maximumElementCount
    #expect(
      throws: SecureAggregationError.maskGeneration(
        .keystreamExhausted(elementOffset: maximum - 3, elementCount: 4, maximumElements: maximum))
    ) {
      try vector.applyMask(generator, .add, startingAtElement: maximum - 3)
    }
    #expect(vector == original)
  }

  // MARK: - Bit packing

  @Test(arguments: powerOfTwoModuli + otherModuli)
  func packingRoundTripsAndMatchesTheBitwiseReference(modulus: Modulus) throws {
    var random = ChaChaRandomNumberGenerator(
      insecureDeterministicSeed: UInt64(
        modulus.maximumElement % 1_000_003))
    let bitWidth = modulus.elementBitWidth
    for count in Self.lengths(&random) {
      let elements = Self.randomVector(count, modulus, &random)
      let vector = try ModularVector(elements, modulus: modulus)
      let packed = vector.packedBytes()
      #expect(packed.count == ModularVector.packedByteCount(count: count, modulus: modulus))
      #expect(packed == Self.referencePack(elements, bitWidth: bitWidth), "count \(count)")
      #expect(try ModularVector(packedBytes: packed, count: count, modulus: modulus) == vector)
    }
  }

  // Each packing loop agrees with the bitwise reference wherever it applies: whole bytes
  // (b ∈ {8, 16, 32, 64}), unaligned loads (b ≤ 57) and the bit stream (any b).
  @Test(arguments: 1...64)
  func everyPackingLoopMatchesTheReference(bitWidth: Int) throws {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: UInt64(bitWidth))
    let modulus = try Modulus(bitWidth: bitWidth)
    for count in [0, 1, 2, 7, 8, 9, 31, 64, 65, 100] {
      let elements = Self.randomVector(count, modulus, &random)
      let reference = Self.referencePack(elements, bitWidth: bitWidth)
      func check<Element: FixedWidthInteger & UnsignedInteger>(_ stored: [Element]) {
        let whole = bitWidth == Element.bitWidth
        stored.withUnsafeBufferPointer { buffer in
          #expect(BitPacking.packBitStream(buffer, bitWidth: bitWidth) == reference)
          if whole { #expect(BitPacking.packWholeBytes(buffer) == reference) }
        }
        reference.withUnsafeBytes { bytes in
          #expect(
            BitPacking.unpackBitStream(Element.self, bytes, count: count, bitWidth: bitWidth)
              == stored)
          if bitWidth <= BitPacking.unalignedLoadMaximumBitWidth {
            #expect(
              BitPacking.unpackUnalignedLoads(Element.self, bytes, count: count, bitWidth: bitWidth)
                == stored, "count \(count)")
          }
          if whole {
            #expect(BitPacking.unpackWholeBytes(Element.self, bytes, count: count) == stored)
          }
        }
      }
      switch try ModularVector(elements, modulus: modulus).storage {
      case .bits8(let stored): check(stored)
      case .bits16(let stored): check(stored)
      case .bits32(let stored): check(stored)
      case .bits64(let stored): check(stored)
      }
    }
  }

  @Test func knownAnswers() throws {
    // R = 2^3: 001 010 011 100 101 from bit 0 up → 0b1101_0001, 0b0101_1000 (top bit padding).
    let three = try ModularVector([1, 2, 3, 4, 5], modulus: Modulus(bitWidth: 3))
    #expect(three.packedBytes() == [0xd1, 0x58])
    // R = 1000, b = 10: 999 | 1 << 10 = 0x7e7 over 20 bits.
    #expect(try ModularVector([999, 1], modulus: Modulus(1000)).packedBytes() == [0xe7, 0x07, 0])
    // R = 2^16: plain little-endian.
    let sixteen = try ModularVector([0x1234, 0xabcd], modulus: Modulus(bitWidth: 16))
    #expect(sixteen.packedBytes() == [0x34, 0x12, 0xcd, 0xab])
    // R = 2: one bit each, 9 elements.
    let bits = try ModularVector([1, 0, 1, 1, 0, 1, 0, 0, 1], modulus: Modulus(bitWidth: 1))
    #expect(bits.packedBytes() == [0x2d, 0x01])
    #expect(
      try ModularVector(packedBytes: [0xd1, 0x58], count: 5, modulus: Modulus(bitWidth: 3)) == three
    )
  }

  @Test func packedByteCountHandlesEdges() throws {
    let one = try Modulus(bitWidth: 1)
    let wide = try Modulus(bitWidth: 64)
    #expect(ModularVector.packedByteCount(count: 0, modulus: wide) == 0)
    #expect(ModularVector.packedByteCount(count: 9, modulus: one) == 2)
    #expect(try ModularVector.packedByteCount(count: 3, modulus: Modulus(1000)) == 4)
    #expect(ModularVector.packedByteCount(count: -1, modulus: one) == nil)
    #expect(ModularVector.packedByteCount(count: .max, modulus: one) == Int.max / 8 + 1)
    #expect(ModularVector.packedByteCount(count: .max, modulus: wide) == nil)
    #expect(ModularVector.packedByteCount(count: Int.max / 64 + 1, modulus: wide) == nil)
  }

  @Test func unpackingRejectsWrongLengthsAndCounts() throws {
    let modulus = try Modulus(bitWidth: 20)
    let packed = try ModularVector([1, 2, 3], modulus: modulus).packedBytes()  // 60 bits: 8 bytes
    #expect(throws: SecureAggregationError.packedByteCountMismatch(expected: 8, actual: 7)) {
      try ModularVector(packedBytes: Array(packed.dropLast()), count: 3, modulus: modulus)
    }
    #expect(throws: SecureAggregationError.packedByteCountMismatch(expected: 8, actual: 9)) {
      try ModularVector(packedBytes: packed + [0], count: 3, modulus: modulus)
    }
    #expect(throws: SecureAggregationError.packedByteCountMismatch(expected: 5, actual: 8)) {
      try ModularVector(packedBytes: packed, count: 2, modulus: modulus)
    }
    #expect(throws: SecureAggregationError.packedByteCountMismatch(expected: 0, actual: 8)) {
      try ModularVector(packedBytes: packed, count: 0, modulus: modulus)
    }
    #expect(throws: SecureAggregationError.packedByteCountMismatch(expected: 3, actual: 0)) {
      try ModularVector(packedBytes: [], count: 1, modulus: modulus)
    }
    #expect(throws: SecureAggregationError.self) {
      try ModularVector(packedBytes: packed, count: -1, modulus: modulus)
    }
    // Hostile counts: an overflowing bit length is an error, a huge one a length mismatch.
    let wide = try Modulus(bitWidth: 64)
    #expect(throws: SecureAggregationError.self) {
      try ModularVector(packedBytes: packed, count: .max, modulus: wide)
    }
    #expect(throws: SecureAggregationError.self) {
      try ModularVector(packedBytes: packed, count: .min, modulus: wide)
    }
    let one = try Modulus(bitWidth: 1)
    #expect(
      throws: SecureAggregationError.packedByteCountMismatch(expected: Int.max / 8 + 1, actual: 8)
    ) {
      try ModularVector(packedBytes: packed, count: .max, modulus: one)
    }
    #expect(try ModularVector(packedBytes: [], count: 0, modulus: wide).count == 0)
  }

  @Test func unpackingRejectsNonzeroPaddingBits() throws {
    for (bits, count) in [(3, 5), (1, 9), (20, 3), (63, 1), (10, 3)] {
      let modulus = try Modulus(bitWidth: bits)
      let elements = [UInt64](repeating: modulus.maximumElement, count: count)
      let packed = try ModularVector(elements, modulus: modulus).packedBytes()
      let used = count * bits % 8
      for bit in used..<8 {
        var tampered = packed
        tampered[tampered.count - 1] |= 1 << UInt8(bit)
        #expect(throws: SecureAggregationError.nonzeroPaddingBits) {
          try ModularVector(packedBytes: tampered, count: count, modulus: modulus)
        }
      }
    }
  }

  @Test(arguments: otherModuli)
  func unpackingRejectsElementsOutOfRange(modulus: Modulus) throws {
    let bitWidth = modulus.elementBitWidth
    let count = 40
    // Every value from R up to 2^b − 1 fits the bit width but is not an element; try R and 2^b − 1
    // at the first, a middle and the last index.
    let largest = UInt64.max >> UInt64(64 - bitWidth)
    for bad in [modulus.maximumElement + 1, largest] {
      for index in [0, 17, count - 1] {
        var elements = [UInt64](repeating: modulus.maximumElement, count: count)
        elements[index] = bad
        if index != count - 1 { elements[count - 1] = bad }  // a later bad element too
        let packed = Self.referencePack(elements, bitWidth: bitWidth)
        #expect(throws: SecureAggregationError.elementOutOfRange(index: index, modulus: modulus)) {
          try ModularVector(packedBytes: packed, count: count, modulus: modulus)
        }
      }
    }
  }
}
