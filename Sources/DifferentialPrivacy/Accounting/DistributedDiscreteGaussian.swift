import Foundation

/// The privacy of the sum of n clients' discrete Gaussian noise: the distributed discrete
/// Gaussian mechanism of Kairouz, Liu & Steinke, "The Distributed Discrete Gaussian Mechanism for
/// Federated Learning with Secure Aggregation" (ICML 2021; arXiv 2102.06387).
///
/// Each of n clients adds N_Z(0, σ²) independently to each of the d coordinates of its scaled,
/// rotated and rounded integer vector. The sum of the noise is not a discrete Gaussian, but is
/// close to N_Z(0, nσ²): Theorem 1 of the paper bounds the gap by
///
///     τ = 10 · Σ_{k=1}^{n−1} exp(−2π²σ² · k/(k + 1)),
///
/// and Proposition 14 (Eq. 17) gives the RDP of the released sum, with Δ₁, Δ₂ the L1 and L2
/// sensitivities of the integer sum and σ_c = √n σ the central standard deviation:
///
///     RDP(α) = min{ (α/2)(Δ₂/σ_c)² + τd,
///                   (α/2)((Δ₂/σ_c)² + 2(Δ₁/σ_c)τ + τ²d),
///                   (α/2)(Δ₂/σ_c + τ√d)² }.
///
/// Every quantity is in integer units (after scaling by 1/γ); d is the padded dimension the
/// clients actually send. The paper states the bound for integer orders; at a fractional order
/// the value at ⌈α⌉ is used, which is valid because RDP does not decrease with the order.
/// Compose ``rdp(order:)`` with an ``RDPAccountant`` (`compose(count:curve:)`); amplification
/// by sampling is not applied here.
public struct DistributedDiscreteGaussian: Sendable, Hashable {
  /// The number n ≥ 1 of clients whose noise is certainly in the released sum.
  public let clients: Int
  /// Each client's per-coordinate standard deviation σ ≥ 1, in integer units.
  public let localStandardDeviation: Double
  /// The L1 sensitivity Δ₁ of the integer sum.
  public let l1Sensitivity: Double
  /// The L2 sensitivity Δ₂ of the integer sum.
  public let l2Sensitivity: Double
  /// The padded dimension d of the vectors.
  public let dimension: Int

  /// Describes n clients each adding N_Z(0, σ²) per coordinate to d-dimensional integer vectors.
  ///
  /// - Parameters:
  ///   - clients: n ≥ 1; count only clients whose noise the adversary does not know.
  ///   - localStandardDeviation: σ ≥ 1 per client, in integer units. The paper's Theorem 1 asks
  ///     for σ bounded below (by 1/2); requiring 1 leaves a margin, and any useful σ in integer
  ///     units is far larger.
  ///   - l1Sensitivity: Δ₁ > 0 (see ``RoundedSensitivity``).
  ///   - l2Sensitivity: Δ₂ > 0.
  ///   - dimension: the padded dimension d ≥ 1.
  public init(
    clients: Int,
    localStandardDeviation: Double,
    l1Sensitivity: Double,
    l2Sensitivity: Double,
    dimension: Int
  ) throws(DifferentialPrivacyError) {
    try Validation.count(clients, "clients", minimum: 1)
    guard localStandardDeviation.isFinite, localStandardDeviation >= 1 else {
      throw .invalidParameter(
        name: "localStandardDeviation", value: "\(localStandardDeviation)",
        expected: "σ ≥ 1 in integer units")
    }
    try Validation.positive(l1Sensitivity, "l1Sensitivity")
    try Validation.positive(l2Sensitivity, "l2Sensitivity")
    try Validation.count(dimension, "dimension", minimum: 1)
    self.clients = clients
    self.localStandardDeviation = localStandardDeviation
    self.l1Sensitivity = l1Sensitivity
    self.l2Sensitivity = l2Sensitivity
    self.dimension = dimension
  }

  /// The standard deviation √n σ of the summed noise per coordinate.
  public var centralStandardDeviation: Double {
    Double(clients).squareRoot() * localStandardDeviation
  }

  /// τ = 10 Σ_{k=1}^{n−1} exp(−2π²σ² k/(k + 1)) of Kairouz, Liu & Steinke 2021, Theorem 1: how
  /// far the sum of n discrete Gaussians is from one; 0 for a single client.
  public var tau: Double {
    let variance = localStandardDeviation * localStandardDeviation
    var sum = 0.0
    for k in stride(from: 1, to: clients, by: 1) {
      let ratio = Double(k) / Double(k + 1)
      sum += exp(-2 * Double.pi * Double.pi * variance * ratio)
    }
    return 10 * sum
  }

  /// The noise multiplier in the library's common unit: the standard deviation of the total
  /// noise in the released sum divided by the clip bound, both in the same (unscaled) units —
  /// the central standard deviation over s·C for scale s.
  ///
  /// - Parameters:
  ///   - clipBound: the L2 clip bound C > 0, before scaling.
  ///   - scale: the scale s = 1/γ > 0 applied before rounding.
  public func noiseMultiplier(
    clipBound: Double,
    scale: Double
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.positive(clipBound, "clipBound")
    try Validation.positive(scale, "scale")
    return centralStandardDeviation / (scale * clipBound)
  }

  /// The RDP of one release at order α (Kairouz, Liu & Steinke 2021, Proposition 14), evaluated
  /// at ⌈α⌉.
  ///
  /// - Parameter order: α > 1.
  public func rdp(order: Double) throws(DifferentialPrivacyError) -> Double {
    try Validation.order(order)
    let alpha = order.rounded(.up)
    let tau = self.tau
    let d = Double(dimension)
    let l2Scale = l2Sensitivity / centralStandardDeviation
    let l1Scale = l1Sensitivity / centralStandardDeviation
    let first = alpha / 2 * l2Scale * l2Scale + tau * d
    let second = alpha / 2 * (l2Scale * l2Scale + 2 * l1Scale * tau + tau * tau * d)
    let shifted = l2Scale + d.squareRoot() * tau
    let third = alpha / 2 * shifted * shifted
    return min(first, second, third)
  }
}

/// The L1 and L2 sensitivities of a sum of integer vectors after scaling, randomized rotation
/// and conditional randomized rounding (Kairouz, Liu & Steinke 2021, Theorem 1 and its rounding
/// lemma), in the padded dimension.
///
/// A client's vector, clipped to L2 norm C, keeps its norm under the (orthogonal) rotation, is
/// scaled by s = 1/γ to norm sC, and is rounded to integers; conditional rounding with retry
/// parameter β ∈ (0, 1) ensures
///
///     ‖x̃‖₂² ≤ s²C² + d/4 + √(2 log(1/β)) (sC + √d/2),
///
/// and any rounding keeps ‖x̃‖₂ ≤ sC + √d, so Δ₂ is the smaller of the two. For integer vectors
/// ‖x‖₁ ≤ ‖x‖₂² and ‖x‖₁ ≤ √d ‖x‖₂, so Δ₁ = Δ₂ · min(√d, Δ₂). (These are the bounds of the
/// authors' `rounded_l2_norm_bound` and `rounded_l1_norm_bound`.) Under replace-one neighbours
/// two rounded contributions differ by at most twice the bound on one of them, so Δ₂ doubles
/// (rounding C and 2C separately would understate it: the √d term doubles too).
public struct RoundedSensitivity: Sendable, Hashable {
  /// The L1 sensitivity Δ₁ in integer units.
  public let l1: Double
  /// The L2 sensitivity Δ₂ in integer units.
  public let l2: Double
  /// The padded dimension the bounds are computed in.
  public let paddedDimension: Int

  /// The sensitivities of vectors of L2 norm at most `clipBound`, scaled by `scale`, rotated in
  /// the next power of two ≥ `dimension`, and rounded with retry parameter `beta`, for
  /// neighbouring datasets under `relation`.
  ///
  /// - Parameters:
  ///   - clipBound: each contribution's L2 norm bound C before scaling, > 0.
  ///   - scale: s = 1/γ > 0.
  ///   - dimension: the unpadded dimension ≥ 1.
  ///   - beta: β in [0, 1); 0 means unconditional rounding (only the sC + √d bound).
  ///   - relation: the neighbouring relation; replace-one doubles Δ₂. Add-or-remove-one by
  ///     default.
  public init(
    clipBound: Double,
    scale: Double,
    dimension: Int,
    beta: Double,
    relation: NeighboringRelation = .addOrRemoveOne
  ) throws(DifferentialPrivacyError) {
    try Validation.positive(clipBound, "clipBound")
    try Validation.positive(scale, "scale")
    try Validation.count(dimension, "dimension", minimum: 1)
    let padded = Self.paddedDimension(for: dimension)
    let d = Double(padded)
    // The rounding's own bound, so the accountant and the client use one formula.
    let one = try ConditionalRounding(beta: beta)
      .squaredNormBound(normBound: clipBound * scale, dimension: padded).squareRoot()
    let l2 = relation.l2Sensitivity(clipBound: one)
    self.l2 = l2
    self.l1 = l2 * min(d.squareRoot(), l2)
    self.paddedDimension = padded
  }

  /// The dimension the randomized Hadamard transform works in: the smallest power of two
  /// ≥ `dimension` (1 for dimensions below 1).
  public static func paddedDimension(for dimension: Int) -> Int {
    RandomizedHadamard.paddedDimension(for: dimension)
  }
}
