import Foundation

/// One direction of a discretized privacy loss distribution: the law of the privacy loss
/// L = log(P(o)/Q(o)) for o drawn from P, as masses on the grid {i·h}, with the mass where
/// Q(o) = 0 (a loss of +∞) kept apart.
///
/// Any such list of masses, read as a distribution of L, gives the hockey-stick divergence
///
///     δ(ε) = P(L = ∞) + Σ_i m_i · (1 − e^{ε − L_i})₊,
///
/// which does not decrease when any mass moves to a larger loss: that is why rounding losses up
/// (pessimistic) bounds δ from above and rounding down (optimistic) from below, and why both
/// bounds survive composition (the sum of rounded-up losses is at least the true sum).
struct PrivacyLossMasses: Sendable, Hashable, Codable {
  /// The grid index of `masses[0]`: its loss is `lowestIndex · h`.
  var lowestIndex: Int
  /// Masses at the consecutive grid points from `lowestIndex` on; each ≥ 0.
  var masses: [Double]
  /// The mass at a loss of +∞.
  var infinityMass: Double

  /// All mass at a loss of 0: the distribution of a mechanism that reveals nothing.
  static let identity = PrivacyLossMasses(lowestIndex: 0, masses: [1], infinityMass: 0)

  /// The hockey-stick divergence δ(ε) of these masses on a grid of interval `h`.
  func delta(epsilon: Double, interval h: Double) -> Double {
    var total = 0.0
    // Add the smallest terms first.
    masses.withUnsafeBufferPointer { masses in
      var index = masses.count - 1
      while index >= 0 {
        let loss = Double(lowestIndex + index) * h
        if loss <= epsilon { break }
        total += masses[index] * -expm1(epsilon - loss)
        index -= 1
      }
    }
    return min(1, infinityMass + total)
  }

  /// The smallest ε ≥ 0 with δ(ε) ≤ `delta` on a grid of interval `h`; +∞ when the mass at
  /// +∞ alone exceeds `delta`.
  ///
  /// Between two grid losses L_{i−1} ≤ ε < L_i, δ(ε) = A_i − e^ε B_i with A_i the mass at or
  /// above L_i (with +∞) and B_i = Σ_{j ≥ i} m_j e^{−L_j}; walking down from the top, the first
  /// segment whose lower end exceeds `delta` holds the answer, ε = log((A_i − δ)/B_i).
  ///
  /// B_i is kept as e^{−c}·Σ_{j ≥ i} m_j e^{c − L_j} with an anchor loss c that follows the walk
  /// down (c = 0 while every loss met is within ±500), so that neither e^{L} nor e^{−L}
  /// overflows or underflows when the losses exceed about 700.
  func epsilon(delta: Double, interval h: Double) -> Double {
    if infinityMass > delta { return .infinity }
    var above = infinityMass
    // Σ m_j e^{anchor − L_j} over the masses above the current loss.
    var weighted = 0.0
    var anchor = 0.0
    var result = -Double.infinity
    masses.withUnsafeBufferPointer { masses in
      var index = masses.count - 1
      while index >= 0 {
        let mass = masses[index]
        if mass > 0 {
          let loss = Double(lowestIndex + index) * h
          if abs(loss - anchor) > 500 {
            // Losses only decrease from here on, so the factor is below 1.
            if weighted > 0 { weighted *= exp(loss - anchor) }
            anchor = loss
          }
          // δ at ε = loss uses the masses strictly above it: `above`, `weighted`.
          let deltaHere = above - exp(loss - anchor) * weighted
          if deltaHere > delta {
            result = anchor + log((above - delta) / weighted)
            return
          }
          above += mass
          weighted += mass * exp(anchor - loss)
        }
        index -= 1
      }
      // Below the lowest loss δ(ε) = above − e^ε·weighted for every ε.
      if weighted > 0, above > delta {
        result = anchor + log((above - delta) / weighted)
      }
    }
    return max(0, result)
  }

  /// The composition with `other`: the law of the sum of independent losses, its tails cut
  /// to at most `tailMass` on each side in the direction of `estimate`.
  func composed(
    with other: PrivacyLossMasses,
    tailMass: Double,
    estimate: PrivacyLossDistribution.Estimate
  ) -> PrivacyLossMasses {
    let infinity = infinityMass + other.infinityMass - infinityMass * other.infinityMass
    var result = PrivacyLossMasses(
      lowestIndex: lowestIndex + other.lowestIndex,
      masses: FastFourierTransform.convolve(masses, other.masses),
      infinityMass: min(1, infinity))
    result.truncate(tailMass: tailMass, estimate: estimate)
    return result
  }

  /// `count` compositions of these masses with themselves, by repeated squaring; the identity
  /// for a count of 0.
  func selfComposed(
    _ count: Int,
    tailMass: Double,
    estimate: PrivacyLossDistribution.Estimate
  ) -> PrivacyLossMasses {
    var result = PrivacyLossMasses.identity
    var power = self
    var remaining = count
    while remaining > 0 {
      if remaining & 1 == 1 {
        result = result.composed(with: power, tailMass: tailMass, estimate: estimate)
      }
      remaining >>= 1
      if remaining > 0 {
        power = power.composed(with: power, tailMass: tailMass, estimate: estimate)
      }
    }
    return result
  }

  /// Cuts each tail holding at most `tailMass` of mass: pessimistically the lower tail moves up
  /// to the lowest point kept and the upper tail to +∞; optimistically the lower tail is dropped
  /// (a loss of −∞ adds nothing to δ) and the upper tail moves down to the highest point kept.
  /// Zero masses at either end are removed.
  mutating func truncate(tailMass: Double, estimate: PrivacyLossDistribution.Estimate) {
    guard !masses.isEmpty else { return }
    var low = 0
    var lowMass = 0.0
    while low < masses.count - 1, lowMass + masses[low] <= tailMass {
      lowMass += masses[low]
      low += 1
    }
    var high = masses.count - 1
    var highMass = 0.0
    while high > low, highMass + masses[high] <= tailMass {
      highMass += masses[high]
      high -= 1
    }
    var kept = Array(masses[low...high])
    switch estimate {
    case .pessimistic:
      kept[0] += lowMass
      infinityMass = min(1, infinityMass + highMass)
    case .optimistic:
      kept[kept.count - 1] += highMass
    }
    lowestIndex += low
    masses = kept
  }

  /// The total finite mass plus the mass at +∞.
  var totalMass: Double {
    masses.reduce(0, +) + infinityMass
  }
}
