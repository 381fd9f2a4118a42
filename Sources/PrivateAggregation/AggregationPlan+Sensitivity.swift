import DifferentialPrivacy

extension AggregationPlan {
  /// The sensitivities of the integer sum after rounding: how far one client (added, removed or
  /// replaced, by the accounting's relation) can move it, update and extra coordinates together.
  struct Sensitivity: Sendable {
    /// The L1 sensitivity.
    let l1: Double
    /// The L2 sensitivity.
    let l2: Double
  }
}

extension AggregationPlan.Base {
  /// The sensitivities of the integer sum under `encoding`: the rounded update's (conditional
  /// rounding at β), the bit's ±a_b and the weight's ⌈a_w·w_max⌉.
  func sensitivity(of encoding: AggregationPlan.Encoding) throws(PrivateAggregationError)
    -> AggregationPlan.Sensitivity
  {
    let relation = accountingRelation
    let rounded = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try RoundedSensitivity(
        clipBound: updateBound, scale: encoding.scale, dimension: layout.totalCount,
        beta: configuration.roundingBeta, relation: relation)
    }
    let factor: Double = relation == .replaceOne ? 2 : 1
    var l2Squared = rounded.l2 * rounded.l2
    var l1 = rounded.l1
    if clippedBitIndex != nil {
      // The bit is ±a_b: adding or removing a client moves the sum by a_b, replacing by 2a_b.
      let bit = Double(encoding.clippedBitScale) * factor
      l2Squared += bit * bit
      l1 += bit
    }
    if weightIndex != nil, case .weighted(let wmax, _) = configuration.weighting {
      // The weight rounds to 0...⌈a_w·w_max⌉ either way.
      let weight = (encoding.weightScale * wmax).rounded(.up)
      l2Squared += weight * weight
      l1 += weight
    }
    return AggregationPlan.Sensitivity(l1: l1, l2: l2Squared.squareRoot())
  }
}
