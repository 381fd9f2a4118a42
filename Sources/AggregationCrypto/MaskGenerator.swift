internal import CSodium

/// Expands a 256-bit key into a pseudorandom mask: a stream of uniform elements of Z_R.
///
/// The keystream is IETF ChaCha20 (RFC 8439) under the generator's key with an all-zero nonce;
/// every key is used for one mask only, because callers derive it per (session, purpose, pair)
/// with ``init(seed:context:modulus:)``.
///
/// Element *k* always sits at the same keystream offset, so any slice can be regenerated alone
/// (a shard of a long vector, or a server that unmasks in parts), and no branch depends on
/// keystream values:
/// - R = 2^b takes ⌈b/8⌉ little-endian keystream bytes per element, masked to b bits — exactly
///   uniform.
/// - Any other R takes 16 keystream bytes per element, read as a 128-bit integer x, and maps it to
///   ⌊x·R / 2^128⌋. Like x mod R, every residue is hit ⌊2^128/R⌋ or ⌈2^128/R⌉ times, so the
///   distance from uniform is at most R/2^129 ≤ 2^-65; unlike x mod R it needs no division, so it
///   runs in constant time.
///
/// Keystream is produced in 4 KiB chunks on the stack, wiped after use, and written straight into
/// (or added into, or subtracted from) the caller's buffer; nothing is allocated per element.
public struct MaskGenerator: Sendable {
  /// How the mask combines with the caller's buffer.
  public enum Operation: Sendable, Hashable {
    /// The buffer receives the mask elements.
    case overwrite
    /// Each buffer element becomes (element + mask) mod R.
    case add
    /// Each buffer element becomes (element − mask) mod R.
    case subtract
  }

  /// The ring the mask elements lie in.
  public let modulus: Modulus
  private let key: SymmetricKey
  private static let nonce = [UInt8](repeating: 0, count: ChaCha20.nonceByteCount)
  private static let targetChunkByteCount = 4096

  /// A generator for the mask under `key`.
  ///
  /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` unless
  ///   the key has 32 bytes.
  public init(key: SymmetricKey, modulus: Modulus) throws(AggregationCryptoError) {
    guard key.byteCount == ChaCha20.keyByteCount else {
      throw .invalidByteCount(
        parameter: "mask key", expected: ChaCha20.keyByteCount, actual: key.byteCount)
    }
    self.key = key
    self.modulus = modulus
  }

  /// A generator whose key is derived from `seed` with HKDF-SHA256 for `context`, which should
  /// name the session, the purpose (self mask or pairwise mask) and the pair of parties. The
  /// modulus is appended to the context, so one seed never yields overlapping keystreams for two
  /// moduli.
  public init(seed: SecureBytes, context: KeyDerivationContext, modulus: Modulus)
    throws(AggregationCryptoError)
  {
    let bound = KeyDerivationContext(
      purpose: context.purpose, fields: context.fields + [Array("modulus \(modulus)".utf8)])
    try self.init(key: SymmetricKey(derivedFrom: seed, context: bound), modulus: modulus)
  }

  /// Keystream bytes consumed per element: ⌈b/8⌉ for R = 2^b, else 16.
  public var keystreamBytesPerElement: Int {
    guard let exponent = modulus.powerOfTwoExponent else { return 16 }
    return (exponent + 7) / 8
  }

  /// The number of elements one key can produce: 2^32 ChaCha20 blocks of 64 bytes.
  public var maximumElementCount: Int {
    ChaCha20.maximumBlockCount * ChaCha20.blockByteCount / keystreamBytesPerElement
  }

  /// Combines mask elements `elementOffset ..< elementOffset + buffer.count` into `buffer`.
  ///
  /// For ``Operation/add`` and ``Operation/subtract``, the buffer's elements must already lie in
  /// `0..<R`.
  ///
  /// - Throws: ``AggregationCryptoError/negativeCount(parameter:value:)`` for a negative offset,
  ///   and ``AggregationCryptoError/keystreamExhausted(elementOffset:elementCount:maximumElements:)``
  ///   past ``maximumElementCount``.
  public func apply(
    _ operation: Operation, to buffer: UnsafeMutableBufferPointer<UInt64>,
    startingAtElement elementOffset: Int = 0
  ) throws(AggregationCryptoError) {
    try combine(operation, into: buffer, elementOffset: elementOffset)
  }

  /// Combines mask elements into a buffer of 32-bit elements (for moduli of at most 32 bits).
  ///
  /// - Throws: ``AggregationCryptoError/elementTypeTooNarrow(modulusBits:elementBits:)`` when
  ///   the modulus needs more than 32 bits, and the errors of the `UInt64` variant.
  public func apply(
    _ operation: Operation, to buffer: UnsafeMutableBufferPointer<UInt32>,
    startingAtElement elementOffset: Int = 0
  ) throws(AggregationCryptoError) {
    try combine(operation, into: buffer, elementOffset: elementOffset)
  }

  /// Combines mask elements into a buffer of 16-bit elements (for moduli of at most 16 bits).
  ///
  /// - Throws: ``AggregationCryptoError/elementTypeTooNarrow(modulusBits:elementBits:)`` when
  ///   the modulus needs more than 16 bits, and the errors of the `UInt64` variant.
  public func apply(
    _ operation: Operation, to buffer: UnsafeMutableBufferPointer<UInt16>,
    startingAtElement elementOffset: Int = 0
  ) throws(AggregationCryptoError) {
    try combine(operation, into: buffer, elementOffset: elementOffset)
  }

  /// Combines mask elements into a buffer of 8-bit elements (for moduli of at most 8 bits).
  ///
  /// - Throws: ``AggregationCryptoError/elementTypeTooNarrow(modulusBits:elementBits:)`` when
  ///   the modulus needs more than 8 bits, and the errors of the `UInt64` variant.
  public func apply(
    _ operation: Operation, to buffer: UnsafeMutableBufferPointer<UInt8>,
    startingAtElement elementOffset: Int = 0
  ) throws(AggregationCryptoError) {
    try combine(operation, into: buffer, elementOffset: elementOffset)
  }

  /// Combines mask elements `elementOffset ..< elementOffset + array.count` into `array`.
  public func apply(
    _ operation: Operation, to array: inout [UInt64], startingAtElement elementOffset: Int = 0
  ) throws(AggregationCryptoError) {
    try array.withUnsafeMutableBufferPointer { (buffer) throws(AggregationCryptoError) in
      try combine(operation, into: buffer, elementOffset: elementOffset)
    }
  }

  /// The mask elements in `range`, in an ordinary (unwiped) array: for tests and simulations.
  package func elements(_ range: Range<Int>) throws(AggregationCryptoError) -> [UInt64] {
    guard range.lowerBound >= 0 else {
      throw .negativeCount(parameter: "range.lowerBound", value: range.lowerBound)
    }
    guard range.upperBound <= maximumElementCount else {
      throw .keystreamExhausted(
        elementOffset: range.lowerBound, elementCount: range.upperBound - range.lowerBound,
        maximumElements: maximumElementCount)
    }
    var result = [UInt64](repeating: 0, count: range.count)
    try apply(.overwrite, to: &result, startingAtElement: range.lowerBound)
    return result
  }

  // MARK: - Implementation

  private var chunkByteCount: Int {
    // A multiple of the block size and of the element width, near the 4 KiB target.
    let width = keystreamBytesPerElement
    let unit = ChaCha20.blockByteCount * width / gcd(ChaCha20.blockByteCount, width)
    return unit * Swift.max(1, Self.targetChunkByteCount / unit)
  }

  private func combine<Element: FixedWidthInteger & UnsignedInteger>(
    _ operation: Operation, into buffer: UnsafeMutableBufferPointer<Element>, elementOffset: Int
  ) throws(AggregationCryptoError) {
    guard elementOffset >= 0 else {
      throw .negativeCount(parameter: "elementOffset", value: elementOffset)
    }
    guard Element.bitWidth >= modulus.elementBitWidth else {
      throw .elementTypeTooNarrow(
        modulusBits: modulus.elementBitWidth, elementBits: Element.bitWidth)
    }
    let (end, overflow) = elementOffset.addingReportingOverflow(buffer.count)
    guard !overflow, end <= maximumElementCount else {
      throw .keystreamExhausted(
        elementOffset: elementOffset, elementCount: buffer.count,
        maximumElements: maximumElementCount)
    }
    guard let output = buffer.baseAddress, buffer.count > 0 else { return }
    Sodium.initialize()
    let width = keystreamBytesPerElement
    let chunkBytes = chunkByteCount
    let elementsPerChunk = chunkBytes / width
    withUnsafeTemporaryAllocation(
      byteCount: chunkBytes + ChaCha20.blockByteCount, alignment: 64
    ) { scratch in
      guard let scratchBase = scratch.baseAddress else { return }
      defer { sodium_memzero(scratchBase, scratch.count) }
      key.withUnsafeBytes { keyBytes in
        Self.nonce.withUnsafeBytes { nonceBytes in
          var done = 0
          while done < buffer.count {
            let count = Swift.min(elementsPerChunk, buffer.count - done)
            let byteOffset = (elementOffset + done) * width
            let skip = byteOffset % ChaCha20.blockByteCount
            let region = UnsafeMutableRawBufferPointer(
              start: scratchBase, count: skip + count * width)
            region.initializeMemory(as: UInt8.self, repeating: 0)
            ChaCha20.xorKeystreamUnchecked(
              into: region, key: keyBytes, nonce: nonceBytes,
              initialCounter: UInt32(truncatingIfNeeded: byteOffset / ChaCha20.blockByteCount))
            combineChunk(
              operation, into: output + done, count: count,
              keystream: UnsafeRawPointer(scratchBase + skip))
            done += count
          }
        }
      }
    }
  }

  @inline(__always)
  private func combineChunk<Element: FixedWidthInteger & UnsignedInteger>(
    _ operation: Operation, into output: UnsafeMutablePointer<Element>, count: Int,
    keystream: UnsafeRawPointer
  ) {
    let mask = modulus.maximumElement
    guard modulus.isPowerOfTwo else {
      let modulusValue = modulus.rawValue
      store(operation, into: output, count: count) { index in
        let low = UInt64(
          littleEndian: keystream.loadUnaligned(fromByteOffset: index &* 16, as: UInt64.self))
        let high = UInt64(
          littleEndian: keystream.loadUnaligned(fromByteOffset: index &* 16 &+ 8, as: UInt64.self))
        // ⌊(high·2^64 + low)·R / 2^128⌋ from two 64×64→128 products.
        let lowProduct = low.multipliedFullWidth(by: modulusValue)
        let highProduct = high.multipliedFullWidth(by: modulusValue)
        let carry = highProduct.low.addingReportingOverflow(lowProduct.high).overflow
        return highProduct.high &+ UInt64(unsafeBitCast(carry, to: UInt8.self))
      }
      return
    }
    switch keystreamBytesPerElement {
    case 1:
      store(operation, into: output, count: count) { index in
        UInt64(keystream.load(fromByteOffset: index, as: UInt8.self)) & mask
      }
    case 2:
      store(operation, into: output, count: count) { index in
        UInt64(
          UInt16(
            littleEndian: keystream.loadUnaligned(fromByteOffset: index &* 2, as: UInt16.self)))
          & mask
      }
    case 4:
      store(operation, into: output, count: count) { index in
        UInt64(
          UInt32(
            littleEndian: keystream.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self)))
          & mask
      }
    case 8:
      store(operation, into: output, count: count) { index in
        UInt64(littleEndian: keystream.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
          & mask
      }
    default:
      let width = keystreamBytesPerElement
      store(operation, into: output, count: count) { index in
        var value: UInt64 = 0
        for byte in 0..<width {
          let part = keystream.load(fromByteOffset: index &* width &+ byte, as: UInt8.self)
          value |= UInt64(part) << (8 &* UInt64(byte))
        }
        return value & mask
      }
    }
  }

  @inline(__always)
  private func store<Element: FixedWidthInteger & UnsignedInteger>(
    _ operation: Operation, into output: UnsafeMutablePointer<Element>, count: Int,
    element: (Int) -> UInt64
  ) {
    let modulus = modulus
    if modulus.isPowerOfTwo {
      // Element is at least b bits wide, so wrapping in its own width and masking to b bits is
      // reduction mod 2^b; staying in the element's width lets the loop use full SIMD lanes.
      let mask = Element(truncatingIfNeeded: modulus.maximumElement)
      switch operation {
      case .overwrite:
        for index in 0..<count { output[index] = Element(truncatingIfNeeded: element(index)) }
      case .add:
        for index in 0..<count {
          output[index] = (output[index] &+ Element(truncatingIfNeeded: element(index))) & mask
        }
      case .subtract:
        for index in 0..<count {
          output[index] = (output[index] &- Element(truncatingIfNeeded: element(index))) & mask
        }
      }
      return
    }
    switch operation {
    case .overwrite:
      for index in 0..<count { output[index] = Element(truncatingIfNeeded: element(index)) }
    case .add:
      for index in 0..<count {
        let sum = modulus.add(UInt64(truncatingIfNeeded: output[index]), element(index))
        output[index] = Element(truncatingIfNeeded: sum)
      }
    case .subtract:
      for index in 0..<count {
        let difference = modulus.subtract(UInt64(truncatingIfNeeded: output[index]), element(index))
        output[index] = Element(truncatingIfNeeded: difference)
      }
    }
  }
}

private func gcd(_ first: Int, _ second: Int) -> Int {
  var (a, b) = (first, second)
  while b != 0 { (a, b) = (b, a % b) }
  return a
}
