internal import CSodium

/// A fast cryptographically secure random number generator: the ChaCha20 keystream of a 256-bit
/// seed, read in order.
///
/// ``init()`` seeds it from the system generator, which makes it secure and much faster per draw
/// than calling the system for every value — the right generator for noise samplers. For
/// reproducible simulations and tests, ``init(insecureDeterministicSeed:)-(UInt64)`` makes the
/// stream a function of a seed you choose: the name says it is insecure, because anyone who
/// knows or guesses the seed knows every value.
///
/// It is a class: copies share one stream position, so two holders can never replay the same
/// values by accident. It is not `Sendable`; give each task its own generator.
public final class ChaChaRandomNumberGenerator: RandomNumberGenerator {
  private static let bufferByteCount = 1024
  /// The generator's secret: 32-byte key.
  private let key: SecureBytes
  /// Keystream not yet handed out; zeroized on release with the rest of the storage.
  private var buffer: SecureBytes
  private var position: Int
  private var nextBlock: UInt64 = 0

  private init(key: SecureBytes) {
    Sodium.initialize()
    self.key = key
    buffer = SecureBytes(zeroedCount: Self.bufferByteCount)
    position = Self.bufferByteCount
  }

  /// A generator seeded with 256 bits from the system's secure generator.
  public convenience init() {
    self.init(key: SecureBytes(randomCount: ChaCha20.keyByteCount))
  }

  /// A deterministic generator whose stream is a function of `seed` alone.
  ///
  /// - Warning: Insecure: 64 bits of seed can be guessed. For reproducible simulations and tests
  ///   only.
  public convenience init(insecureDeterministicSeed seed: UInt64) {
    var seedBytes = [UInt8](repeating: 0, count: 8)
    for index in 0..<8 { seedBytes[index] = UInt8(truncatingIfNeeded: seed >> (8 * index)) }
    self.init(insecureDeterministicSeed: seedBytes)
  }

  /// A deterministic generator whose stream is a function of `seed` (any length) alone.
  ///
  /// - Warning: Insecure unless the seed is itself a uniformly random secret of at least 32
  ///   bytes. For reproducible simulations and tests.
  public convenience init(insecureDeterministicSeed seed: [UInt8]) {
    let key = HMACSHA256.authenticationCode(
      for: SecureBytes(seed), key: SecureBytes(Array("swift-private-aggregation/rng-seed/v1".utf8)))
    self.init(key: key)
  }

  /// A new deterministic generator derived from this one's stream and `label`, so simulations
  /// can give each party its own reproducible stream.
  ///
  /// - Warning: As insecure as this generator's seed.
  public func insecureDeterministicChild(label: String) -> ChaChaRandomNumberGenerator {
    var childSeed = SecureBytes(zeroedCount: 32)
    childSeed.withUnsafeMutableBytes { fill($0) }
    let key = HMACSHA256.authenticationCode(
      for: SecureBytes(Array(label.utf8)), key: childSeed)
    return ChaChaRandomNumberGenerator(key: key)
  }

  private func refill() {
    buffer.withUnsafeMutableBytes { bytes in
      bytes.initializeMemory(as: UInt8.self, repeating: 0)
      key.withUnsafeBytes { keyBytes in
        ChaCha20.xorOriginalKeystreamUnchecked(
          into: bytes, key: keyBytes, nonce: 0, initialCounter: nextBlock)
      }
    }
    nextBlock &+= UInt64(Self.bufferByteCount / ChaCha20.blockByteCount)
    position = 0
  }

  /// The next 64 uniformly random bits.
  public func next() -> UInt64 {
    if position + 8 > Self.bufferByteCount { refill() }
    let value = buffer.withUnsafeBytes {
      $0.loadUnaligned(fromByteOffset: position, as: UInt64.self)
    }
    position += 8
    return UInt64(littleEndian: value)
  }

  /// Fills `target` with the next bytes of the stream.
  public func fill(_ target: UnsafeMutableRawBufferPointer) {
    var written = 0
    while written < target.count {
      if position == Self.bufferByteCount { refill() }
      let take = min(Self.bufferByteCount - position, target.count - written)
      buffer.withUnsafeBytes { bytes in
        UnsafeMutableRawBufferPointer(rebasing: target[written..<(written + take)])
          .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + take)]))
      }
      // Wipe what was handed out so it cannot be read back from this generator's memory.
      buffer.withUnsafeMutableBytes { bytes in
        if let base = bytes.baseAddress { sodium_memzero(base + position, take) }
      }
      position += take
      written += take
    }
  }
}
