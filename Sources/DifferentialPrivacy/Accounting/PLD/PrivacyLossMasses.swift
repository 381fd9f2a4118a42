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

extension PrivacyLossMasses {
  private enum CodingKeys: String, CodingKey {
    case lowestIndex, masses, infinityMass
  }

  /// The largest grid index magnitude accepted from an archive, 2⁵²: beyond it a loss i·h is no
  /// longer an exact multiple of the grid, and index arithmetic could overflow.
  static let largestArchivedIndex = 1 << 52
  /// The most masses accepted from an archive, 2²⁸ (2 GiB): four times the largest single
  /// mechanism's grid, room for the compositions a ledger holds.
  static let largestArchivedCount = 1 << 28

  /// Decodes masses, rejecting what no construction produces: a negative, non-finite or
  /// excessive mass, an empty or oversized grid, or an index that could overflow.
  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let lowestIndex = try container.decode(Int.self, forKey: .lowestIndex)
    let masses = try container.decode([Double].self, forKey: .masses)
    let infinityMass = try container.decode(Double.self, forKey: .infinityMass)
    func corrupted(_ key: CodingKeys, _ message: String) -> DecodingError {
      DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
    }
    guard !masses.isEmpty, masses.count <= Self.largestArchivedCount else {
      throw corrupted(.masses, "\(masses.count) masses; expected 1 to \(Self.largestArchivedCount)")
    }
    guard abs(lowestIndex) <= Self.largestArchivedIndex,
      abs(lowestIndex) + masses.count <= Self.largestArchivedIndex
    else {
      throw corrupted(.lowestIndex, "index \(lowestIndex); expected |index| ≤ 2^52 - count")
    }
    guard masses.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
      throw corrupted(.masses, "a mass that is negative or not finite")
    }
    guard infinityMass.isFinite, infinityMass >= 0, infinityMass <= 1 else {
      throw corrupted(.infinityMass, "\(infinityMass); expected a mass in [0, 1]")
    }
    let total = masses.reduce(0, +) + infinityMass
    // Composition by FFT may leave the total a few ulps per point above 1; far more is corrupt.
    guard total <= 1 + 1e-6 else {
      throw corrupted(.masses, "total mass \(total); expected at most 1")
    }
    self.init(lowestIndex: lowestIndex, masses: masses, infinityMass: infinityMass)
  }
}
