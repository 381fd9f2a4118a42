import Foundation

/// Pearson's chi-square goodness-of-fit test of integer samples against an exact pmf, and the
/// sample moments, for the sampler tests.
///
/// The pmf is evaluated in `Double` over a support wide enough to hold all but a negligible
/// mass, normalised numerically there (only the tests use floating point). Bins are pooled from
/// the left until each expects at least 5 draws; a short remainder at the right joins the last
/// bin, and samples outside the support count in the outermost bins. Degrees of freedom =
/// bins − 1 (no parameter is estimated from the data).
struct GoodnessOfFit {
  /// Pearson's X² statistic.
  let statistic: Double
  /// bins − 1.
  let degreesOfFreedom: Int

  init(samples: [Int64], support: ClosedRange<Int64>, weight: (Int64) -> Double) {
    let values = Array(support)
    let weights = values.map(weight)
    let totalWeight = weights.reduce(0, +)
    let expectedCounts = weights.map { $0 / totalWeight * Double(samples.count) }
    // Pool consecutive values until the expected count reaches 5.
    var binOfValue = [Int](repeating: 0, count: values.count)
    var binExpected = [Double]()
    var running = 0.0
    for index in values.indices {
      binOfValue[index] = binExpected.count
      running += expectedCounts[index]
      if running >= 5 {
        binExpected.append(running)
        running = 0
      }
    }
    if running > 0 || binExpected.isEmpty {
      if binExpected.isEmpty {
        binExpected.append(running)
      } else {
        binExpected[binExpected.count - 1] += running
        for index in values.indices where binOfValue[index] == binExpected.count {
          binOfValue[index] = binExpected.count - 1
        }
      }
    }
    var observed = [Double](repeating: 0, count: binExpected.count)
    for sample in samples {
      let clamped = min(max(sample, support.lowerBound), support.upperBound)
      observed[binOfValue[Int(clamped - support.lowerBound)]] += 1
    }
    statistic = zip(observed, binExpected).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) / $1.1 }
    degreesOfFreedom = binExpected.count - 1
  }
}

/// The exact mean, variance and fourth central moment of a pmf over `support` (normalised
/// there), and the checks of sample moments against them.
struct Moments {
  let mean: Double
  let variance: Double
  let fourthCentralMoment: Double

  init(support: ClosedRange<Int64>, weight: (Int64) -> Double) {
    var total = 0.0
    var first = 0.0
    for value in support {
      let w = weight(value)
      total += w
      first += w * Double(value)
    }
    let mean = first / total
    var second = 0.0
    var fourth = 0.0
    for value in support {
      let w = weight(value) / total
      let centred = Double(value) - mean
      second += w * centred * centred
      fourth += w * centred * centred * centred * centred
    }
    self.mean = mean
    variance = second
    fourthCentralMoment = fourth
  }

  /// Whether the sample mean and variance of `samples` are within `standardErrors` standard
  /// errors of the exact ones: SE(mean) = √(Var/N), SE(variance) ≈ √((μ₄ − Var²)/N).
  func agree(with samples: [Int64], standardErrors: Double = 5) -> (mean: Bool, variance: Bool) {
    let count = Double(samples.count)
    let sampleMean = samples.reduce(0.0) { $0 + Double($1) } / count
    let sampleVariance =
      samples.reduce(0.0) { $0 + (Double($1) - sampleMean) * (Double($1) - sampleMean) }
      / (count - 1)
    let meanError = (variance / count).squareRoot()
    let varianceError = ((fourthCentralMoment - variance * variance) / count).squareRoot()
    return (
      abs(sampleMean - mean) <= standardErrors * meanError,
      abs(sampleVariance - variance) <= standardErrors * varianceError
    )
  }
}

/// Exact (up to `Double` rounding) unnormalised pmfs of the distributions under test.
enum ReferencePMF {
  /// exp(−x²/(2σ²)).
  static func discreteGaussian(variance: Double) -> (Int64) -> Double {
    { exp(-Double($0) * Double($0) / (2 * variance)) }
  }

  /// exp(−|x|/t).
  static func discreteLaplace(scale: Double) -> (Int64) -> Double {
    { exp(-Double($0.magnitude) / scale) }
  }

  /// e^(−λ) λ^k / k! through log-gamma (0 for k < 0).
  static func poisson(mean: Double) -> (Int64) -> Double {
    { k in k < 0 ? 0 : exp(Double(k) * log(mean) - mean - lgamma(Double(k) + 1)) }
  }

  /// The Skellam(μ/2, μ/2) pmf e^(−μ) I_|k|(μ), by Miller's backward recurrence
  /// I_{k−1}(μ) = (2k/μ)·I_k(μ) + I_{k+1}(μ) from far out, normalised so that
  /// I_0 + 2 Σ_{k≥1} I_k = e^μ (checked against scipy.stats.skellam to 4 × 10⁻¹⁴ for
  /// μ ∈ {2, 10, 10^4, 10^6}).
  static func skellam(variance mu: Double) -> (Int64) -> Double {
    let top = Int(12 * mu.squareRoot()) + 60
    var values = [Double](repeating: 0, count: top + 2)
    values[top] = 1e-280
    for k in stride(from: top, to: 0, by: -1) {
      values[k - 1] = (2 * Double(k) / mu) * values[k] + values[k + 1]
      if values[k - 1] > 1e250 {
        for index in values.indices { values[index] *= 1e-250 }
      }
    }
    let total = values[0] + 2 * values[1...top].reduce(0, +)
    let pmf = values.map { $0 / total }
    return { k in
      let index = Int(k.magnitude)
      return index < pmf.count ? pmf[index] : 0
    }
  }
}
