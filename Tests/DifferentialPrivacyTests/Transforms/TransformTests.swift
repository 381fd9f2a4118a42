import AggregationCrypto
import DifferentialPrivacy
import Testing

@Suite struct TensorLayoutTests {
  @Test func flattenAndRestoreRoundTrip() throws {
    let layout = try TensorLayout(shapes: [[2, 3], [4], [], [0, 5]])
    #expect(layout.elementCounts == [6, 4, 1, 0])
    #expect(layout.totalCount == 11)
    let tensors: [[Double]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10], [11], []]
    let flat = try layout.flatten(tensors)
    #expect(flat == (1...11).map(Double.init))
    #expect(try layout.restore(flat) == tensors)
  }

  @Test func mismatchesAreTypedErrors() throws {
    let layout = try TensorLayout(shapes: [[2], [3]])
    #expect(throws: DifferentialPrivacyError.dimensionMismatch(expected: 2, actual: 1)) {
      try layout.flatten([[1, 2, 3]])
    }
    #expect(throws: DifferentialPrivacyError.dimensionMismatch(expected: 3, actual: 2)) {
      try layout.flatten([[1, 2], [3, 4]])
    }
    #expect(throws: DifferentialPrivacyError.dimensionMismatch(expected: 5, actual: 4)) {
      try layout.restore([1, 2, 3, 4])
    }
    #expect(throws: DifferentialPrivacyError.self) { try TensorLayout(shapes: [[3, -1]]) }
    #expect(throws: DifferentialPrivacyError.self) {
      try TensorLayout(shapes: [[1 << 30, 1 << 30]])
    }
  }
}

@Suite struct L2ClippingTests {
  @Test func largeVectorsAreScaledToTheBound() throws {
    let clipping = try L2Clipping(bound: 2)
    var vector: [Double] = [3, 4]  // norm 5
    let outcome = try clipping.clip(&vector)
    #expect(outcome.wasClipped)
    #expect(outcome.originalNorm == 5)
    #expect(abs(try L2Clipping.norm(of: vector) - 2) < 1e-12)
    #expect(abs(vector[0] / vector[1] - 0.75) < 1e-12)  // direction kept
  }

  @Test func smallVectorsAreUnchanged() throws {
    let clipping = try L2Clipping(bound: 10)
    var vector: [Double] = [1, -2, 2]
    let outcome = try clipping.clip(&vector)
    #expect(!outcome.wasClipped)
    #expect(outcome.originalNorm == 3)
    #expect(vector == [1, -2, 2])
  }

  @Test func extremeAndNonFiniteInputs() throws {
    let clipping = try L2Clipping(bound: 1)
    var huge: [Double] = [1e300, 1e300]
    try clipping.clip(&huge)
    #expect(abs(try L2Clipping.norm(of: huge) - 1) < 1e-12)
    var tiny: [Double] = [1e-300, 1e-300]
    #expect(try L2Clipping.norm(of: tiny) > 0)
    try clipping.clip(&tiny)
    for bad in [Double.nan, .infinity, -.infinity] {
      var vector: [Double] = [1, bad, 3]
      #expect(throws: DifferentialPrivacyError.nonFiniteValue(index: 1)) {
        try clipping.clip(&vector)
      }
      #expect(vector[0] == 1 && vector[2] == 3)
    }
    for bound in [0, -1, Double.nan, .infinity] {
      #expect(throws: DifferentialPrivacyError.self) { try L2Clipping(bound: bound) }
    }
  }
}

@Suite struct RandomizedHadamardTests {
  private let seed = [UInt8](repeating: 7, count: 32)

  private func randomVector(_ count: Int, seed: UInt64) -> [Double] {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    return (0..<count).map { _ in Double.random(in: -3...3, using: &random) }
  }

  // The inverse undoes the rotation up to floating-point error, and norms are preserved.
  @Test(arguments: [1, 2, 3, 100, 1024, 1025, 4000])
  func inverseIsExactAndNormsArePreserved(dimension: Int) throws {
    let rotation = try RandomizedHadamard(dimension: dimension, seed: seed)
    #expect(rotation.paddedDimension >= dimension)
    #expect(rotation.paddedDimension.nonzeroBitCount == 1)
    #expect(rotation.paddedDimension < 2 * dimension || dimension == 1)
    let vector = randomVector(dimension, seed: UInt64(dimension))
    let rotated = try rotation.rotate(vector)
    #expect(rotated.count == rotation.paddedDimension)
    let norm = try L2Clipping.norm(of: vector)
    #expect(abs(try L2Clipping.norm(of: rotated) - norm) <= 1e-12 * max(norm, 1) * 10)
    let back = try rotation.inverseRotate(rotated)
    #expect(back.count == dimension)
    let error = zip(back, vector).map { abs($0 - $1) }.max() ?? 0
    #expect(error < 1e-12 * Double(dimension))
  }

  // A basis vector is spread evenly: every coordinate has magnitude exactly 1/√d.
  @Test func basisVectorsAreFlattened() throws {
    let rotation = try RandomizedHadamard(dimension: 64, seed: seed)
    var basis = [Double](repeating: 0, count: 64)
    basis[5] = 1
    let rotated = try rotation.rotate(basis)
    #expect(rotated.allSatisfy { abs(abs($0) - 0.125) < 1e-15 })
  }

  @Test func signsFollowTheSeed() throws {
    let vector = randomVector(256, seed: 1)
    let first = try RandomizedHadamard(dimension: 256, seed: seed).rotate(vector)
    let again = try RandomizedHadamard(dimension: 256, seed: seed).rotate(vector)
    let other = try RandomizedHadamard(dimension: 256, seed: [UInt8](repeating: 8, count: 32))
      .rotate(vector)
    #expect(first == again)
    #expect(first != other)
  }

  @Test func badArgumentsAreTypedErrors() throws {
    #expect(throws: DifferentialPrivacyError.self) {
      try RandomizedHadamard(dimension: 0, seed: seed)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try RandomizedHadamard(dimension: 8, seed: [1, 2, 3])
    }
    let rotation = try RandomizedHadamard(dimension: 5, seed: seed)
    #expect(throws: DifferentialPrivacyError.dimensionMismatch(expected: 5, actual: 4)) {
      try rotation.rotate([1, 2, 3, 4])
    }
    #expect(throws: DifferentialPrivacyError.dimensionMismatch(expected: 8, actual: 5)) {
      try rotation.inverseRotate([1, 2, 3, 4, 5])
    }
  }
}

@Suite struct ConditionalRoundingTests {
  // Every accepted rounding meets the post-rounding norm bound, computed independently here.
  @Test func roundedNormsStayWithinTheBound() throws {
    let rounding = try ConditionalRounding(beta: 0.6065306597126334)
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 3)
    let c = 20.0
    let d = 50
    let expectedBound = min(
      (c + Double(d).squareRoot()) * (c + Double(d).squareRoot()),
      c * c + Double(d) / 4 + (2 * 0.5).squareRoot() * (c + Double(d).squareRoot() / 2))
    #expect(abs(rounding.squaredNormBound(normBound: c, dimension: d) - expectedBound) < 1e-9)
    var totalAttempts = 0
    for trial in 0..<200 {
      var vector = (0..<d).map { _ in Double.random(in: -5...5, using: &random) }
      try L2Clipping(bound: c).clip(&vector)
      let (values, attempts) = try rounding.round(vector, normBound: c, using: &random)
      totalAttempts += attempts
      let squared = values.reduce(0) { $0 + Double($1) * Double($1) }
      #expect(squared <= expectedBound, "trial \(trial)")
      #expect(zip(values, vector).allSatisfy { abs(Double($0) - $1) < 1 })
    }
    // Expected tries ≤ 1/(1 − β) ≈ 2.54; 200 trials average far below 5.
    #expect(Double(totalAttempts) / 200 < 5)
  }

  // Unconditional rounding is unbiased: each coordinate's mean over N = 20,000 roundings is
  // within 5 standard errors (σ ≤ 1/2 per coordinate, so 5 · 0.5/√N ≈ 0.018) of the input.
  @Test func roundingIsUnbiased() throws {
    let rounding = try ConditionalRounding(beta: 0)
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 4)
    let vector: [Double] = [0.1, -0.3, 2.5, 7.9, -4.25]
    var sums = [Double](repeating: 0, count: vector.count)
    let trials = 20_000
    for _ in 0..<trials {
      let (values, attempts) = try rounding.round(vector, normBound: 10, using: &random)
      #expect(attempts == 1)
      for index in values.indices { sums[index] += Double(values[index]) }
    }
    for index in vector.indices {
      #expect(
        abs(sums[index] / Double(trials) - vector[index]) < 5 * 0.5 / Double(trials).squareRoot())
    }
  }

  @Test func inputsBeyondTheBoundAreRefused() throws {
    let rounding = try ConditionalRounding(beta: 0.5, maximumAttempts: 20)
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 5)
    let vector = [Double](repeating: 10.5, count: 100)  // norm 105, far above c = 1
    #expect(throws: DifferentialPrivacyError.roundingAttemptsExhausted(attempts: 20)) {
      try rounding.round(vector, normBound: 1, using: &random)
    }
    #expect(throws: DifferentialPrivacyError.nonFiniteValue(index: 1)) {
      try rounding.round([1, .nan], normBound: 1, using: &random)
    }
    #expect(throws: DifferentialPrivacyError.roundingOverflow) {
      try rounding.round([0x1p63], normBound: 0x1p63, using: &random)
    }
    #expect(throws: DifferentialPrivacyError.self) { try ConditionalRounding(beta: 1) }
    #expect(throws: DifferentialPrivacyError.self) { try ConditionalRounding(beta: -0.1) }
  }
}

@Suite struct ModularClippingTests {
  @Test func valuesInRangeRoundTrip() throws {
    for bits in [1, 2, 8, 16, 33, 63, 64] {
      let half = bits == 64 ? Int64.max : (Int64(1) << Int64(bits - 1)) - 1
      let low = bits == 64 ? Int64.min : -(Int64(1) << Int64(bits - 1))
      let values: [Int64] = [0, half, low, bits > 1 ? -1 : 0, bits > 2 ? 1 : 0]
      let wrapped = try ModularClipping.wrap(values, bitWidth: bits)
      #expect(wrapped.allSatisfy { bits == 64 || $0 < UInt64(1) << UInt64(bits) })
      #expect(try ModularClipping.centred(wrapped, bitWidth: bits) == values)
    }
  }

  @Test func sumsWrapAroundBeyondTheRange() throws {
    // 2^(b−1) wraps to −2^(b−1): the failure the bit width's headroom must prevent.
    let wrapped = try ModularClipping.wrap([128, -129, 300], bitWidth: 8)
    #expect(wrapped == [128, 127, 44])
    #expect(try ModularClipping.centred(wrapped, bitWidth: 8) == [-128, 127, 44])
    #expect(throws: DifferentialPrivacyError.self) { try ModularClipping.wrap([1], bitWidth: 0) }
    #expect(throws: DifferentialPrivacyError.self) {
      try ModularClipping.centred([1], bitWidth: 65)
    }
  }
}
