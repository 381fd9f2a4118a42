/// The shapes of the tensors an update is made of, to flatten them into one vector and restore
/// them after aggregation.
///
/// ```swift
/// let layout = try TensorLayout(shapes: [[64, 10], [10]])   // weights and biases
/// let flat = try layout.flatten([weights, biases])          // 650 values
/// let tensors = try layout.restore(flat)                    // [[640 values], [10 values]]
/// ```
public struct TensorLayout: Sendable, Hashable {
  /// Each tensor's shape (its dimensions, row-major).
  public let shapes: [[Int]]
  /// Each tensor's number of elements.
  public let elementCounts: [Int]
  /// The flattened length: the sum of ``elementCounts``.
  public let totalCount: Int

  /// A layout of tensors with `shapes`.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` for a negative
  ///   dimension or a total above 2^40 elements.
  public init(shapes: [[Int]]) throws(DifferentialPrivacyError) {
    var counts: [Int] = []
    var total = 0
    for shape in shapes {
      var count = 1
      for dimension in shape {
        guard dimension >= 0 else {
          throw .invalidParameter(
            name: "tensor dimension", value: "\(dimension)", expected: "a non-negative size")
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow, product <= 1 << 40 else {
          throw .invalidParameter(
            name: "tensor shape", value: "\(shape)", expected: "at most 2^40 elements")
        }
        count = product
      }
      counts.append(count)
      total += count
      guard total <= 1 << 40 else {
        throw .invalidParameter(
          name: "tensor shapes", value: "\(total) elements", expected: "at most 2^40 elements")
      }
    }
    self.shapes = shapes
    elementCounts = counts
    totalCount = total
  }

  /// The tensors' elements, one after another.
  ///
  /// - Throws: ``DifferentialPrivacyError/dimensionMismatch(expected:actual:)`` when the number of
  ///   tensors or of a tensor's elements differs from the layout.
  public func flatten(_ tensors: [[Double]]) throws(DifferentialPrivacyError) -> [Double] {
    guard tensors.count == elementCounts.count else {
      throw .dimensionMismatch(expected: elementCounts.count, actual: tensors.count)
    }
    var flat: [Double] = []
    flat.reserveCapacity(totalCount)
    for (tensor, count) in zip(tensors, elementCounts) {
      guard tensor.count == count else {
        throw .dimensionMismatch(expected: count, actual: tensor.count)
      }
      flat.append(contentsOf: tensor)
    }
    return flat
  }

  /// The tensors cut back out of a flattened vector.
  ///
  /// - Throws: ``DifferentialPrivacyError/dimensionMismatch(expected:actual:)`` unless `flat` has
  ///   ``totalCount`` elements.
  public func restore(_ flat: [Double]) throws(DifferentialPrivacyError) -> [[Double]] {
    guard flat.count == totalCount else {
      throw .dimensionMismatch(expected: totalCount, actual: flat.count)
    }
    var tensors: [[Double]] = []
    var start = 0
    for count in elementCounts {
      tensors.append(Array(flat[start..<(start + count)]))
      start += count
    }
    return tensors
  }
}
