internal import CSodium

/// The IETF ChaCha20 stream cipher (RFC 8439): 256-bit key, 96-bit nonce, 32-bit block counter.
///
/// This is the raw keystream that masks are expanded from. It is an unauthenticated stream cipher
/// with a caller-chosen nonce, so it stays inside the package (`package` access): benchmarks and
/// tests use it; users get ``MaskGenerator`` and ``SealedBox``.
package enum ChaCha20 {
  /// The key length in bytes.
  package static let keyByteCount = 32
  /// The nonce length in bytes.
  package static let nonceByteCount = 12
  /// The block length in bytes.
  package static let blockByteCount = 64
  /// The number of blocks one (key, nonce) pair can produce: the counter has 32 bits.
  package static let maximumBlockCount = 1 << 32

  /// XORs the keystream of (`key`, `nonce`), starting at block `initialCounter`, into `buffer`.
  ///
  /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` for a key
  ///   or nonce of the wrong length, and ``AggregationCryptoError/keystreamExhausted(elementOffset:elementCount:maximumElements:)``
  ///   when the blocks requested run past the 32-bit counter.
  package static func xorKeystream(
    into buffer: UnsafeMutableRawBufferPointer,
    key: SymmetricKey,
    nonce: [UInt8],
    initialCounter: UInt32
  ) throws(AggregationCryptoError) {
    guard key.byteCount == keyByteCount else {
      throw .invalidByteCount(parameter: "key", expected: keyByteCount, actual: key.byteCount)
    }
    guard nonce.count == nonceByteCount else {
      throw .invalidByteCount(parameter: "nonce", expected: nonceByteCount, actual: nonce.count)
    }
    let blocks = (buffer.count + blockByteCount - 1) / blockByteCount
    guard Int(initialCounter) + blocks <= maximumBlockCount else {
      throw .keystreamExhausted(
        elementOffset: Int(initialCounter) * blockByteCount, elementCount: buffer.count,
        maximumElements: maximumBlockCount * blockByteCount)
    }
    // sodium_init selects libsodium's SIMD ChaCha20; before it, the portable code runs (~4x slower).
    Sodium.initialize()
    key.withUnsafeBytes { keyBytes in
      nonce.withUnsafeBytes { nonceBytes in
        xorKeystreamUnchecked(
          into: buffer, key: keyBytes, nonce: nonceBytes, initialCounter: initialCounter)
      }
    }
  }

  /// The keystream XOR without argument checks; callers guarantee a 32-byte key, a 12-byte
  /// nonce, that the blocks stay within the 32-bit counter, and that libsodium is initialized.
  static func xorKeystreamUnchecked(
    into buffer: UnsafeMutableRawBufferPointer,
    key: UnsafeRawBufferPointer,
    nonce: UnsafeRawBufferPointer,
    initialCounter: UInt32
  ) {
    guard let base = buffer.baseAddress, buffer.count > 0,
      let keyBase = key.baseAddress, let nonceBase = nonce.baseAddress
    else { return }
    let out = base.assumingMemoryBound(to: UInt8.self)
    _ = crypto_stream_chacha20_ietf_xor_ic(
      out, out, UInt64(buffer.count), nonceBase.assumingMemoryBound(to: UInt8.self),
      initialCounter, keyBase.assumingMemoryBound(to: UInt8.self))
  }

  /// The original ChaCha20 (64-bit nonce, 64-bit counter) keystream XOR, for the random number
  /// generator, whose stream must not wrap after 256 GiB. Callers initialize libsodium.
  static func xorOriginalKeystreamUnchecked(
    into buffer: UnsafeMutableRawBufferPointer,
    key: UnsafeRawBufferPointer,
    nonce: UInt64,
    initialCounter: UInt64
  ) {
    guard let base = buffer.baseAddress, buffer.count > 0, let keyBase = key.baseAddress else {
      return
    }
    let out = base.assumingMemoryBound(to: UInt8.self)
    var nonceBytes = nonce.littleEndian
    withUnsafeBytes(of: &nonceBytes) { nonceBuffer in
      guard let nonceBase = nonceBuffer.baseAddress else { return }
      _ = crypto_stream_chacha20_xor_ic(
        out, out, UInt64(buffer.count), nonceBase.assumingMemoryBound(to: UInt8.self),
        initialCounter, keyBase.assumingMemoryBound(to: UInt8.self))
    }
  }
}
