/// Where a key, seed or share draws its randomness: the system's secure generator, or, for
/// reproducible simulations and tests only, a deterministic generator.
///
/// Production code uses ``system`` (the default everywhere). The deterministic source is reachable
/// only through ``insecureDeterministic(seed:)`` and ``insecureDeterministic(_:)``, whose names say
/// what they are, so nobody seeds keys with low entropy by accident.
public struct RandomSource {
  enum Kind {
    case system
    /// A deterministic generator, and the seed it was made from when there was one.
    case deterministic(ChaChaRandomNumberGenerator, seed: UInt64?)
  }

  let kind: Kind

  /// The operating system's secure generator (`randombytes_buf`).
  public static var system: RandomSource { RandomSource(kind: .system) }

  /// A deterministic source from a 64-bit seed: every run with the same seed draws the same keys.
  ///
  /// - Warning: Insecure. For simulations and tests that must be reproducible; never for real
  ///   keys, which it makes guessable.
  public static func insecureDeterministic(seed: UInt64) -> RandomSource {
    RandomSource(
      kind: .deterministic(ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed), seed: seed)
    )
  }

  /// A deterministic source that draws from `generator` (advancing it).
  ///
  /// - Warning: Insecure when the generator was seeded deterministically; see
  ///   ``insecureDeterministic(seed:)``.
  public static func insecureDeterministic(_ generator: ChaChaRandomNumberGenerator) -> RandomSource
  {
    RandomSource(kind: .deterministic(generator, seed: nil))
  }

  /// Whether this source is deterministic (and so unfit for real keys).
  public var isDeterministic: Bool {
    if case .deterministic = kind { return true }
    return false
  }

  /// An independent source for one purpose of a party (its keys, say), labelled so that two
  /// purposes never share a stream: the system's generator itself, or, for a deterministic
  /// source, a child generator keyed from it by HMAC over `label` (advancing this source).
  public func child(label: String) -> RandomSource {
    switch kind {
    case .system: return .system
    case .deterministic(let generator, _):
      return RandomSource(
        kind: .deterministic(generator.insecureDeterministicChild(label: label), seed: nil))
    }
  }

  /// A fast generator for drawing many values (rounding, noise): a ChaCha20 generator keyed from
  /// the system's secure generator, or, for a deterministic source, the child labelled `label`.
  public func generator(label: String) -> ChaChaRandomNumberGenerator {
    switch kind {
    case .system: return ChaChaRandomNumberGenerator()
    case .deterministic(let generator, _):
      return generator.insecureDeterministicChild(label: label)
    }
  }

  /// The generator this source draws from, for drawing many values: a ChaCha20 generator keyed
  /// from the system's secure generator, or, for a deterministic source, its own generator (so
  /// the draws advance this source). Unlike ``generator(label:)`` it derives no child.
  package func drawingGenerator() -> ChaChaRandomNumberGenerator {
    switch kind {
    case .system: return ChaChaRandomNumberGenerator()
    case .deterministic(let generator, _): return generator
    }
  }

  /// The 64-bit seed a simulation derives its data (and, for a deterministic source, its
  /// parties' secrets) from: the seed this source was made from by
  /// ``insecureDeterministic(seed:)``, so a seeded simulation draws the same streams on every
  /// run; otherwise 64 bits drawn from this source.
  package func simulationSeed() -> UInt64 {
    if case .deterministic(_, let seed?) = kind { return seed }
    return nextUInt64()
  }

  /// Fills `buffer` with random bytes from this source.
  public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
    switch kind {
    case .system:
      SystemRandom.fill(buffer)
    case .deterministic(let generator, _):
      generator.fill(buffer)
    }
  }

  /// A uniformly random 64-bit value from this source.
  public func nextUInt64() -> UInt64 {
    var value: UInt64 = 0
    withUnsafeMutableBytes(of: &value) { fill($0) }
    return value
  }
}
