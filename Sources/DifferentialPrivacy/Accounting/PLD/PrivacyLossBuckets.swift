import Foundation

/// A mechanism's privacy loss cut at the grid points ε_j = (lowestIndex + j)·h, j = 0…m:
/// for each bucket B_j = (ε_j, ε_{j+1}] the masses P(L ∈ B_j) and Q(L ∈ B_j), plus the P-mass
/// below ε_0, above ε_m and at +∞. The step from a mechanism to ``PrivacyLossMasses``.
struct PrivacyLossBuckets {
  /// The grid index of ε_0.
  var lowestIndex: Int
  /// P(ε_j < L ≤ ε_{j+1}) for j = 0…m−1.
  var p: [Double]
  /// Q(ε_j < L ≤ ε_{j+1}) for j = 0…m−1.
  var q: [Double]
  /// P(L ≤ ε_0).
  var below: Double
  /// P(ε_m < L < ∞).
  var above: Double
  /// P(L = ∞): the P-mass where Q is 0.
  var infinity: Double

  /// The discretized distribution that bounds the true one in the direction of `estimate`.
  ///
  /// Pessimistic: the connect-the-dots construction of Doroshenko, Ghazi, Kamath, Kumar &
  /// Manurangsi, "Connect the Dots: Tighter Discrete Approximations of Privacy Loss
  /// Distributions" (PETS 2022). Each bucket's mass is split between its two end points so that
  /// both its P-mass and its Q-mass are kept: with u_j = e^{ε_j}, the right end gets P-mass
  /// (P(B) − u_j Q(B))/(1 − e^{−h}) and the left end the rest. The resulting pair's δ(ε) is the
  /// chord of the true δ, convex in e^ε, between grid points, so it is never below it (and
  /// below ε_0 the chord to δ(−∞) = 1); as a pair of distributions it dominates the true pair,
  /// which composition preserves. The P-mass below ε_0 moves up to ε_0 and the mass above ε_m
  /// to +∞. Written from the paper's construction, in the form above that needs no difference
  /// of nearly equal δ values.
  ///
  /// Optimistic: every loss rounded down to its bucket's left end, the mass above ε_m to ε_m,
  /// the mass below ε_0 dropped: a lower bound on δ(ε) for every ε, composition included.
  func masses(interval h: Double, estimate: PrivacyLossDistribution.Estimate)
    -> PrivacyLossMasses
  {
    let count = p.count
    var points = [Double](repeating: 0, count: count + 1)
    var infinityMass = infinity
    switch estimate {
    case .pessimistic:
      let denominator = -expm1(-h)
      points.withUnsafeMutableBufferPointer { points in
        for j in 0..<count {
          let pMass = p[j]
          guard pMass > 0 else { continue }
          let qMass = q[j]
          let u = exp(Double(lowestIndex + j) * h)
          let scaledQ = u * qMass
          // Where e^{ε_j}·Q(B) is out of double range (ε_j above about 709) or Q(B) is
          // subnormal, the split cannot be computed: the whole bucket goes to its right end,
          // which only raises δ.
          let right =
            scaledQ.isFinite && (qMass == 0 || qMass >= .leastNormalMagnitude)
            ? min(pMass, max(0, (pMass - scaledQ) / denominator)) : pMass
          points[j + 1] += right
          points[j] += pMass - right
        }
        points[0] += below
      }
      infinityMass += above
    case .optimistic:
      points.withUnsafeMutableBufferPointer { points in
        for j in 0..<count {
          points[j] += p[j]
        }
        points[count] += above
      }
    }
    var result = PrivacyLossMasses(
      lowestIndex: lowestIndex, masses: points, infinityMass: min(1, infinityMass))
    result.truncate(tailMass: 0, estimate: estimate)
    return result
  }

  /// Buckets of a mechanism whose loss is a monotone function of a real output x, given the
  /// output threshold x(ℓ) of each loss level and the P- and Q-masses of output intervals.
  ///
  /// - Parameters:
  ///   - lowestIndex: the grid index of ε_0.
  ///   - highestIndex: the grid index of ε_m (> `lowestIndex`).
  ///   - h: the grid interval.
  ///   - increasing: whether the loss increases with x ({L > ℓ} = {x > x(ℓ)}) or decreases
  ///     ({L > ℓ} = {x < x(ℓ)}).
  ///   - threshold: x(ℓ), ±∞ allowed.
  ///   - pMass: P(a < x ≤ b) for a ≤ b (±∞ allowed).
  ///   - qMass: Q(a < x ≤ b).
  static func monotone(
    lowestIndex: Int,
    highestIndex: Int,
    interval h: Double,
    increasing: Bool,
    threshold: (Double) -> Double,
    pMass: (Double, Double) -> Double,
    qMass: (Double, Double) -> Double
  ) -> PrivacyLossBuckets {
    let count = highestIndex - lowestIndex
    var p = [Double](repeating: 0, count: count)
    var q = [Double](repeating: 0, count: count)
    var previous = threshold(Double(lowestIndex) * h)
    let first = previous
    for j in 0..<count {
      let next = threshold(Double(lowestIndex + j + 1) * h)
      let (a, b) = increasing ? (previous, next) : (next, previous)
      if a < b {
        p[j] = pMass(a, b)
        q[j] = qMass(a, b)
      }
      previous = next
    }
    let last = previous
    let below = increasing ? pMass(-.infinity, first) : pMass(first, .infinity)
    let above = increasing ? pMass(last, .infinity) : pMass(-.infinity, last)
    return PrivacyLossBuckets(
      lowestIndex: lowestIndex, p: p, q: q, below: max(0, below), above: max(0, above),
      infinity: 0)
  }

  /// Buckets of a discrete pair given by its atoms: for each output, its P-mass, Q-mass and
  /// loss log(P/Q) (+∞ where Q is 0, −∞ where P is 0).
  static func atoms(
    lowestIndex: Int,
    highestIndex: Int,
    interval h: Double,
    _ atoms: [(loss: Double, p: Double, q: Double)]
  ) -> PrivacyLossBuckets {
    let count = highestIndex - lowestIndex
    var result = PrivacyLossBuckets(
      lowestIndex: lowestIndex, p: [Double](repeating: 0, count: count),
      q: [Double](repeating: 0, count: count), below: 0, above: 0, infinity: 0)
    let low = Double(lowestIndex) * h
    let high = Double(highestIndex) * h
    for atom in atoms where atom.p > 0 {
      if atom.loss == .infinity {
        result.infinity += atom.p
      } else if atom.loss <= low {
        result.below += atom.p
      } else if atom.loss > high {
        result.above += atom.p
      } else {
        // ε_j < loss ≤ ε_{j+1}
        let position = ((atom.loss - low) / h).rounded(.up) - 1
        let j = min(count - 1, max(0, Int(position)))
        result.p[j] += atom.p
        result.q[j] += atom.q
      }
    }
    return result
  }
}

/// Masses of the normal distribution N(mean, sd²) on intervals, accurate in both tails (each
/// side computed from erfc on its own tail, so a narrow interval far out keeps its relative
/// precision).
struct NormalInterval {
  /// The mean.
  var mean: Double
  /// The standard deviation, > 0.
  var standardDeviation: Double

  /// P(a < X ≤ b) for a ≤ b, ±∞ allowed.
  func mass(_ a: Double, _ b: Double) -> Double {
    guard a < b else { return 0 }
    let scale = 1 / (standardDeviation * 2.0.squareRoot())
    let lower = (a - mean) * scale
    let upper = (b - mean) * scale
    if lower >= 0 {
      return max(0, 0.5 * (erfc(lower) - erfc(upper)))
    }
    if upper <= 0 {
      return max(0, 0.5 * (erfc(-upper) - erfc(-lower)))
    }
    return max(0, 1 - 0.5 * erfc(upper) - 0.5 * erfc(-lower))
  }

  /// P(X > x).
  func upperTail(_ x: Double) -> Double { mass(x, .infinity) }

  /// P(X ≤ x).
  func lowerTail(_ x: Double) -> Double { mass(-.infinity, x) }
}
