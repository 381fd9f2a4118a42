internal import AggregationCrypto

/// The randomized Walsh–Hadamard rotation: x ↦ (1/√d) H D x, with D a diagonal of random ±1 signs
/// and H the d × d Hadamard matrix, d the dimension padded to a power of two.
///
/// Rotating before rounding spreads a vector's mass evenly over the coordinates, so its L∞ norm
/// is about ‖x‖₂ · √(log d / d) with high probability; this is what keeps the modular wrap-around
/// of distributed DP rare (Kairouz, Liu & Steinke, ICML 2021, §4). The rotation is orthonormal:
/// it preserves L2 norms, and ``inverseRotate(_:)`` undoes it exactly up to floating-point
/// rounding. Both run in place in O(d log d) with no allocation beyond the output.
///
/// The signs come from a public seed that the clients and the server share for the round (for
/// example derived from the session id), expanded with ChaCha20.
public struct RandomizedHadamard: Sendable, Hashable {
  /// The largest padded dimension: 2^30.
  public static let maximumPaddedDimension = 1 << 30

  /// The original dimension d₀.
  public let dimension: Int
  /// d: the smallest power of two ≥ d₀.
  public let paddedDimension: Int
  /// One bit per coordinate: set means the sign is −1.
  private let signBits: [UInt64]

  /// A rotation of `dimension`-element vectors with signs drawn from `seed`.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` for a dimension
  ///   outside 1...2^30 or a seed shorter than 16 bytes.
  public init(dimension: Int, seed: [UInt8]) throws(DifferentialPrivacyError) {
    guard (1...Self.maximumPaddedDimension).contains(dimension) else {
      throw .invalidParameter(
        name: "dimension", value: "\(dimension)", expected: "1...\(Self.maximumPaddedDimension)")
    }
    guard seed.count >= 16 else {
      throw .invalidParameter(
        name: "rotation seed", value: "\(seed.count) bytes", expected: "at least 16 bytes")
    }
    let padded = Self.paddedDimension(for: dimension)
    self.dimension = dimension
    paddedDimension = padded
    // The seed is shared public randomness, so a deterministic expansion is what is wanted.
    let generator = ChaChaRandomNumberGenerator(
      insecureDeterministicSeed: Array("swift-private-aggregation/rotation-signs/v1".utf8) + seed)
    signBits = (0..<((padded + 63) / 64)).map { _ in generator.next() }
  }

  /// The rotated vector, of ``paddedDimension`` elements (zero-padded first).
  ///
  /// - Throws: ``DifferentialPrivacyError/dimensionMismatch(expected:actual:)`` unless `vector`
  ///   has ``dimension`` elements.
  public func rotate(_ vector: [Double]) throws(DifferentialPrivacyError) -> [Double] {
    guard vector.count == dimension else {
      throw .dimensionMismatch(expected: dimension, actual: vector.count)
    }
    var result = vector + [Double](repeating: 0, count: paddedDimension - dimension)
    result.withUnsafeMutableBufferPointer { buffer in
      applySigns(buffer)
      Self.hadamard(buffer)
    }
    return result
  }

  /// The original vector back from a rotated one (of ``paddedDimension`` elements), padding
  /// dropped.
  ///
  /// - Throws: ``DifferentialPrivacyError/dimensionMismatch(expected:actual:)`` unless `rotated`
  ///   has ``paddedDimension`` elements.
  public func inverseRotate(_ rotated: [Double]) throws(DifferentialPrivacyError) -> [Double] {
    guard rotated.count == paddedDimension else {
      throw .dimensionMismatch(expected: paddedDimension, actual: rotated.count)
    }
    var result = rotated
    result.withUnsafeMutableBufferPointer { buffer in
      Self.hadamard(buffer)
      applySigns(buffer)
    }
    result.removeLast(paddedDimension - dimension)
    return result
  }

  /// The smallest power of two ≥ `dimension` (1 for dimensions below 1).
  public static func paddedDimension(for dimension: Int) -> Int {
    var padded = 1
    while padded < dimension { padded <<= 1 }
    return padded
  }

  private func applySigns(_ buffer: UnsafeMutableBufferPointer<Double>) {
    for index in buffer.indices where (signBits[index >> 6] >> UInt64(index & 63)) & 1 == 1 {
      buffer[index] = -buffer[index]
    }
  }

  /// The normalized fast Walsh–Hadamard transform (1/√d) H, in place; it is its own inverse.
  static func hadamard(_ buffer: UnsafeMutableBufferPointer<Double>) {
    let count = buffer.count
    var half = 1
    while half < count {
      var start = 0
      while start < count {
        for index in start..<(start + half) {
          let a = buffer[index]
          let b = buffer[index + half]
          buffer[index] = a + b
          buffer[index + half] = a - b
        }
        start += 2 * half
      }
      half *= 2
    }
    let scale = 1 / Double(count).squareRoot()
    for index in buffer.indices { buffer[index] *= scale }
  }
}
