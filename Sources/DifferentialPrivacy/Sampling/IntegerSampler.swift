/// A sampler of integers — noise for differential privacy, or a count — that draws from any
/// `RandomNumberGenerator`.
///
/// In production pass a securely seeded generator, `ChaChaRandomNumberGenerator()` from the
/// crypto layer (one per task: it is not `Sendable`); in tests and reproducible simulations pass
/// one built with `init(insecureDeterministicSeed:)`. A sampler is an immutable value: share it
/// freely between tasks, each with its own generator.
///
/// ``fill(_:using:)`` is the fast path for many draws: it keeps one bit cache for the whole
/// buffer. It draws from the generator's stream differently from repeated ``sample(using:)``
/// calls, so the two give different (equally distributed) values for the same seed.
public protocol IntegerSampler: Sendable {
  /// One draw.
  func sample(using generator: inout some RandomNumberGenerator) -> Int64

  /// Overwrites every element of `buffer` with an independent draw.
  func fill(
    _ buffer: UnsafeMutableBufferPointer<Int64>, using generator: inout some RandomNumberGenerator)
}

extension IntegerSampler {
  /// `count` independent draws, made by ``fill(_:using:)``.
  public func samples(count: Int, using generator: inout some RandomNumberGenerator) -> [Int64] {
    let count = max(0, count)
    return [Int64](unsafeUninitializedCapacity: count) { buffer, initializedCount in
      buffer.initialize(repeating: 0)
      fill(buffer, using: &generator)
      initializedCount = count
    }
  }
}

/// A sampler whose draws are written once, against a ``RandomBitSource``.
protocol BitSourceSampler: IntegerSampler {
  /// One draw, taking its random bits from `source`.
  func draw(from source: inout RandomBitSource) -> Int64
}

extension BitSourceSampler {
  /// One draw from `generator` (the body of ``IntegerSampler/sample(using:)``): a scratch
  /// buffer of 8 words, enough for most draws.
  func drawOne<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Int64 {
    withRandomBitSource(from: &generator, wordCount: 8) { draw(from: &$0) }
  }

  /// Fills `buffer` from `generator` with one bit source (the body of
  /// ``IntegerSampler/fill(_:using:)``): scratch buffers of 64 words.
  func drawAll<Generator: RandomNumberGenerator>(
    into buffer: UnsafeMutableBufferPointer<Int64>, using generator: inout Generator
  ) {
    withRandomBitSource(from: &generator, wordCount: 64) { source in
      for index in buffer.indices { buffer[index] = draw(from: &source) }
    }
  }
}
