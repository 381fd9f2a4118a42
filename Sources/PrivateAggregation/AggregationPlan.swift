public import DifferentialPrivacy
public import SecureAggregation

/// A validated, calibrated private aggregation: every number the clients' encoder and the
/// server's decoder need, derived once from a ``PrivateAggregationConfiguration`` before any
/// round starts.
///
/// The plan fixes, in integer units of the secure sum:
/// - the layout of the masked vector: the update's d coordinates (rotated and padded to a power
///   of two when there is noise), then the extra coordinates — the clipped-or-not bit for
///   adaptive clipping, the weight for a noised weighted-mean denominator;
/// - the scale s applied to the (clipped, weighted, rotated) update before rounding, chosen so
///   the sum of n clients' values and the noise fits in b bits with k standard deviations of
///   headroom (Kairouz, Liu & Steinke 2021, §4.2), and capped where the samplers need it;
/// - the noise: each client's share (distributed), the server's (central) or each client's whole
///   (local), as one standard deviation σ for every coordinate in integer units; the extra
///   coordinates are scaled by integers so that their own noise has the standard deviation the
///   configuration asks for;
/// - the sensitivities of the integer sum after rounding (update, bit and weight together) and
///   the privacy they give, by the accountant of the mode (``report``).
///
/// The derivation runs in steps, each in its own file: validation and the masked vector's
/// layout, the secure aggregation's parameters, the scale, the sensitivities, the noise and the
/// accounting. ``isPrivate`` is the one answer to "does this plan add noise?": without privacy
/// (``PrivacyMode/none``) nothing is rotated or noised, the scale is the largest that can never
/// wrap, ``quantizationErrorBound`` states the worst error, and every privacy fact —
/// ``noiseMultiplier``, ``report``, ``accountantName``, ``rdp(order:)``,
/// ``roundPrivacy(orders:)`` — is `nil`.
public struct AggregationPlan: Sendable {
  /// What does not depend on the noise level: the validated configuration, the masked vector's
  /// layout and the secure aggregation's parameters.
  let base: Base
  /// The integer encoding: the scale of the update and of the extra coordinates.
  let encoding: Encoding
  /// What only a plan with privacy has: its noise, sensitivities and accounting; `nil` without
  /// privacy.
  let privacy: Privacy?

  /// Validates `configuration` and derives the plan, calibrating the noise for a target ε.
  ///
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming the first
  ///   parameter out of range and what would fit;
  ///   ``PrivateAggregationError/bitWidthTooSmall(bits:minimumBits:needed:)`` when b bits cannot
  ///   hold the sum; ``PrivateAggregationError/differentialPrivacy(_:)`` when no noise level meets
  ///   the target ε (`calibrationFailed`).
  public init(_ configuration: PrivateAggregationConfiguration) throws(PrivateAggregationError) {
    let base = try Base(configuration)
    guard base.isPrivate else {
      self.init(base: base, encoding: try base.exactEncoding(), privacy: nil)
      return
    }
    let derivation = try base.derivation(at: configuration.noise)
    self.init(base: base, encoding: derivation.encoding, privacy: derivation.privacy)
  }

  private init(base: Base, encoding: Encoding, privacy: Privacy?) {
    self.base = base
    self.encoding = encoding
    self.privacy = privacy
  }

  /// The configuration the plan was made from.
  public var configuration: PrivateAggregationConfiguration { base.configuration }
  /// The secure aggregation's parameters: n clients, vectors of ``encodedLength`` elements mod 2^b.
  public var secureAggregation: AggregationConfiguration { base.secureAggregation }
  /// The update's tensor layout.
  public var layout: TensorLayout { base.layout }
  /// m: the update's length.
  public var dimension: Int { layout.totalCount }
  /// Whether the plan adds noise: every ``PrivacyMode`` but ``PrivacyMode/none``. Every other
  /// privacy fact of the plan follows from this one.
  public var isPrivate: Bool { base.isPrivate }
  /// Whether the update is rotated: exactly when the plan ``isPrivate``.
  public var rotates: Bool { base.isPrivate }
  /// d: the number of update coordinates in the masked vector (m, or m padded to a power of two
  /// when rotated).
  public var updateLength: Int { base.updateLength }
  /// The index of the clipped-or-not bit in the masked vector, when adaptive clipping is on.
  public var clippedBitIndex: Int? { base.clippedBitIndex }
  /// The index of the weight in the masked vector, for a noised weighted-mean denominator.
  public var weightIndex: Int? { base.weightIndex }
  /// The masked vector's length: d plus the extra coordinates.
  public var encodedLength: Int { base.encodedLength }
  /// The scale s: integer units per unit of the update.
  public var scale: Double { encoding.scale }
  /// The integer a_b that multiplies the centred bit 2b − 1 (1 and no centring without noise).
  public var clippedBitScale: Int64 { encoding.clippedBitScale }
  /// The scale a_w: integer units per unit of weight.
  public var weightScale: Double { encoding.weightScale }
  /// The most any client's update can weigh: w_max·C for weighted aggregation, else C.
  public var updateSensitivityBound: Double { base.updateBound }
  /// The noise multiplier z of the whole release (nil without privacy).
  public var noiseMultiplier: Double? { privacy?.noiseMultiplier }
  /// The noise multiplier of the update part alone, after the extra coordinates' share (nil
  /// without privacy).
  public var updateNoiseMultiplier: Double? { privacy?.updateNoiseMultiplier }
  /// The noise's standard deviation per coordinate of the released sum, in integer units, when
  /// the fewest clients allowed survive: what the privacy analysis counts on (0 without privacy).
  public var noiseStandardDeviation: Double { privacy?.noise.standardDeviation ?? 0 }
  /// The standard deviation of the noise each client adds per coordinate, in integer units (the
  /// sampler's exact value; 0 for central DP and without privacy).
  public var clientNoiseStandardDeviation: Double {
    privacy?.noise.clientStandardDeviation ?? 0
  }
  /// The clients whose noise certainly reaches the released sum: minimumSurvivors −
  /// colludingClients (distributed DP).
  public var guaranteedNoisyClients: Int { base.guaranteedNoisyClients }
  /// The L2 sensitivity of the integer sum (update and extra coordinates; 0 without privacy).
  public var l2Sensitivity: Double { privacy?.sensitivity.l2 ?? 0 }
  /// The L1 sensitivity of the integer sum (0 without privacy).
  public var l1Sensitivity: Double { privacy?.sensitivity.l1 ?? 0 }
  /// The privacy of ``PrivateAggregationConfiguration/rounds`` rounds (nil without privacy).
  public var report: PrivacyReport? { privacy?.report }
  /// Without privacy: the largest error of any coordinate of the decoded sum, n/s (each
  /// client's stochastic rounding moves each coordinate by less than one integer unit); of the
  /// mean, that divided by the survivors. `nil` with privacy (the noise dominates).
  public var quantizationErrorBound: Double? {
    isPrivate ? nil : Double(configuration.clientCount) / scale
  }

  /// The noise each client draws (distributed and local DP).
  var clientNoise: (any IntegerSampler)? { privacy?.noise.clientSampler }
  /// The server's noise (central DP).
  var centralNoise: GridGaussianMechanism? { privacy?.noise.centralMechanism }
}
