// The wire format of a vector: b = ⌈log2 R⌉ bits per element, element 0 in the lowest bits of
// byte 0, element i in bits i·b ..< (i+1)·b of the little-endian bit stream, ⌈count·b / 8⌉ bytes
// in all, padding bits zero. For b ∈ {8, 16, 32, 64} that is the elements' little-endian bytes.

extension ModularVector {
  /// The length in bytes of `count` packed elements of `modulus`: ⌈count·b / 8⌉ for
  /// b = ``Modulus/elementBitWidth``, or `nil` when `count` is negative or count·b overflows
  /// `Int`.
  ///
  /// Decoders call it to check a message's length before they allocate anything.
  public static func packedByteCount(count: Int, modulus: Modulus) -> Int? {
    guard count >= 0 else { return nil }
    let (bitCount, overflow) = count.multipliedReportingOverflow(by: modulus.elementBitWidth)
    guard !overflow else { return nil }
    return bitCount / 8 + (bitCount % 8 == 0 ? 0 : 1)
  }

  /// The elements packed at b = ``Modulus/elementBitWidth`` bits each, little-endian: element 0
  /// in the lowest bits of byte 0, ⌈count·b / 8⌉ bytes in all, the padding bits of the last byte
  /// zero.
  ///
  /// ``init(packedBytes:count:modulus:)`` reads them back.
  public func packedBytes() -> [UInt8] {
    let bitWidth = modulus.elementBitWidth
    switch storage {
    case .bits8(let elements): return BitPacking.pack(elements, bitWidth: bitWidth)
    case .bits16(let elements): return BitPacking.pack(elements, bitWidth: bitWidth)
    case .bits32(let elements): return BitPacking.pack(elements, bitWidth: bitWidth)
    case .bits64(let elements): return BitPacking.pack(elements, bitWidth: bitWidth)
    }
  }

  /// The vector of `count` elements that ``packedBytes()`` wrote into `bytes`.
  ///
  /// Every part of the input is checked, so `bytes` and `count` may come from an adversary: the
  /// length must be exactly ``packedByteCount(count:modulus:)``, the padding bits zero, and
  /// (when R is not a power of two) every element below R. Nothing is allocated before the length
  /// has been checked.
  ///
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` for a negative
  ///   `count` or one whose bit length overflows `Int`,
  ///   ``SecureAggregationError/packedByteCountMismatch(expected:actual:)``,
  ///   ``SecureAggregationError/nonzeroPaddingBits``, and
  ///   ``SecureAggregationError/elementOutOfRange(index:modulus:)`` for the first element not
  ///   below R.
  public init(
    packedBytes bytes: [UInt8], count: Int, modulus: Modulus
  ) throws(SecureAggregationError) {
    let result = bytes.withUnsafeBytes { raw in
      Result { () throws(SecureAggregationError) in
        try ModularVector(packedRawBytes: raw, count: count, modulus: modulus)
      }
    }
    self = try result.get()
  }

  /// ``init(packedBytes:count:modulus:)`` over bytes that stay where they are (a received
  /// message's buffer, say): no copy of them is made before unpacking.
  init(
    packedRawBytes bytes: UnsafeRawBufferPointer, count: Int, modulus: Modulus
  ) throws(SecureAggregationError) {
    let bitWidth = modulus.elementBitWidth
    guard count >= 0 else {
      throw .invalidParameter(
        name: "count", value: "\(count)", expected: "a nonnegative number of elements")
    }
    guard let byteCount = Self.packedByteCount(count: count, modulus: modulus) else {
      throw .invalidParameter(
        name: "count", value: "\(count)",
        expected: "at most \(Int.max / bitWidth) elements of \(bitWidth) bits")
    }
    guard bytes.count == byteCount else {
      throw .packedByteCountMismatch(expected: byteCount, actual: bytes.count)
    }
    let usedBitsOfLastByte = (count &* bitWidth) % 8
    if usedBitsOfLastByte != 0, bytes[byteCount - 1] >> usedBitsOfLastByte != 0 {
      throw .nonzeroPaddingBits
    }
    let storage: Storage
    switch Self.storageBitWidth(for: modulus) {
    case 8: storage = try BitPacking.unpack(UInt8.self, bytes, count: count, modulus: modulus)
    case 16: storage = try BitPacking.unpack(UInt16.self, bytes, count: count, modulus: modulus)
    case 32: storage = try BitPacking.unpack(UInt32.self, bytes, count: count, modulus: modulus)
    default: storage = try BitPacking.unpack(UInt64.self, bytes, count: count, modulus: modulus)
    }
    self.init(modulus: modulus, storage: storage)
  }
}

/// The packing loops behind ``ModularVector/packedBytes()`` and
/// ``ModularVector/init(packedBytes:count:modulus:)``, generic over the storage type.
enum BitPacking {
  /// `elements` (each below 2^`bitWidth`) packed at `bitWidth` bits each.
  static func pack<Element: FixedWidthInteger & UnsignedInteger>(
    _ elements: [Element], bitWidth: Int
  ) -> [UInt8] {
    elements.withUnsafeBufferPointer { buffer in
      bitWidth == Element.bitWidth
        ? packWholeBytes(buffer) : packBitStream(buffer, bitWidth: bitWidth)
    }
  }

  /// The elements' little-endian bytes: the packing when b is the storage width.
  static func packWholeBytes<Element: FixedWidthInteger & UnsignedInteger>(
    _ elements: UnsafeBufferPointer<Element>
  ) -> [UInt8] {
    let byteCount = elements.count * MemoryLayout<Element>.size
    return [UInt8](unsafeUninitializedCapacity: byteCount) { output, initializedCount in
      if let base = output.baseAddress, byteCount > 0 {
        let raw = UnsafeMutableRawPointer(base)
        for index in elements.indices {
          raw.storeBytes(
            of: elements[index].littleEndian, toByteOffset: index &* MemoryLayout<Element>.size,
            as: Element.self)
        }
      }
      initializedCount = byteCount
    }
  }

  /// `elements` (each below 2^`bitWidth`, 1 ≤ `bitWidth` ≤ 64) packed through a 64-bit
  /// accumulator that is stored one little-endian word at a time: the packing for every b that
  /// is not the storage width.
  static func packBitStream<Element: FixedWidthInteger & UnsignedInteger>(
    _ elements: UnsafeBufferPointer<Element>, bitWidth: Int
  ) -> [UInt8] {
    let bitCount = elements.count * bitWidth
    let byteCount = bitCount / 8 + (bitCount % 8 == 0 ? 0 : 1)
    // Whole words are stored, so reserve up to the next multiple of 8 bytes; only byteCount of
    // them become the array's elements.
    let wordCount = byteCount / 8 + (byteCount % 8 == 0 ? 0 : 1)
    return [UInt8](unsafeUninitializedCapacity: wordCount * 8) { output, initializedCount in
      initializedCount = 0
      guard let base = output.baseAddress, byteCount > 0 else { return }
      let raw = UnsafeMutableRawPointer(base)
      let width = UInt64(bitWidth)
      var accumulator: UInt64 = 0
      var filled: UInt64 = 0  // bits of `accumulator` in use, 0..<64
      var byteOffset = 0
      for element in elements {
        let value = UInt64(truncatingIfNeeded: element)
        accumulator |= value &<< filled
        filled &+= width
        if filled >= 64 {
          raw.storeBytes(of: accumulator.littleEndian, toByteOffset: byteOffset, as: UInt64.self)
          byteOffset &+= 8
          filled &-= 64
          // The `filled` high bits of value did not fit: value >> (b − filled), which is 0 when
          // filled = 0. Split as (value >> 1) >> (b − filled − 1) to keep each shift below 64.
          accumulator = (value &>> 1) &>> (width &- filled &- 1)
        }
      }
      if filled > 0 {
        raw.storeBytes(of: accumulator.littleEndian, toByteOffset: byteOffset, as: UInt64.self)
      }
      initializedCount = byteCount
    }
  }

  /// The storage of `count` elements packed in `bytes`, whose length and padding bits the caller
  /// has checked.
  ///
  /// - Throws: ``SecureAggregationError/elementOutOfRange(index:modulus:)`` for the first element
  ///   not below R.
  static func unpack<Element: ModularVectorElement>(
    _ type: Element.Type, _ raw: UnsafeRawBufferPointer, count: Int, modulus: Modulus
  ) throws(SecureAggregationError) -> ModularVector.Storage {
    let bitWidth = modulus.elementBitWidth
    let elements: [Element]
    if bitWidth == Element.bitWidth {
      elements = unpackWholeBytes(Element.self, raw, count: count)
    } else if bitWidth <= unalignedLoadMaximumBitWidth {
      elements = unpackUnalignedLoads(Element.self, raw, count: count, bitWidth: bitWidth)
    } else {
      elements = unpackBitStream(Element.self, raw, count: count, bitWidth: bitWidth)
    }
    // Elements of b bits are below R = 2^b; any other R needs a look at each of them.
    if !modulus.isPowerOfTwo,
      let index = firstIndex(
        in: elements, above: Element(truncatingIfNeeded: modulus.maximumElement))
    {
      throw .elementOutOfRange(index: index, modulus: modulus)
    }
    return Element.storage(elements)
  }

  /// `count` elements read as little-endian `Element`s from `bytes` (`count` of them fit).
  static func unpackWholeBytes<Element: FixedWidthInteger & UnsignedInteger>(
    _ type: Element.Type, _ bytes: UnsafeRawBufferPointer, count: Int
  ) -> [Element] {
    [Element](unsafeUninitializedCapacity: count) { output, initializedCount in
      for index in 0..<count {
        let value = bytes.loadUnaligned(
          fromByteOffset: index &* MemoryLayout<Element>.size, as: Element.self)
        (output.baseAddress.unsafelyUnwrapped + index).initialize(to: Element(littleEndian: value))
      }
      initializedCount = count
    }
  }

  /// The widest element ``unpackUnalignedLoads(_:_:count:bitWidth:)`` reads: an element starts at
  /// most 7 bits into a byte, so one 64-bit load holds it whole when b ≤ 57.
  static let unalignedLoadMaximumBitWidth = 57

  /// `count` elements of `bitWidth` bits (1 ≤ `bitWidth` ≤ 57) read from the little-endian bit
  /// stream `bytes`, each with one unaligned 64-bit load at the byte where it starts; `bytes`
  /// holds at least `count · bitWidth` bits.
  ///
  /// The elements are independent of one another (no accumulator carries from one to the next),
  /// so the loop has no data-dependent branch and keeps several loads in flight. The last few
  /// elements, whose 8-byte window would run past the end, are assembled byte by byte.
  static func unpackUnalignedLoads<Element: FixedWidthInteger & UnsignedInteger>(
    _ type: Element.Type, _ bytes: UnsafeRawBufferPointer, count: Int, bitWidth: Int
  ) -> [Element] {
    let valueMask = UInt64.max &>> UInt64(64 &- bitWidth)
    // Element i may use a full load when its start byte ⌊i·b / 8⌋ ≤ bytes.count − 8, that is
    // when i·b ≤ 8·(bytes.count − 8) + 7; that bound is below count·b, so it does not overflow.
    let fullLoadCount =
      bytes.count < 8 ? 0 : Swift.min(count, (8 &* (bytes.count &- 8) &+ 7) / bitWidth &+ 1)
    return [Element](unsafeUninitializedCapacity: count) { output, initializedCount in
      guard let base = bytes.baseAddress, count > 0 else {
        initializedCount = 0
        return
      }
      let target = output.baseAddress.unsafelyUnwrapped
      for index in 0..<fullLoadCount {
        let bitOffset = index &* bitWidth
        let window = UInt64(
          littleEndian: base.loadUnaligned(fromByteOffset: bitOffset &>> 3, as: UInt64.self))
        let value = (window &>> UInt64(bitOffset & 7)) & valueMask
        (target + index).initialize(to: Element(truncatingIfNeeded: value))
      }
      for index in fullLoadCount..<count {
        let bitOffset = index &* bitWidth
        let start = bitOffset &>> 3
        var window: UInt64 = 0
        for byte in start..<Swift.min(start &+ 8, bytes.count) {
          window |= UInt64(bytes[byte]) &<< UInt64(8 &* (byte &- start))
        }
        let value = (window &>> UInt64(bitOffset & 7)) & valueMask
        (target + index).initialize(to: Element(truncatingIfNeeded: value))
      }
      initializedCount = count
    }
  }

  /// `count` elements of `bitWidth` bits (1 ≤ `bitWidth` ≤ 64) read from the little-endian bit
  /// stream `bytes` through a 64-bit accumulator refilled one word at a time; `bytes` holds at
  /// least `count · bitWidth` bits. The decoder for 57 < b < 64, where an element may span nine
  /// bytes.
  static func unpackBitStream<Element: FixedWidthInteger & UnsignedInteger>(
    _ type: Element.Type, _ bytes: UnsafeRawBufferPointer, count: Int, bitWidth: Int
  ) -> [Element] {
    let wholeWords = bytes.count / 8
    /// Word `index` of the stream; the last, partial word is zero-extended.
    @inline(__always)
    func word(_ index: Int) -> UInt64 {
      if index < wholeWords {
        return UInt64(
          littleEndian: bytes.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
      }
      var value: UInt64 = 0
      for byte in (index &* 8)..<bytes.count {
        value |= UInt64(bytes[byte]) &<< UInt64(8 &* (byte &- index &* 8))
      }
      return value
    }
    let width = UInt64(bitWidth)
    let valueMask = UInt64.max &>> (64 &- width)
    return [Element](unsafeUninitializedCapacity: count) { output, initializedCount in
      var accumulator: UInt64 = 0
      var available: UInt64 = 0  // unread bits of `accumulator`, 0...64; higher bits are zero
      var nextWord = 0
      for index in 0..<count {
        let value: UInt64
        if available >= width {
          value = accumulator & valueMask
          // accumulator >> b, split to keep each shift below 64 (b may be 64).
          accumulator = (accumulator &>> 1) &>> (width &- 1)
          available &-= width
        } else {
          let next = word(nextWord)
          nextWord &+= 1
          value = (accumulator | next &<< available) & valueMask
          let taken = width &- available  // 1...64 bits of `next`
          accumulator = (next &>> 1) &>> (taken &- 1)
          available = 64 &- taken
        }
        (output.baseAddress.unsafelyUnwrapped + index).initialize(
          to: Element(truncatingIfNeeded: value))
      }
      initializedCount = count
    }
  }

  /// The index of the first element above `maximum`, if any.
  static func firstIndex<Element: FixedWidthInteger & UnsignedInteger>(
    in elements: [Element], above maximum: Element
  ) -> Int? {
    elements.withUnsafeBufferPointer { buffer in
      // A maximum reduction vectorizes; only hostile input pays for the second pass.
      var largest: Element = 0
      for element in buffer { largest = Swift.max(largest, element) }
      guard largest > maximum else { return nil }
      return buffer.firstIndex { $0 > maximum }
    }
  }
}
