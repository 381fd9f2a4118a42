import Dispatch

/// One mask to combine into a vector: a generator and whether to add, subtract or write it.
/// (`package`: the Protocol benchmark times the combination the client runs.)
package struct MaskJob: Sendable {
  package let generator: MaskGenerator
  package let operation: MaskGenerator.Operation

  package init(generator: MaskGenerator, operation: MaskGenerator.Operation) {
    self.generator = generator
    self.operation = operation
  }
}

extension ModularVector {
  /// The number of elements each task handles: 8,192 elements, at most 64 KiB, so a chunk stays
  /// in cache while every mask is combined into it.
  package static let maskChunkElementCount = 8192

  /// Combines every mask in `jobs` into the whole vector (mask element i into element i).
  ///
  /// The vector is cut into chunks; each chunk receives all the masks while it is in cache, and
  /// the chunks are spread over the available cores. Every job is checked before any element
  /// changes, so a thrown error leaves the vector unchanged.
  ///
  /// - Throws: ``SecureAggregationError/modulusMismatch(expected:actual:)`` for a generator of
  ///   another modulus; ``SecureAggregationError/maskGeneration(_:)`` for a vector longer than a
  ///   generator's keystream.
  package mutating func applyMasks(_ jobs: [MaskJob]) throws(SecureAggregationError) {
    for job in jobs {
      guard job.generator.modulus == modulus else {
        throw .modulusMismatch(expected: modulus, actual: job.generator.modulus)
      }
      guard count <= job.generator.maximumElementCount else {
        throw .maskGeneration(
          .keystreamExhausted(
            elementOffset: 0, elementCount: count,
            maximumElements: job.generator.maximumElementCount))
      }
    }
    guard count > 0, !jobs.isEmpty else { return }
    switch takeStorage() {
    case .bits8(var elements):
      Self.apply(jobs, to: &elements)
      storage = .bits8(elements)
    case .bits16(var elements):
      Self.apply(jobs, to: &elements)
      storage = .bits16(elements)
    case .bits32(var elements):
      Self.apply(jobs, to: &elements)
      storage = .bits32(elements)
    case .bits64(var elements):
      Self.apply(jobs, to: &elements)
      storage = .bits64(elements)
    }
  }

  private static func apply<Element: MaskableElement>(
    _ jobs: [MaskJob], to elements: inout [Element]
  ) {
    let chunk = maskChunkElementCount
    let chunks = (elements.count + chunk - 1) / chunk
    elements.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      let shared = DisjointChunks(base: base, count: buffer.count)
      // Chunks are disjoint, so tasks never write the same element. The jobs were validated
      // above (modulus, length), so `apply` cannot fail here.
      DispatchQueue.concurrentPerform(iterations: chunks) { index in
        let range = (index * chunk)..<min((index + 1) * chunk, shared.count)
        let slice = UnsafeMutableBufferPointer(
          start: shared.base + range.lowerBound, count: range.count)
        for job in jobs {
          try? Element.apply(
            job.generator, job.operation, to: slice, startingAtElement: range.lowerBound)
        }
      }
    }
  }
}

/// `body(0..<count)` spread over the cores (`concurrentMap`); each result or error in index
/// order, so a caller that throws the first failure throws what a loop would have.
func concurrentResults<T: Sendable>(
  _ count: Int, _ body: @Sendable (Int) throws(SecureAggregationError) -> T
) -> [Result<T, SecureAggregationError>] {
  concurrentMap(count) { index in Result { () throws(SecureAggregationError) in try body(index) } }
}

/// A buffer handed to concurrent tasks that each write only their own disjoint chunk of it.
private struct DisjointChunks<Element>: @unchecked Sendable {
  // Safety: every task derives a slice for a distinct chunk index and writes only there; the
  // buffer outlives `concurrentPerform`, which returns only when every task has finished.
  let base: UnsafeMutablePointer<Element>
  let count: Int
}

/// The element types a ``MaskGenerator`` writes into directly.
protocol MaskableElement: FixedWidthInteger, UnsignedInteger, SendableMetatype {
  /// Combines mask elements from `offset` into `buffer`.
  static func apply(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation,
    to buffer: UnsafeMutableBufferPointer<Self>, startingAtElement offset: Int
  ) throws(AggregationCryptoError)
}

extension UInt8: MaskableElement {
  static func apply(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation,
    to buffer: UnsafeMutableBufferPointer<UInt8>, startingAtElement offset: Int
  ) throws(AggregationCryptoError) {
    try generator.apply(operation, to: buffer, startingAtElement: offset)
  }
}

extension UInt16: MaskableElement {
  static func apply(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation,
    to buffer: UnsafeMutableBufferPointer<UInt16>, startingAtElement offset: Int
  ) throws(AggregationCryptoError) {
    try generator.apply(operation, to: buffer, startingAtElement: offset)
  }
}

extension UInt32: MaskableElement {
  static func apply(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation,
    to buffer: UnsafeMutableBufferPointer<UInt32>, startingAtElement offset: Int
  ) throws(AggregationCryptoError) {
    try generator.apply(operation, to: buffer, startingAtElement: offset)
  }
}

extension UInt64: MaskableElement {
  static func apply(
    _ generator: MaskGenerator, _ operation: MaskGenerator.Operation,
    to buffer: UnsafeMutableBufferPointer<UInt64>, startingAtElement offset: Int
  ) throws(AggregationCryptoError) {
    try generator.apply(operation, to: buffer, startingAtElement: offset)
  }
}
