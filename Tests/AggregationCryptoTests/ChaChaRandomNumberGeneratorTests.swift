import Testing

@testable import AggregationCrypto

/// The generator's stream, pinned by values computed outside this code.
///
/// Reference: `hmac`/`hashlib` and pyca/cryptography 48.0 (OpenSSL's ChaCha20) in Python. The key
/// is HMAC-SHA256 with key `swift-private-aggregation/rng-seed/v1` over the seed's 8
/// little-endian bytes; each refill takes 1,056 bytes of ChaCha20 (64-bit counter 0, 64-bit nonce
/// 0) under the current key, hands out the first 1,024 and keys the next refill with the last 32;
/// a word is 8 little-endian bytes. So the test fails if the keystream, the key erasure, the
/// refill boundary or the byte order changes.
@Suite struct ChaChaRandomNumberGeneratorTests {
  /// Words 0, 1, 127 (the last of the first block), 128 (the first under the erased-and-replaced
  /// key), 255, 256 and 399 of seed 42's stream.
  @Test func deterministicStreamMatchesAnIndependentModel() {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 42)
    let words = (0..<400).map { _ in generator.next() }
    let expected: [(Int, UInt64)] = [
      (0, 0xa8a9_69cd_3c16_a395), (1, 0x063a_544f_d5eb_4b7c), (127, 0x93a4_ce23_cc53_944f),
      (128, 0x87e0_3dfc_ff3d_5fde), (255, 0x1897_6744_9051_9e76), (256, 0x65ba_2b92_caea_2684),
      (399, 0x0627_a09c_bdec_11a4),
    ]
    for (index, value) in expected {
      #expect(words[index] == value, "word \(index)")
    }
  }

  /// `fill` hands out bytes without skipping, across a refill; `next` skips the 1–7 bytes left in
  /// a block, so a word never straddles two keys (seed 7, same reference).
  @Test func fillAndNextShareOneStream() {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 7)
    var first = [UInt8](repeating: 0, count: 1021)
    first.withUnsafeMutableBytes { generator.fill($0) }
    #expect(Array(first[1016..<1021]) == [0x19, 0xd7, 0x5b, 0x97, 0xa8])
    #expect(generator.next() == 0x2502_6cd9_1841_2d5f)
    var second = [UInt8](repeating: 0, count: 1020)
    second.withUnsafeMutableBytes { generator.fill($0) }
    #expect(Array(second[1012..<1020]) == [0x7a, 0x8a, 0x09, 0x0a, 0x51, 0x57, 0x74, 0xe5])
  }

  /// `nextUnitInterval()` is the standard library's `Double.random(in: 0..<1, using:)` on the
  /// same words (the reference here is the standard library), and stays in [0, 1).
  @Test func unitIntervalMatchesTheStandardLibrary() {
    let fast = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 11)
    var reference = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 11)
    var generator = fast
    for _ in 0..<10_000 {
      let value = generator.nextUnitInterval()
      #expect(value == Double.random(in: 0..<1, using: &reference))
      #expect(value >= 0 && value < 1)
    }
  }
}
