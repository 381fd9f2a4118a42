internal import CSodium

/// A fast cryptographically secure random number generator: ChaCha20 keystream with fast key
/// erasure.
///
/// Each refill runs ChaCha20 under the current key and keeps the last 32 bytes of that keystream
/// as the next key, so the key that produced earlier output is gone from memory: whoever reads
/// the generator's state later cannot recompute values it already handed out (noise a client
/// added, say). Handed-out bytes are wiped from the buffer too.
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
  /// The current 32-byte key, replaced at every refill.
  private var key: SecureBytes
  /// Keystream not yet handed out; zeroized on release with the rest of the storage.
  private var buffer: SecureBytes
  private var position: Int

  private init(key: SecureBytes) {
    Sodium.initialize()
    self.key = key
    buffer = SecureBytes(zeroedCount: Self.bufferByteCount)
    position = Self.bufferByteCount
  }

  /// A generator keyed by a 256-bit secret: the same key always gives the same stream, so a
  /// server that keeps the key (as it keeps any secret) can draw the same values again after a
  /// restart. As unpredictable as the key is secret; make the key with `SymmetricKey()`.
  ///
  /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` for a key
  ///   that is not 32 bytes.
  public convenience init(key: SymmetricKey) throws(AggregationCryptoError) {
    guard key.byteCount == ChaCha20.keyByteCount else {
      throw .invalidByteCount(
        parameter: "key", expected: ChaCha20.keyByteCount, actual: key.byteCount)
    }
    var bytes = SecureBytes(zeroedCount: ChaCha20.keyByteCount)
    bytes.withUnsafeMutableBytes { target in
      key.withUnsafeBytes { source in target.copyMemory(from: source) }
    }
    self.init(key: bytes)
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
    // One keystream run under the current key: the buffer, then the next key.
    var block = SecureBytes(zeroedCount: Self.bufferByteCount + ChaCha20.keyByteCount)
    block.withUnsafeMutableBytes { bytes in
      key.withUnsafeBytes { keyBytes in
        ChaCha20.xorOriginalKeystreamUnchecked(
          into: bytes, key: keyBytes, nonce: 0, initialCounter: 0)
      }
    }
    buffer = block.extracting(0..<Self.bufferByteCount)
    key = block.extracting(Self.bufferByteCount..<block.count)
    position = 0
  }

  /// The next 64 uniformly random bits.
  public func next() -> UInt64 {
    if position + 8 > Self.bufferByteCount { refill() }
    let value = buffer.withUnsafeMutableBytes { bytes in
      let value = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
      bytes.storeBytes(of: 0, toByteOffset: position, as: UInt64.self)  // wipe what is handed out
      return value
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
