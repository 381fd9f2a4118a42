/// Clipping an update to L2 norm at most C: the step that bounds one client's influence, so the
/// sum's sensitivity is C (add or remove one client) or 2C (replace one).
public struct L2Clipping: Sendable, Hashable {
  /// What clipping did to one vector.
  public struct Outcome: Sendable, Hashable {
    /// The vector's L2 norm before clipping.
    public let originalNorm: Double
    /// Whether the vector was scaled down (its norm exceeded the bound).
    public let wasClipped: Bool
  }

  /// The bound C.
  public let bound: Double

  /// Clipping to L2 norm `bound`.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` unless the
  ///   bound is finite and positive.
  public init(bound: Double) throws(DifferentialPrivacyError) {
    guard bound.isFinite, bound > 0 else {
      throw .invalidParameter(name: "clip bound", value: "\(bound)", expected: "a finite value > 0")
    }
    self.bound = bound
  }

  /// Scales `vector` in place to norm `bound` when its norm exceeds it.
  ///
  /// The norm is computed with scaling, so it neither overflows nor underflows for any finite
  /// input.
  ///
  /// - Throws: ``DifferentialPrivacyError/nonFiniteValue(index:)`` for a NaN or infinite element;
  ///   the vector is then unchanged.
  @discardableResult
  public func clip(_ vector: inout [Double]) throws(DifferentialPrivacyError) -> Outcome {
    let norm = try Self.norm(of: vector)
    guard norm > bound else { return Outcome(originalNorm: norm, wasClipped: false) }
    let scale = bound / norm
    vector.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices { buffer[index] *= scale }
    }
    return Outcome(originalNorm: norm, wasClipped: true)
  }

  /// The L2 norm of `vector`, computed as (max |x|) · ‖x / max |x|‖ so it stays finite.
  ///
  /// - Throws: ``DifferentialPrivacyError/nonFiniteValue(index:)`` for a NaN or infinite element.
  public static func norm(of vector: [Double]) throws(DifferentialPrivacyError) -> Double {
    var largest = 0.0
    for (index, value) in vector.enumerated() {
      guard value.isFinite else { throw .nonFiniteValue(index: index) }
      largest = Swift.max(largest, abs(value))
    }
    guard largest > 0 else { return 0 }
    var sum = 0.0
    for value in vector {
      let scaled = value / largest
      sum += scaled * scaled
    }
    return largest * sum.squareRoot()
  }
}
