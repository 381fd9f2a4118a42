import Foundation

/// The privacy loss distribution (PLD) of a mechanism, discretized on a grid so that it bounds
/// the true privacy of the mechanism, and of any composition of mechanisms, from one side.
///
/// For neighbouring datasets D (with one client's contribution) and D′ (without it), the
/// privacy loss of an output o is L = log(P(o)/Q(o)) with P = M(D), Q = M(D′), and the tight
/// δ of (ε, δ)-DP is the hockey-stick divergence δ(ε) = E_{o∼P}[(1 − e^{ε−L})₊] (plus the mass
/// where Q is 0). Composition adds independent losses, so the PLD of T rounds is the T-fold
/// convolution of the rounds' PLDs: this accounting is tight, where RDP's conversion to
/// (ε, δ) is not (Koskela, Jälkö & Honkela 2020; Doroshenko et al. 2022). Both directions of
/// the pair are kept — removal (P = M(D), Q = M(D′)) and addition (swapped) — and δ is the
/// larger of the two; a symmetric mechanism stores one.
///
/// The grid has interval ``valueDiscretization`` (h). A ``Estimate/pessimistic`` PLD (the
/// default) never reports a δ or an ε below the true one: each mechanism is discretized by the
/// connect-the-dots construction (Doroshenko, Ghazi, Kamath, Kumar & Manurangsi, PETS 2022),
/// which dominates the true pair, and every truncation moves mass up (a cut upper tail counts as
/// a loss of +∞). An ``Estimate/optimistic`` PLD rounds every loss down and drops a cut lower
/// tail, so it never reports more than the truth; the two together bracket the true ε — see
/// ``PrivacyReport/epsilonLowerBound`` — and their gap bounds the discretization error.
///
/// Numerical limits, stated: tails of at most ``constructionTailMass`` per mechanism and
/// ``tailMass`` per composition are cut as above; composition convolves by a double-precision
/// fast Fourier transform, whose round-off (about 10⁻¹⁵ per entry relative to the total mass) is
/// far below any δ this library accepts.
public struct PrivacyLossDistribution: Sendable, Hashable, Codable {
  /// Which side of the true privacy a discretized distribution bounds.
  public enum Estimate: String, Sendable, Hashable, Codable, CaseIterable {
    /// Never below the true δ or ε: the one to report as a guarantee.
    case pessimistic
    /// Never above the true δ or ε: a lower bound, to measure the discretization error.
    case optimistic
  }

  /// The grid interval h of the privacy loss, > 0.
  public let valueDiscretization: Double
  /// Which side of the truth this distribution bounds.
  public let estimate: Estimate
  /// The mass each composition may cut from each tail (moved in the direction of ``estimate``).
  public let tailMass: Double
  /// The number of mechanisms composed into this distribution.
  public private(set) var mechanismCount: Int
  /// The removal direction: P = M(D) with the contribution, Q = M(D′) without it.
  var removal: PrivacyLossMasses
  /// The addition direction (P and Q swapped); `nil` when it equals ``removal``.
  var addition: PrivacyLossMasses?

  /// The default grid interval, 10⁻⁴ (dp-accounting's common choice).
  public static let defaultValueDiscretization = 1e-4
  /// The default mass cut from each tail per composition, 10⁻¹⁵.
  public static let defaultTailMass = 1e-15
  /// The mass each mechanism's construction may cut from each tail of its loss, 10⁻¹⁸.
  public static let constructionTailMass = 1e-18

  init(
    valueDiscretization: Double,
    estimate: Estimate,
    tailMass: Double,
    mechanismCount: Int,
    removal: PrivacyLossMasses,
    addition: PrivacyLossMasses?
  ) {
    self.valueDiscretization = valueDiscretization
    self.estimate = estimate
    self.tailMass = tailMass
    self.mechanismCount = mechanismCount
    self.removal = removal
    self.addition = addition
  }

  /// The distribution of a mechanism that reveals nothing (a loss of 0): the start of a
  /// composition.
  ///
  /// - Parameters:
  ///   - valueDiscretization: the grid interval h, finite and > 0; 10⁻⁴ by default.
  ///   - estimate: pessimistic (the default) or optimistic.
  ///   - tailMass: the mass each later composition may cut from each tail, in [0, 10⁻⁶];
  ///     10⁻¹⁵ by default.
  public static func identity(
    valueDiscretization: Double = defaultValueDiscretization,
    estimate: Estimate = .pessimistic,
    tailMass: Double = defaultTailMass
  ) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    try validate(valueDiscretization: valueDiscretization, tailMass: tailMass)
    return PrivacyLossDistribution(
      valueDiscretization: valueDiscretization, estimate: estimate, tailMass: tailMass,
      mechanismCount: 0, removal: .identity, addition: nil)
  }

  /// The number of grid points held, the larger direction's: the memory is 8 bytes per point
  /// per direction.
  public var gridPointCount: Int {
    max(removal.masses.count, addition?.masses.count ?? 0)
  }

  /// The smallest and largest finite losses held, over both directions.
  public var lossRange: ClosedRange<Double> {
    let h = valueDiscretization
    let directions = [removal] + (addition.map { [$0] } ?? [])
    let low = directions.map { Double($0.lowestIndex) * h }.min() ?? 0
    let high = directions.map { Double($0.lowestIndex + $0.masses.count - 1) * h }.max() ?? 0
    return low...max(low, high)
  }

  /// The tight δ at `epsilon`: the larger hockey-stick divergence of the two directions.
  ///
  /// - Parameter epsilon: ε ≥ 0 (finite).
  public func delta(epsilon: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.nonNegative(epsilon, "epsilon")
    let h = valueDiscretization
    let removalDelta = removal.delta(epsilon: epsilon, interval: h)
    guard let addition else { return removalDelta }
    return max(removalDelta, addition.delta(epsilon: epsilon, interval: h))
  }

  /// The smallest ε ≥ 0 at which δ(ε) ≤ `delta` in both directions; +∞ when the mass at an
  /// infinite loss alone exceeds `delta`.
  ///
  /// - Parameter delta: 0 < δ < 1.
  public func epsilon(delta: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.delta(delta)
    let h = valueDiscretization
    let removalEpsilon = removal.epsilon(delta: delta, interval: h)
    guard let addition else { return removalEpsilon }
    return max(removalEpsilon, addition.epsilon(delta: delta, interval: h))
  }

  /// The distribution of this mechanism followed by `other` (independent randomness): the
  /// convolution of the two, direction by direction.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` naming
  ///   `valueDiscretization` or `estimate` when the two do not share a grid and an estimate.
  public func composed(
    with other: PrivacyLossDistribution
  ) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    guard other.valueDiscretization == valueDiscretization else {
      throw .invalidParameter(
        name: "valueDiscretization", value: "\(other.valueDiscretization)",
        expected: "\(valueDiscretization), the grid of the distribution composed with")
    }
    guard other.estimate == estimate else {
      throw .invalidParameter(
        name: "estimate", value: other.estimate.rawValue,
        expected: "\(estimate.rawValue), the estimate of the distribution composed with")
    }
    let removal = self.removal.composed(
      with: other.removal, tailMass: tailMass, estimate: estimate)
    let addition: PrivacyLossMasses?
    if self.addition == nil, other.addition == nil {
      addition = nil
    } else {
      addition = (self.addition ?? self.removal).composed(
        with: other.addition ?? other.removal, tailMass: tailMass, estimate: estimate)
    }
    return PrivacyLossDistribution(
      valueDiscretization: valueDiscretization, estimate: estimate, tailMass: tailMass,
      mechanismCount: mechanismCount + other.mechanismCount, removal: removal,
      addition: addition)
  }

  /// The distribution of `count` independent runs of this mechanism, by repeated squaring
  /// (O(log count) convolutions); the identity for a count of 0.
  ///
  /// - Parameter count: the number of runs, ≥ 0.
  public func composed(count: Int) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    try Validation.count(count, "count", minimum: 0)
    let removal = self.removal.selfComposed(count, tailMass: tailMass, estimate: estimate)
    let addition = self.addition?.selfComposed(count, tailMass: tailMass, estimate: estimate)
    let (mechanisms, overflow) = mechanismCount.multipliedReportingOverflow(by: count)
    return PrivacyLossDistribution(
      valueDiscretization: valueDiscretization, estimate: estimate, tailMass: tailMass,
      mechanismCount: overflow ? Int.max : mechanisms, removal: removal, addition: addition)
  }

  /// Checks a grid interval and a tail mass.
  static func validate(
    valueDiscretization: Double,
    tailMass: Double
  ) throws(DifferentialPrivacyError) {
    guard valueDiscretization.isFinite, valueDiscretization > 0, valueDiscretization <= 1 else {
      throw .invalidParameter(
        name: "valueDiscretization", value: "\(valueDiscretization)",
        expected: "a grid interval in (0, 1], e.g. 1e-4")
    }
    guard tailMass >= 0, tailMass <= 1e-6 else {
      throw .invalidParameter(
        name: "tailMass", value: "\(tailMass)", expected: "a mass in [0, 1e-6], e.g. 1e-15")
    }
  }
}

extension PrivacyLossDistribution {
  private enum CodingKeys: String, CodingKey {
    case valueDiscretization, estimate, tailMass, mechanismCount, removal, addition
  }

  /// Decodes a distribution (e.g. a stored ledger's), rejecting a grid interval, tail mass or
  /// count that no constructor accepts, and masses that are not a distribution.
  ///
  /// - Throws: `DecodingError.dataCorrupted` naming the field.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let valueDiscretization = try container.decode(Double.self, forKey: .valueDiscretization)
    let tailMass = try container.decode(Double.self, forKey: .tailMass)
    do {
      try Self.validate(valueDiscretization: valueDiscretization, tailMass: tailMass)
    } catch {
      throw DecodingError.dataCorruptedError(
        forKey: .valueDiscretization, in: container,
        debugDescription: "grid interval or tail mass out of range: \(error)")
    }
    let mechanismCount = try container.decode(Int.self, forKey: .mechanismCount)
    guard mechanismCount >= 0 else {
      throw DecodingError.dataCorruptedError(
        forKey: .mechanismCount, in: container,
        debugDescription: "\(mechanismCount); expected a count ≥ 0")
    }
    self.init(
      valueDiscretization: valueDiscretization,
      estimate: try container.decode(Estimate.self, forKey: .estimate),
      tailMass: tailMass, mechanismCount: mechanismCount,
      removal: try container.decode(PrivacyLossMasses.self, forKey: .removal),
      addition: try container.decodeIfPresent(PrivacyLossMasses.self, forKey: .addition))
  }
}
