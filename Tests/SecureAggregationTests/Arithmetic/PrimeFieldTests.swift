import AggregationCrypto
import Testing

@testable import SecureAggregation

@Suite struct PrimeFieldTests {
  private let p = PrimeField.modulus
  private let edges: [UInt64] = [0, 1, 2, (1 << 61) - 2, (1 << 60), (1 << 32) + 7, 123_456_789]

  private func randomElements(_ count: Int, seed: UInt64) -> [UInt64] {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    return edges
      + (0..<count).map { _ in UInt64.random(in: 0..<PrimeField.modulus, using: &random) }
  }

  @Test func arithmeticMatchesA128BitReference() {
    let values = randomElements(60, seed: 3)
    let modulus = UInt128(p)
    for a in values {
      for b in values {
        #expect(PrimeField.add(a, b) == UInt64((UInt128(a) + UInt128(b)) % modulus))
        #expect(PrimeField.subtract(a, b) == UInt64((UInt128(a) + modulus - UInt128(b)) % modulus))
        #expect(PrimeField.multiply(a, b) == UInt64((UInt128(a) * UInt128(b)) % modulus))
      }
    }
  }

  @Test func inversesInvert() {
    for a in randomElements(200, seed: 4) where a != 0 {
      #expect(PrimeField.multiply(a, PrimeField.inverse(a)) == 1)
    }
    #expect(PrimeField.inverse(0) == 0)
  }

  @Test func randomElementsAreReduced() {
    let random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 5)
    for _ in 0..<10_000 {
      #expect(PrimeField.element(fromRandom: random.next(), random.next()) < p)
    }
    #expect(PrimeField.element(fromRandom: .max, .max) < p)
    // 2^122 − 1 ≡ 2^0 − 1 = 0 (mod 2^61 − 1), since 2^122 = (2^61)^2 ≡ 1.
    #expect(PrimeField.element(fromRandom: .max, (1 << 58) - 1) == 0)
  }
}
