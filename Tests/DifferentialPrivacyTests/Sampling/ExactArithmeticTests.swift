import AggregationCrypto
import Testing

@testable import DifferentialPrivacy

@Suite struct ExactArithmeticTests {
  /// Random operands, including extreme ones.
  private static func operands(_ generator: inout ChaChaRandomNumberGenerator) -> [UInt64] {
    [0, 1, 2, 3, UInt64(UInt32.max), 1 << 32, UInt64.max - 1, .max]
      + (0..<24).map { _ in generator.next() >> UInt64.random(in: 0..<64, using: &generator) }
  }

  @Test func wide128MatchesBigUInt() {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 601)
    let values = Self.operands(&generator)
    for a in values {
      for b in values {
        let product = Wide128.product(a, b)
        var big = BigUInt(a)
        big.multiply(by: b)
        #expect(BigUInt(product) == big)
        let other = Wide128.product(b, a &+ 1)
        #expect((product < other) == (BigUInt(product) < BigUInt(other)))
        let difference = product.distance(to: other)
        var (larger, smaller) = (BigUInt(product), BigUInt(other))
        if larger < smaller { swap(&larger, &smaller) }
        larger.subtract(smaller)
        #expect(BigUInt(difference) == larger)
      }
    }
  }

  @Test func bigUIntArithmetic() {
    // (2^64 − 1)^2 = 2^128 − 2^65 + 1.
    var square = BigUInt(.max)
    square.multiply(by: .max)
    #expect(square.wide128 == Wide128(high: .max - 1, low: 1))
    // (2^64 − 1)^3 via the schoolbook product, minus (2^64 − 1)^2 · 2^64, is −(2^64 − 1)^2
    // modulo nothing: check (2^64 − 1)^3 + (2^64 − 1)^2 = (2^64 − 1)^2 · 2^64.
    let cube = square * BigUInt(.max)
    var shifted = square
    shifted.shiftLeft(by: 64)
    var check = shifted
    check.subtract(square)
    #expect(check == cube)
    #expect(cube.bitWidth == 192)
    var value = BigUInt(5)
    value.shiftLeft(by: 130)
    #expect(value.bitWidth == 133)
    #expect(value.wide128 == nil)
    value.subtract(value)
    #expect(value.isZero)
    var batched = BigUInt(1)
    batched.multiply(byEach: [3, 1 << 40, 1 << 40, 7])
    var single = BigUInt(21)
    single.shiftLeft(by: 80)
    #expect(batched == single)
  }

  /// Uniform draws below a 3-limb bound stay below it and spread over its top limb as expected.
  @Test func bigUIntUniformDrawsStayBelowTheBound() {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 602)
    var bound = BigUInt(3)
    bound.shiftLeft(by: 128)  // 3·2^128: the top limb is uniform over 0, 1, 2
    var counts = [0, 0, 0]
    withRandomBitSource(from: &generator, wordCount: 64) { source in
      for _ in 0..<3_000 {
        let value = BigUInt.uniform(below: bound, using: &source)
        #expect(value < bound)
        let top = value.limbs.count == 3 ? Int(value.limbs[2]) : 0
        counts[min(top, 2)] += 1
      }
    }
    // Each count is Binomial(3000, 1/3): mean 1000, standard deviation 25.8.
    #expect(counts.allSatisfy { abs($0 - 1_000) <= 130 })
  }

  /// ⌊x·u·v/(d₁d₂)⌋ and ⌈…⌉ satisfy their defining inequalities, checked with BigUInt.
  @Test func scaledQuotientRoundsExactly() throws {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 603)
    for _ in 0..<500 {
      let x = generator.next()
      let u = generator.next() >> UInt64.random(in: 0..<64, using: &generator)
      let v = generator.next() >> UInt64.random(in: 0..<64, using: &generator)
      // Divisors at least u and v, so that the quotient is at most x.
      let d1 = max(1, u) | (generator.next() >> UInt64.random(in: 1..<64, using: &generator))
      let d2 = max(1, v) | (generator.next() >> UInt64.random(in: 1..<64, using: &generator))
      var product = BigUInt(x)
      product.multiply(byEach: [u, v])
      func times(_ q: UInt64) -> BigUInt {
        var value = BigUInt(q)
        value.multiply(byEach: [d1, d2])
        return value
      }
      let floor = try #require(
        scaledQuotient(x, times: u, v, dividedBy: d1, d2, roundingUp: false))
      let ceiling = try #require(
        scaledQuotient(x, times: u, v, dividedBy: d1, d2, roundingUp: true))
      #expect(!(product < times(floor)) && product < times(floor + 1))
      #expect(!(times(ceiling) < product))
      #expect(ceiling == 0 || times(ceiling - 1) < product)
    }
    // ⌊7·5·3 / (4·2)⌋ = 13, ⌈…⌉ = 14; a quotient that does not fit is nil.
    #expect(scaledQuotient(7, times: 5, 3, dividedBy: 4, 2, roundingUp: false) == 13)
    #expect(scaledQuotient(7, times: 5, 3, dividedBy: 4, 2, roundingUp: true) == 14)
    #expect(scaledQuotient(.max, times: .max, 2, dividedBy: 1, 1, roundingUp: false) == nil)
    #expect(scaledQuotient(1, times: 1, 1, dividedBy: 0, 1, roundingUp: false) == nil)
    // 2^190 / 2^127 = 2^63 through the 192-bit intermediate.
    #expect(
      scaledQuotient(
        1 << 63, times: 1 << 63, 1 << 63, dividedBy: 1 << 63, 1 << 63, roundingUp: true)
        == 1 << 63)
  }

  @Test func integerSquareRootIsExact() {
    #expect(integerSquareRoot(0) == 0)
    #expect(integerSquareRoot(1) == 1)
    #expect(integerSquareRoot(.max) == UInt64(UInt32.max))
    for root: UInt64 in [2, 3, 1_000, 94_906_265, 1 << 31, UInt64(UInt32.max)] {
      #expect(integerSquareRoot(root * root) == root)
      #expect(integerSquareRoot(root * root - 1) == root - 1)
    }
  }

  /// Lemire's method covers every value below the bound, on the 32- and 64-bit paths.
  @Test func uniformDrawsStayBelowTheBound() {
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 604)
    var counts = [Int](repeating: 0, count: 7)
    withRandomBitSource(from: &generator, wordCount: 64) { source in
      for bound: UInt64 in [1, 2, 3, 7, 1 << 27 - 1, 1 << 27 + 1, 1 << 32, 1 << 63 + 1, .max] {
        for _ in 0..<500 { #expect(source.uniform(below: bound) < bound) }
      }
      for _ in 0..<7_000 { counts[Int(source.uniform(below: 7))] += 1 }
      let wideBound = Wide128(high: 5, low: 17)
      for _ in 0..<500 { #expect(source.uniform(below: wideBound) < wideBound) }
    }
    // Binomial(7000, 1/7): mean 1000, standard deviation 29.3.
    #expect(counts.allSatisfy { abs($0 - 1_000) <= 150 })
  }
}
