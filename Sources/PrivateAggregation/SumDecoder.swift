import DifferentialPrivacy
public import SecureAggregation

/// The server's half of the pipeline: turns the unmasked sum of Z_{2^b} back into the sum and
/// mean of the survivors' updates.
///
/// centred integers → (central DP) the server's noise, exactly on a grid → ÷ scale → inverse
/// rotation → drop the padding → restore the tensors' shapes; the extra coordinates give the
/// noised count of unclipped clients and the total weight; the mean divides by the survivors
/// (uniform), the public total weight, or the noised total weight.
public struct SumDecoder: Sendable {
  /// The decoded release.
  public struct Release: Sendable {
    /// The sum of the survivors' (clipped, weighted) updates, flattened, with the noise.
    public let sum: [Double]
    /// ``sum`` cut back into the update's tensors.
    public let tensors: [[Double]]
    /// ``sum`` divided by ``denominator``.
    public let mean: [Double]
    /// The survivors: clients whose vectors are in the sum.
    public let survivors: Int
    /// What the mean divides by: the survivors, the public total weight, or the noised total
    /// weight (never below w_max).
    public let denominator: Double
    /// Adaptive clipping: the noised number of survivors whose update was not clipped (exact
    /// without privacy); `nil` when the bit does not travel.
    public let unclippedCount: Double?
    /// The noised total weight, when it travels; `nil` otherwise.
    public let totalWeight: Double?
    /// The noise variance per coordinate of ``sum`` (``AggregationPlan/noiseVariance(survivors:)``).
    public let noiseVariance: Double
  }

  /// The plan the decoding follows.
  public let plan: AggregationPlan

  /// A decoder for `plan`.
  public init(plan: AggregationPlan) {
    self.plan = plan
  }

  /// Decodes the unmasked sum of `survivors` clients' inputs.
  ///
  /// - Parameters:
  ///   - sum: the secure aggregation's result, ``AggregationPlan/encodedLength`` elements mod 2^b.
  ///   - survivors: how many clients' inputs it holds, 1...n.
  ///   - sessionID: the session's id, which fixed the rotation.
  ///   - randomSource: where central DP's noise comes from (unused otherwise): the system's
  ///     secure generator by default; ``RandomSource/insecureDeterministic(seed:)`` for
  ///     reproducible tests only.
  /// - Throws: ``PrivateAggregationError/dimensionMismatch(expected:actual:)`` or
  ///   ``PrivateAggregationError/invalidParameter(name:value:expected:)`` for a sum or survivor
  ///   count that does not fit the plan, and ``PrivateAggregationError/differentialPrivacy(_:)``.
  public func decode(
    _ sum: ModularVector, survivors: Int, sessionID: SessionID,
    randomSource: RandomSource = .system
  ) throws(PrivateAggregationError) -> Release {
    var generator = randomSource.drawingGenerator()
    return try decode(sum, survivors: survivors, sessionID: sessionID, using: &generator)
  }

  /// ``decode(_:survivors:sessionID:randomSource:)`` drawing central noise from `generator`.
  package func decode(
    _ sum: ModularVector, survivors: Int, sessionID: SessionID,
    using generator: inout some RandomNumberGenerator
  ) throws(PrivateAggregationError) -> Release {
    guard sum.count == plan.encodedLength else {
      throw .dimensionMismatch(expected: plan.encodedLength, actual: sum.count)
    }
    guard sum.modulus == plan.secureAggregation.modulus else {
      throw .invalidParameter(
        name: "sum modulus", value: "\(sum.modulus)",
        expected: "\(plan.secureAggregation.modulus)")
    }
    guard (1...plan.configuration.clientCount).contains(survivors) else {
      throw .invalidParameter(
        name: "survivors", value: "\(survivors)", expected: "1...\(plan.configuration.clientCount)")
    }
    let values = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) -> [Double] in
      let centred = try ModularClipping.centred(sum.elements, bitWidth: plan.configuration.bits)
      var values = centred.map(Double.init)
      if let noise = plan.centralNoise {
        try noise.addNoise(to: &values, using: &generator)
      }
      return values
    }
    var update = Array(values[0..<plan.updateLength])
    let inverseScale = 1 / plan.scale
    update.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices { buffer[index] *= inverseScale }
    }
    let (flat, tensors) = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      let flat =
        plan.rotates
        ? try RandomizedHadamard(dimension: plan.dimension, seed: sessionID.bytes)
          .inverseRotate(update)
        : update
      return (flat, try plan.layout.restore(flat))
    }
    let count = Double(survivors)
    let unclipped = plan.clippedBitIndex.map { index in
      plan.isPrivate
        ? (values[index] / Double(plan.clippedBitScale) + count) / 2 : values[index]
    }
    let totalWeight = plan.weightIndex.map { values[$0] / plan.weightScale }
    let denominator: Double
    switch plan.configuration.weighting {
    case .uniform:
      denominator = count
    case .weighted(_, .fixed(let total)):
      denominator = total
    case .weighted(let maximumWeight, .noised):
      denominator = max(totalWeight ?? maximumWeight, maximumWeight)
    }
    return Release(
      sum: flat, tensors: tensors, mean: flat.map { $0 / denominator }, survivors: survivors,
      denominator: denominator, unclippedCount: unclipped, totalWeight: totalWeight,
      noiseVariance: plan.noiseVariance(survivors: survivors))
  }
}
