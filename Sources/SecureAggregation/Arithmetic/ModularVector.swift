/// A vector of elements of Z_R: what a client masks and what the server sums.
///
/// Elements are held in the narrowest unsigned type that fits ⌈log2 R⌉ bits — `UInt8`, `UInt16`,
/// `UInt32` or `UInt64` — so a 16-bit vector of a million elements takes 2 MB, and the element-wise
/// loops run over as many SIMD lanes as the width allows. Every element always lies in `0..<R`.
///
/// Arithmetic is element-wise mod R and in place, without a branch on element values: for R = 2^b
/// (the fast, common case) it wraps in the storage width and masks to b bits; for any other R it
/// adds or subtracts R under a mask. ``applyMask(_:_:startingAtElement:)`` adds, subtracts or
/// writes the elements of a ``MaskGenerator`` straight into the storage.
///
/// ``packedBytes()`` and ``init(packedBytes:count:modulus:)`` are the wire format: b bits per
/// element, with no per-element padding.
///
/// ```swift
/// let modulus = try Modulus(bitWidth: 20)
/// var sum = ModularVector(zeroCount: 3, modulus: modulus)
/// try sum.add(ModularVector([1, 2, 3], modulus: modulus))
/// try sum.subtract(ModularVector([2, 2, 2], modulus: modulus))
/// sum.elements  // [1_048_575, 0, 1]
/// ```
public struct ModularVector: Sendable, Equatable {
  /// The elements, in the unsigned type that ``storageBitWidth(for:)`` picks for the modulus.
  enum Storage: Sendable, Equatable {
    case bits8([UInt8])
    case bits16([UInt16])
    case bits32([UInt32])
    case bits64([UInt64])
  }

  /// The ring Z_R the elements lie in.
  public let modulus: Modulus
  /// The elements; the case always matches ``storageBitWidth(for:)`` of ``modulus``.
  var storage: Storage

  /// The number of elements.
  public var count: Int {
    switch storage {
    case .bits8(let elements): return elements.count
    case .bits16(let elements): return elements.count
    case .bits32(let elements): return elements.count
    case .bits64(let elements): return elements.count
    }
  }

  /// The width in bits of the type elements are stored in: the smallest of 8, 16, 32 and 64 that
  /// is at least ``Modulus/elementBitWidth``.
  static func storageBitWidth(for modulus: Modulus) -> Int {
    switch modulus.elementBitWidth {
    case ...8: return 8
    case ...16: return 16
    case ...32: return 32
    default: return 64
    }
  }

  /// The width in bits of the type this vector stores its elements in.
  var storageBitWidth: Int { Self.storageBitWidth(for: modulus) }

  /// Wraps `storage`, whose case must match `modulus` and whose elements must lie in `0..<R`.
  init(modulus: Modulus, storage: Storage) {
    self.modulus = modulus
    self.storage = storage
  }

  /// A vector of `count` zeros.
  ///
  /// - Precondition: `count >= 0`.
  public init(zeroCount count: Int, modulus: Modulus) {
    precondition(count >= 0, "a vector cannot have a negative count")
    self.modulus = modulus
    switch Self.storageBitWidth(for: modulus) {
    case 8: storage = .bits8(Array(repeating: 0, count: count))
    case 16: storage = .bits16(Array(repeating: 0, count: count))
    case 32: storage = .bits32(Array(repeating: 0, count: count))
    default: storage = .bits64(Array(repeating: 0, count: count))
    }
  }

  /// The vector of `elements`, each of which must lie in `0..<R`.
  ///
  /// - Throws: ``SecureAggregationError/elementOutOfRange(index:modulus:)`` with the index of the
  ///   first element that is not below R.
  public init(_ elements: [UInt64], modulus: Modulus) throws(SecureAggregationError) {
    if let index = elements.firstIndex(where: { !modulus.contains($0) }) {
      throw .elementOutOfRange(index: index, modulus: modulus)
    }
    self.modulus = modulus
    switch Self.storageBitWidth(for: modulus) {
    case 8: storage = .bits8(elements.map { UInt8(truncatingIfNeeded: $0) })
    case 16: storage = .bits16(elements.map { UInt16(truncatingIfNeeded: $0) })
    case 32: storage = .bits32(elements.map { UInt32(truncatingIfNeeded: $0) })
    default: storage = .bits64(elements)
    }
  }

  /// The element at `index`, for local inspection; it is not meant for indices read off the wire.
  ///
  /// - Precondition: `0 <= index < count`; any other index traps.
  public subscript(index: Int) -> UInt64 {
    switch storage {
    case .bits8(let elements): return UInt64(elements[index])
    case .bits16(let elements): return UInt64(elements[index])
    case .bits32(let elements): return UInt64(elements[index])
    case .bits64(let elements): return elements[index]
    }
  }

  /// The elements as `UInt64` values in `0..<R` (a copy, widened from the storage type).
  public var elements: [UInt64] {
    switch storage {
    case .bits8(let elements): return elements.map(UInt64.init)
    case .bits16(let elements): return elements.map(UInt64.init)
    case .bits32(let elements): return elements.map(UInt64.init)
    case .bits64(let elements): return elements
    }
  }

  // MARK: - Arithmetic

  /// Adds `other` element-wise, mod R.
  ///
  /// - Throws: ``SecureAggregationError/modulusMismatch(expected:actual:)`` or
  ///   ``SecureAggregationError/countMismatch(expected:actual:)``; the vector is then unchanged.
  public mutating func add(_ other: ModularVector) throws(SecureAggregationError) {
    try combine(other, subtracting: false)
  }

  /// Subtracts `other` element-wise, mod R.
  ///
  /// - Throws: ``SecureAggregationError/modulusMismatch(expected:actual:)`` or
  ///   ``SecureAggregationError/countMismatch(expected:actual:)``; the vector is then unchanged.
  public mutating func subtract(_ other: ModularVector) throws(SecureAggregationError) {
    try combine(other, subtracting: true)
  }

  private mutating func combine(
    _ other: ModularVector, subtracting: Bool
  ) throws(SecureAggregationError) {
    guard other.modulus == modulus else {
      throw .modulusMismatch(expected: modulus, actual: other.modulus)
    }
    guard other.count == count else {
      throw .countMismatch(expected: count, actual: other.count)
    }
    let modulus = modulus
    switch takeStorage() {
    case .bits8(var elements):
      ModularArithmetic.combine(&elements, UInt8.elements(of: other.storage), modulus, subtracting)
      storage = .bits8(elements)
    case .bits16(var elements):
      ModularArithmetic.combine(&elements, UInt16.elements(of: other.storage), modulus, subtracting)
      storage = .bits16(elements)
    case .bits32(var elements):
      ModularArithmetic.combine(&elements, UInt32.elements(of: other.storage), modulus, subtracting)
      storage = .bits32(elements)
    case .bits64(var elements):
      ModularArithmetic.combine(&elements, UInt64.elements(of: other.storage), modulus, subtracting)
      storage = .bits64(elements)
    }
  }

  /// The storage, leaving an empty array in its place so that the returned array is uniquely
  /// referenced and can be mutated in place without a copy. Callers put it back.
  mutating func takeStorage() -> Storage {
    let taken = storage
    storage = .bits8([])
    return taken
  }

  // MARK: - Masking

  /// Combines mask elements `elementOffset ..< elementOffset + count` of `generator` into the
  /// vector: element *i* meets mask element `elementOffset + i`.
  ///
  /// The mask is written straight into the storage through the ``MaskGenerator`` overload for its
  /// type; nothing is allocated per element.
  ///
  /// - Throws: ``SecureAggregationError/modulusMismatch(expected:actual:)`` unless the generator's
  ///   modulus is the vector's, and ``SecureAggregationError/maskGeneration(_:)`` for a negative
  ///   offset or a range past the generator's keystream; the vector is then unchanged.
  public mutating func applyMask(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation,
    startingAtElement elementOffset: Int = 0
  ) throws(SecureAggregationError) {
    try applyMask(generator, operation, to: 0..<count, maskOffset: elementOffset)
  }

  /// Combines mask elements `range` of `generator` into the elements at the same indices, leaving
  /// the others alone.
  ///
  /// Applying every mask to one chunk of the vector before moving to the next keeps the chunk in
  /// cache while a server removes many masks; covering `0..<count` in any number of chunks gives
  /// the same vector as ``applyMask(_:_:startingAtElement:)``.
  ///
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` unless `range`
  ///   lies within `0..<count`, and the errors of ``applyMask(_:_:startingAtElement:)``; the
  ///   vector is then unchanged.
  public mutating func applyMask(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation, elements range: Range<Int>
  ) throws(SecureAggregationError) {
    guard range.lowerBound >= 0, range.upperBound <= count else {
      throw .invalidParameter(
        name: "elements", value: "\(range)", expected: "a range within 0..<\(count)")
    }
    try applyMask(generator, operation, to: range, maskOffset: range.lowerBound)
  }

  private mutating func applyMask(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation, to range: Range<Int>,
    maskOffset: Int
  ) throws(SecureAggregationError) {
    guard generator.modulus == modulus else {
      throw .modulusMismatch(expected: modulus, actual: generator.modulus)
    }
    // MaskGenerator validates before it writes, so a thrown error leaves the elements unchanged.
    switch takeStorage() {
    case .bits8(var elements):
      defer { storage = .bits8(elements) }
      try Self.withSlice(&elements, range) { (slice) throws(AggregationCryptoError) in
        try generator.apply(operation, to: slice, startingAtElement: maskOffset)
      }
    case .bits16(var elements):
      defer { storage = .bits16(elements) }
      try Self.withSlice(&elements, range) { (slice) throws(AggregationCryptoError) in
        try generator.apply(operation, to: slice, startingAtElement: maskOffset)
      }
    case .bits32(var elements):
      defer { storage = .bits32(elements) }
      try Self.withSlice(&elements, range) { (slice) throws(AggregationCryptoError) in
        try generator.apply(operation, to: slice, startingAtElement: maskOffset)
      }
    case .bits64(var elements):
      defer { storage = .bits64(elements) }
      try Self.withSlice(&elements, range) { (slice) throws(AggregationCryptoError) in
        try generator.apply(operation, to: slice, startingAtElement: maskOffset)
      }
    }
  }

  /// Runs `body` on the elements in `range`, mapping its errors to
  /// ``SecureAggregationError/maskGeneration(_:)``.
  private static func withSlice<Element>(
    _ elements: inout [Element], _ range: Range<Int>,
    _ body: (UnsafeMutableBufferPointer<Element>) throws(AggregationCryptoError) -> Void
  ) throws(SecureAggregationError) {
    do throws(AggregationCryptoError) {
      try elements.withUnsafeMutableBufferPointer { (buffer) throws(AggregationCryptoError) in
        try body(UnsafeMutableBufferPointer(rebasing: buffer[range]))
      }
    } catch {
      throw .maskGeneration(error)
    }
  }
}

// MARK: - Storage element types

/// The unsigned integer types a ``ModularVector`` stores its elements in.
protocol ModularVectorElement: FixedWidthInteger, UnsignedInteger, Sendable {
  /// Storage holding `elements`.
  static func storage(_ elements: [Self]) -> ModularVector.Storage
  /// The elements of `storage`, which must hold this type (it does whenever the modulus picks it).
  static func elements(of storage: ModularVector.Storage) -> [Self]
}

extension UInt8: ModularVectorElement {
  static func storage(_ elements: [UInt8]) -> ModularVector.Storage { .bits8(elements) }
  static func elements(of storage: ModularVector.Storage) -> [UInt8] {
    guard case .bits8(let elements) = storage else { preconditionFailure("storage is not 8-bit") }
    return elements
  }
}

extension UInt16: ModularVectorElement {
  static func storage(_ elements: [UInt16]) -> ModularVector.Storage { .bits16(elements) }
  static func elements(of storage: ModularVector.Storage) -> [UInt16] {
    guard case .bits16(let elements) = storage else { preconditionFailure("storage is not 16-bit") }
    return elements
  }
}

extension UInt32: ModularVectorElement {
  static func storage(_ elements: [UInt32]) -> ModularVector.Storage { .bits32(elements) }
  static func elements(of storage: ModularVector.Storage) -> [UInt32] {
    guard case .bits32(let elements) = storage else { preconditionFailure("storage is not 32-bit") }
    return elements
  }
}

extension UInt64: ModularVectorElement {
  static func storage(_ elements: [UInt64]) -> ModularVector.Storage { .bits64(elements) }
  static func elements(of storage: ModularVector.Storage) -> [UInt64] {
    guard case .bits64(let elements) = storage else { preconditionFailure("storage is not 64-bit") }
    return elements
  }
}

// MARK: - Width-generic arithmetic

/// Element-wise arithmetic mod R on elements stored in any unsigned type `Element` that holds
/// R − 1, with no branch on element values.
enum ModularArithmetic {
  /// All ones when `condition` holds, else zero, without a branch.
  @inline(__always)
  static func mask<Element: FixedWidthInteger & UnsignedInteger>(_ condition: Bool) -> Element {
    0 &- Element(truncatingIfNeeded: unsafeBitCast(condition, to: UInt8.self))
  }

  /// (a + b) mod R for a, b in `0..<R`, where R = `modulus` fits in `Element`.
  @inline(__always)
  static func add<Element: FixedWidthInteger & UnsignedInteger>(
    _ lhs: Element, _ rhs: Element, modulus: Element
  ) -> Element {
    // a + b ≥ R exactly when a ≥ R − b (which lies in 1...R, so nothing overflows). The wrapping
    // sum a + b − R is then the reduced value even if a + b itself overflowed Element.
    let wraps: Element = mask(lhs >= modulus &- rhs)
    return lhs &+ rhs &- (modulus & wraps)
  }

  /// (a − b) mod R for a, b in `0..<R`, where R = `modulus` fits in `Element`.
  @inline(__always)
  static func subtract<Element: FixedWidthInteger & UnsignedInteger>(
    _ lhs: Element, _ rhs: Element, modulus: Element
  ) -> Element {
    let borrows: Element = mask(lhs < rhs)
    return lhs &- rhs &+ (modulus & borrows)
  }

  /// `lhs[i] = (lhs[i] ± rhs[i]) mod R` for every i; the arrays have equal counts, their elements
  /// lie in `0..<R`, and `Element` holds R − 1.
  static func combine<Element: FixedWidthInteger & UnsignedInteger>(
    _ lhs: inout [Element], _ rhs: [Element], _ modulus: Modulus, _ subtracting: Bool
  ) {
    precondition(lhs.count == rhs.count)
    lhs.withUnsafeMutableBufferPointer { left in
      rhs.withUnsafeBufferPointer { right in
        if modulus.isPowerOfTwo {
          // Element has at least b bits: wrapping in its width, then masking to b bits, is
          // reduction mod 2^b, and keeps every SIMD lane of the element's width busy.
          let mask = Element(truncatingIfNeeded: modulus.maximumElement)
          if subtracting {
            for index in left.indices { left[index] = (left[index] &- right[index]) & mask }
          } else {
            for index in left.indices { left[index] = (left[index] &+ right[index]) & mask }
          }
        } else {
          // Not a power of two, so R < 2^64 and R fits in Element.
          let value = Element(truncatingIfNeeded: modulus.maximumElement &+ 1)
          if subtracting {
            for index in left.indices {
              left[index] = subtract(left[index], right[index], modulus: value)
            }
          } else {
            for index in left.indices {
              left[index] = add(left[index], right[index], modulus: value)
            }
          }
        }
      }
    }
  }
}
