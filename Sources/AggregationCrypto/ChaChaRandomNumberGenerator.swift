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
  /// One allocation for the generator's life, wiped and freed in `deinit`: the current 32-byte
  /// key, then a block of keystream — `bufferByteCount` bytes to hand out, then the next key.
  /// Refills write in place: no allocation per refill or per draw.
  private let storage: UnsafeMutableRawPointer
  /// The next byte of the block to hand out; `bufferByteCount` when it is used up. Only this
  /// object's own methods touch it, and the class is not `Sendable`, so the dynamic
  /// exclusivity check (a runtime call on every draw) guards nothing here.
  @exclusivity(unchecked) private var position: Int

  private static var blockByteCount: Int { bufferByteCount + ChaCha20.keyByteCount }
  private static var storageByteCount: Int { ChaCha20.keyByteCount + blockByteCount }
  private var key: UnsafeMutableRawPointer { storage }
  private var block: UnsafeMutableRawPointer { storage + ChaCha20.keyByteCount }

  private init(key source: SecureBytes) {
    Sodium.initialize()
    let storage = UnsafeMutableRawPointer.allocate(
      byteCount: Self.storageByteCount, alignment: 16)
    storage.initializeMemory(as: UInt8.self, repeating: 0, count: Self.storageByteCount)
    source.withUnsafeBytes { bytes in
      UnsafeMutableRawBufferPointer(start: storage, count: ChaCha20.keyByteCount)
        .copyMemory(from: bytes)
    }
    self.storage = storage
    position = Self.bufferByteCount
  }

  deinit {
    sodium_memzero(storage, Self.storageByteCount)
    storage.deallocate()
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
    // One keystream run under the current key: the buffer, then the next key, which replaces
    // the current one at once. Bytes not handed out (after a `fill` of odd length) are wiped
    // first, so the block holds nothing but the new keystream.
    sodium_memzero(block, Self.blockByteCount)
    ChaCha20.xorOriginalKeystreamUnchecked(
      into: UnsafeMutableRawBufferPointer(start: block, count: Self.blockByteCount),
      key: UnsafeRawBufferPointer(start: key, count: ChaCha20.keyByteCount),
      nonce: 0, initialCounter: 0)
    key.copyMemory(from: block + Self.bufferByteCount, byteCount: ChaCha20.keyByteCount)
    sodium_memzero(block + Self.bufferByteCount, ChaCha20.keyByteCount)
    position = 0
  }

  /// The next 64 uniformly random bits.
  public func next() -> UInt64 {
    if position > Self.bufferByteCount - 8 { refill() }
    let value = block.loadUnaligned(fromByteOffset: position, as: UInt64.self)
    block.storeBytes(of: 0, toByteOffset: position, as: UInt64.self)  // wipe what is handed out
    position += 8
    return UInt64(littleEndian: value)
  }

  /// Fills `target` with the next bytes of the stream.
  public func fill(_ target: UnsafeMutableRawBufferPointer) {
    guard let base = target.baseAddress else { return }
    var written = 0
    while written < target.count {
      if position == Self.bufferByteCount { refill() }
      let take = min(Self.bufferByteCount - position, target.count - written)
      (base + written).copyMemory(from: block + position, byteCount: take)
      // Wipe what was handed out so it cannot be read back from this generator's memory.
      sodium_memzero(block + position, take)
      position += take
      written += take
    }
  }
}
