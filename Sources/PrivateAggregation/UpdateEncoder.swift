import DifferentialPrivacy
public import SecureAggregation

/// The client's half of the pipeline: turns a float update into the vector of Z_{2^b} that the
/// secure-aggregation client masks.
///
/// flatten → L2 clip to C (noting whether it clipped) → × weight (clamped to w_max) → randomized
/// Hadamard rotation (signs from the session id, which every client and the server share) →
/// × scale s → conditional randomized rounding to integers → the extra coordinates (the
/// clipped-or-not bit, the weight) → this client's share of discrete noise (distributed DP) or
/// all of it (local DP) → reduce mod 2^b.
///
/// The rotation's signs come from the session id, so the server cannot pick them after seeing
/// the clients' keys, and a new session gets new signs.
public struct UpdateEncoder: Sendable {
  /// What one encoding produced.
  public struct Encoding: Sendable {
    /// The vector to hand to the secure-aggregation client as its input.
    public let input: ModularVector
    /// Whether the update's norm exceeded C and it was scaled down.
    public let wasClipped: Bool
    /// How many rounding tries conditional rounding took.
    public let roundingAttempts: Int
  }

  /// The plan the encoding follows.
  public let plan: AggregationPlan

  /// An encoder for `plan`.
  public init(plan: AggregationPlan) {
    self.plan = plan
  }

  /// Encodes a flat update.
  ///
  /// The one entry for every element type: a `[Double]` is used as it is, any other collection
  /// of floating-point values is converted to `Double` first (`Float` exactly). For
  /// an update made of tensors, flatten it with ``AggregationPlan/flatten(_:)`` first:
  /// `encoder.encode(try plan.flatten(tensors), sessionID: id)`.
  ///
  /// - Parameters:
  ///   - update: m = ``AggregationPlan/dimension`` finite values.
  ///   - weight: the client's weight for ``Weighting/weighted(maximumWeight:denominator:)``
  ///     (clamped to [0, w_max]); ignored for uniform weighting.
  ///   - sessionID: the session's id (from the announcement or the share relay).
  ///   - randomSource: where the rounding and noise come from: the system's secure generator by
  ///     default; ``RandomSource/insecureDeterministic(seed:)`` for reproducible tests only.
  /// - Throws: ``PrivateAggregationError/dimensionMismatch(expected:actual:)``,
  ///   ``PrivateAggregationError/nonFiniteValue(index:)`` (NaN or ±∞ in the update),
  ///   ``PrivateAggregationError/invalidInput(name:expected:)`` for a negative or non-finite
  ///   weight, and ``PrivateAggregationError/differentialPrivacy(_:)`` when rounding fails.
  public func encode(
    _ update: some Collection<some BinaryFloatingPoint>, weight: Double = 1,
    sessionID: SessionID, randomSource: RandomSource = .system
  ) throws(PrivateAggregationError) -> Encoding {
    var generator = randomSource.drawingGenerator()
    return try encode(update, weight: weight, sessionID: sessionID, using: &generator)
  }

  /// ``encode(_:weight:sessionID:randomSource:)`` drawing from `generator`.
  package func encode(
    _ update: some Collection<some BinaryFloatingPoint>, weight: Double = 1,
    sessionID: SessionID, using generator: inout some RandomNumberGenerator
  ) throws(PrivateAggregationError) -> Encoding {
    guard update.count == plan.dimension else {
      throw .dimensionMismatch(expected: plan.dimension, actual: update.count)
    }
    let clamped = try clampedWeight(weight)
    // A [Double] is shared, and copied once when clipping writes to it.
    var vector = update as? [Double] ?? update.map { Double($0) }
    let outcome = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try L2Clipping(bound: plan.configuration.clipBound).clip(&vector)
    }
    let scale = plan.scale * clamped
    var rotated: [Double]
    if plan.rotates {
      rotated = try PrivateAggregationError.liftingPrivacyError {
        () throws(DifferentialPrivacyError) in
        try RandomizedHadamard(dimension: plan.dimension, seed: sessionID.bytes).rotate(vector)
      }
    } else {
      rotated = vector
    }
    rotated.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices { buffer[index] *= scale }
    }
    let rounded = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try ConditionalRounding(beta: plan.isPrivate ? plan.configuration.roundingBeta : 0)
        .round(rotated, normBound: plan.scale * plan.updateSensitivityBound, using: &generator)
    }
    var values = rounded.values
    values.reserveCapacity(plan.encodedLength)
    if plan.clippedBitIndex != nil {
      let bit: Int64 = outcome.wasClipped ? 0 : 1
      values.append(plan.isPrivate ? plan.clippedBitScale * (2 * bit - 1) : bit)
    }
    if plan.weightIndex != nil {
      let scaled = plan.weightScale * clamped
      let floor = scaled.rounded(.down)
      let up = generator.nextUnitInterval() < scaled - floor
      values.append(Int64(floor) + (up ? 1 : 0))
    }
    if let noise = plan.clientNoise {
      var draws = [Int64](repeating: 0, count: values.count)
      draws.withUnsafeMutableBufferPointer { noise.fill($0, using: &generator) }
      for index in values.indices { values[index] = values[index] &+ draws[index] }
    }
    let wrapped = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try ModularClipping.wrap(values, bitWidth: plan.configuration.bits)
    }
    let input = try PrivateAggregationError.liftingProtocolError {
      () throws(SecureAggregationError) in
      try ModularVector(wrapped, modulus: plan.secureAggregation.modulus)
    }
    return Encoding(
      input: input, wasClipped: outcome.wasClipped, roundingAttempts: rounded.attempts)
  }
}

extension UpdateEncoder {
  /// The weight an update is multiplied by: `weight` clamped to w_max for weighted aggregation,
  /// 1 otherwise — the one place the clamp is computed (the simulations' true mean uses it too).
  ///
  /// - Throws: ``PrivateAggregationError/invalidInput(name:expected:)`` for a negative or
  ///   non-finite weight under weighted aggregation.
  package func clampedWeight(_ weight: Double) throws(PrivateAggregationError) -> Double {
    guard case .weighted(let maximumWeight, _) = plan.configuration.weighting else { return 1 }
    guard weight.isFinite, weight >= 0 else {
      throw .invalidInput(name: "weight", expected: "a finite weight ≥ 0")
    }
    return min(weight, maximumWeight)
  }
}

extension AggregationPlan {
  /// The tensors of an update in one flat vector, by the plan's layout.
  ///
  /// - Throws: ``PrivateAggregationError/dimensionMismatch(expected:actual:)`` when the tensors
  ///   do not match the layout.
  public func flatten(_ tensors: [[Double]]) throws(PrivateAggregationError) -> [Double] {
    try PrivateAggregationError.liftingPrivacyError { () throws(DifferentialPrivacyError) in
      try layout.flatten(tensors)
    }
  }
}
