internal import Foundation

/// Multinomial logistic regression on the digits: 10 × 64 weights and 10 biases, 650 parameters
/// in one flat vector (weights class by class, then the biases).
public struct SoftmaxRegression: Sendable, Hashable {
  /// The number of parameters: 10 × 64 + 10.
  public static let parameterCount = DigitsDataset.classCount * (DigitsDataset.featureCount + 1)

  /// The parameters: `weights[class][pixel]` at `class·64 + pixel`, then the 10 biases.
  public var parameters: [Double]

  /// A model with every parameter 0 (it predicts every class equally).
  public init() {
    parameters = [Double](repeating: 0, count: Self.parameterCount)
  }

  /// A model with these parameters.
  ///
  /// - Throws: ``DigitsTrainingError/invalidParameter(name:value:expected:)`` unless there are
  ///   650 of them.
  public init(parameters: [Double]) throws(DigitsTrainingError) {
    guard parameters.count == Self.parameterCount else {
      throw .invalidParameter(
        name: "parameters", value: "\(parameters.count) values",
        expected: "\(Self.parameterCount) values")
    }
    self.parameters = parameters
  }

  /// The class probabilities of one image, written into `probabilities` (10 values).
  func probabilities(
    of image: ArraySlice<Double>, into probabilities: inout [Double]
  ) {
    let features = DigitsDataset.featureCount
    let biasStart = DigitsDataset.classCount * features
    var largest = -Double.infinity
    for digit in 0..<DigitsDataset.classCount {
      var logit = parameters[biasStart + digit]
      let row = digit * features
      var pixel = 0
      for value in image {
        logit += parameters[row + pixel] * value
        pixel += 1
      }
      probabilities[digit] = logit
      largest = max(largest, logit)
    }
    var total = 0.0
    for digit in 0..<DigitsDataset.classCount {
      probabilities[digit] = exp(probabilities[digit] - largest)
      total += probabilities[digit]
    }
    for digit in 0..<DigitsDataset.classCount { probabilities[digit] /= total }
  }

  /// The most probable digit of image `index` of `data`.
  public func predict(_ data: DigitsDataset, image index: Int) -> Int {
    var probabilities = [Double](repeating: 0, count: DigitsDataset.classCount)
    self.probabilities(of: data.image(index), into: &probabilities)
    var best = 0
    for digit in 1..<DigitsDataset.classCount where probabilities[digit] > probabilities[best] {
      best = digit
    }
    return best
  }

  /// The fraction of `data`'s images predicted correctly.
  public func accuracy(on data: DigitsDataset) -> Double {
    guard data.count > 0 else { return 0 }
    var correct = 0
    for index in 0..<data.count where predict(data, image: index) == data.labels[index] {
      correct += 1
    }
    return Double(correct) / Double(data.count)
  }

  /// The mean cross-entropy loss on `data`.
  public func loss(on data: DigitsDataset) -> Double {
    guard data.count > 0 else { return 0 }
    var probabilities = [Double](repeating: 0, count: DigitsDataset.classCount)
    var total = 0.0
    for index in 0..<data.count {
      self.probabilities(of: data.image(index), into: &probabilities)
      total -= log(max(probabilities[data.labels[index]], 1e-300))
    }
    return total / Double(data.count)
  }

  /// Full-batch gradient descent on `data` for `epochs` steps of size `learningRate` (the
  /// gradient of the mean cross-entropy), in place.
  public mutating func train(on data: DigitsDataset, epochs: Int, learningRate: Double) {
    guard data.count > 0 else { return }
    let features = DigitsDataset.featureCount
    let biasStart = DigitsDataset.classCount * features
    var gradient = [Double](repeating: 0, count: Self.parameterCount)
    var probabilities = [Double](repeating: 0, count: DigitsDataset.classCount)
    let step = learningRate / Double(data.count)
    for _ in 0..<epochs {
      for index in gradient.indices { gradient[index] = 0 }
      for index in 0..<data.count {
        let image = data.image(index)
        self.probabilities(of: image, into: &probabilities)
        probabilities[data.labels[index]] -= 1
        for digit in 0..<DigitsDataset.classCount {
          let error = probabilities[digit]
          let row = digit * features
          var pixel = 0
          for value in image {
            gradient[row + pixel] += error * value
            pixel += 1
          }
          gradient[biasStart + digit] += error
        }
      }
      for index in parameters.indices { parameters[index] -= step * gradient[index] }
    }
  }
}
