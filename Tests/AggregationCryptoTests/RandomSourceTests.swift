import Testing

@testable import AggregationCrypto

/// The one way parties take randomness: a `RandomSource`, split by purpose.
@Suite struct RandomSourceTests {
  /// Eight bytes from a source.
  static func draw(_ source: RandomSource) -> UInt64 { source.nextUInt64() }

  /// The same seed and label give the same child stream; another label or seed another stream;
  /// the system's source stays the system's.
  @Test func childrenAreLabelledAndReproducible() {
    let first = RandomSource.insecureDeterministic(seed: 7).child(label: "keys")
    let again = RandomSource.insecureDeterministic(seed: 7).child(label: "keys")
    let other = RandomSource.insecureDeterministic(seed: 7).child(label: "encoding")
    let otherSeed = RandomSource.insecureDeterministic(seed: 8).child(label: "keys")
    let a = (0..<4).map { _ in Self.draw(first) }
    #expect(a == (0..<4).map { _ in Self.draw(again) })
    #expect(a != (0..<4).map { _ in Self.draw(other) })
    #expect(a != (0..<4).map { _ in Self.draw(otherSeed) })
    #expect(first.isDeterministic)
    #expect(!RandomSource.system.child(label: "keys").isDeterministic)
  }

  /// A generator for a purpose is the same child stream a deterministic source's `child` gives,
  /// and from the system's source it is a securely seeded one (two of them differ).
  @Test func generatorsFollowTheSource() {
    let generator = RandomSource.insecureDeterministic(seed: 3).generator(label: "noise")
    let child = RandomSource.insecureDeterministic(seed: 3).child(label: "noise")
    var bytes = [UInt8](repeating: 0, count: 16)
    bytes.withUnsafeMutableBytes { child.fill($0) }
    var fromGenerator = [UInt8](repeating: 0, count: 16)
    fromGenerator.withUnsafeMutableBytes { RandomSource.insecureDeterministic(generator).fill($0) }
    #expect(bytes == fromGenerator)
    let first = RandomSource.system.generator(label: "noise")
    let second = RandomSource.system.generator(label: "noise")
    #expect(
      (0..<4).map { _ in first.next() } != (0..<4).map { _ in second.next() })
  }

  /// A generator keyed by a stored secret gives the same stream every time it is made from that
  /// key, another key another stream; a key of the wrong length is refused.
  @Test func keyedGeneratorsRepeatTheirStream() throws {
    let key = SymmetricKey()
    let first = try ChaChaRandomNumberGenerator(key: key)
    let again = try ChaChaRandomNumberGenerator(key: key)
    let other = try ChaChaRandomNumberGenerator(key: SymmetricKey())
    let stream = (0..<8).map { _ in first.next() }
    #expect(stream == (0..<8).map { _ in again.next() })
    #expect(stream != (0..<8).map { _ in other.next() })
    #expect(
      throws: AggregationCryptoError.invalidByteCount(parameter: "key", expected: 32, actual: 16)
    ) { _ = try ChaChaRandomNumberGenerator(key: SymmetricKey(randomByteCount: 16)) }
  }
}
