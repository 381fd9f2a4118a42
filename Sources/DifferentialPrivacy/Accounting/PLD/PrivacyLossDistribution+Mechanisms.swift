import Foundation

extension PrivacyLossDistribution {
  /// The most grid points one mechanism's distribution may hold, 2²⁶ (512 MiB per direction):
  /// beyond it the grid interval is too fine for the mechanism's range of losses.
  public static let maximumGridPointCount = 1 << 26

  /// The grid indices ⌊low/h⌋ − `below` … ⌈high/h⌉ + `above` that cover the losses
  /// [low, high], at least `minimumCount` apart.
  ///
  /// - Throws: ``DifferentialPrivacyError/parameterTooLarge(name:value:maximum:)`` naming
  ///   `valueDiscretization` when the grid would hold more than ``maximumGridPointCount`` points
  ///   (checked before any conversion to `Int`, so no range traps).
  static func gridIndices(
    covering low: Double, _ high: Double, interval h: Double, below: Int = 1, above: Int = 0,
    minimumCount: Int = 0
  ) throws(DifferentialPrivacyError) -> (lowest: Int, highest: Int) {
    let lowStep = (low / h).rounded(.down)
    let highStep = (high / h).rounded(.up)
    let limit = Double(maximumGridPointCount)
    guard lowStep.isFinite, highStep.isFinite, abs(lowStep) <= limit * 64,
      abs(highStep) <= limit * 64, highStep - lowStep + Double(below + above) <= limit
    else {
      throw .parameterTooLarge(
        name: "valueDiscretization", value: "\(h)",
        maximum: "a grid of \(maximumGridPointCount) points over [\(low), \(high)]")
    }
    let lowest = Int(lowStep) - below
    return (lowest, max(lowest + minimumCount, Int(highStep) + above))
  }

  /// The distribution of the Gaussian mechanism — noise N(0, σ²) added to a query whose one
  /// contribution has L2 norm at most `sensitivity` — with the contribution included by Poisson
  /// sampling at rate q.
  ///
  /// The dominating pairs, in units of the sensitivity (σ_u = σ/Δ):
  /// - q = 1, add-or-remove-one: N(1, σ_u²) against N(0, σ_u²), whose loss is exactly
  ///   N(μ, 2μ) with μ = 1/(2σ_u²); replace-one doubles the shift (the L2 sensitivity is 2Δ);
  /// - q < 1, add-or-remove-one: removal (1 − q)N(0, σ_u²) + qN(1, σ_u²) against N(0, σ_u²),
  ///   addition the reverse (Zhu, Dong & Wang 2022, Theorem 11; the pair dp-accounting uses);
  /// - q < 1, replace-one: (1 − q)N(0, σ_u²) + qN(1, σ_u²) against (1 − q)N(0, σ_u²) + qN(−1, σ_u²)
  ///   (the contribution replaced by its opposite).
  ///
  /// Amplification by sampling is a guarantee only when the sampling is Poisson and not in the
  /// hands of whoever sees the output (see ``CohortSampling``); pass q = 1 otherwise.
  ///
  /// - Parameters:
  ///   - standardDeviation: σ > 0 of the noise.
  ///   - sensitivity: Δ > 0, the L2 norm bound of one contribution; 1 by default, so that σ is
  ///     the noise multiplier.
  ///   - samplingRate: q in [0, 1]; 1 (no sampling) by default.
  ///   - relation: the neighbouring relation; add-or-remove-one by default.
  ///   - valueDiscretization: the grid interval h in (0, 1]; 10⁻⁴ by default.
  ///   - estimate: pessimistic (the default) or optimistic.
  ///   - tailMass: the mass each composition may cut from each tail; 10⁻¹⁵ by default.
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` naming the
  ///   parameter, or ``DifferentialPrivacyError/parameterTooLarge(name:value:maximum:)`` naming
  ///   `valueDiscretization` when the grid would exceed ``maximumGridPointCount``.
  public static func gaussian(
    standardDeviation: Double,
    sensitivity: Double = 1,
    samplingRate: Double = 1,
    relation: NeighboringRelation = .addOrRemoveOne,
    valueDiscretization: Double = defaultValueDiscretization,
    estimate: Estimate = .pessimistic,
    tailMass: Double = defaultTailMass
  ) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    try Validation.positive(standardDeviation, "standardDeviation")
    try Validation.positive(sensitivity, "sensitivity")
    try Validation.samplingRate(samplingRate)
    try validate(valueDiscretization: valueDiscretization, tailMass: tailMass)
    let h = valueDiscretization
    let sigma = standardDeviation / sensitivity
    let q = samplingRate
    func make(_ removal: PrivacyLossMasses, _ addition: PrivacyLossMasses?)
      -> PrivacyLossDistribution
    {
      PrivacyLossDistribution(
        valueDiscretization: h, estimate: estimate, tailMass: tailMass, mechanismCount: 1,
        removal: removal, addition: addition)
    }
    if q == 0 {
      return make(.identity, nil)
    }
    if q == 1 {
      let shift = relation.l2Sensitivity(clipBound: 1)
      let mu = shift * shift / (2 * sigma * sigma)
      let spread = (2 * mu).squareRoot()
      let underP = NormalInterval(mean: mu, standardDeviation: spread)
      let underQ = NormalInterval(mean: -mu, standardDeviation: spread)
      let range = try gridRange(
        interval: h, start: mu, below: underP.lowerTail, above: underP.upperTail)
      let buckets = PrivacyLossBuckets.monotone(
        lowestIndex: range.lowest, highestIndex: range.highest, interval: h, increasing: true,
        threshold: { $0 }, pMass: underP.mass, qMass: underQ.mass)
      return make(buckets.masses(interval: h, estimate: estimate), nil)
    }
    let centred = NormalInterval(mean: 0, standardDeviation: sigma)
    let shifted = NormalInterval(mean: 1, standardDeviation: sigma)
    let variance = sigma * sigma
    func mixture(_ a: Double, _ b: Double) -> Double {
      (1 - q) * centred.mass(a, b) + q * shifted.mass(a, b)
    }
    switch relation {
    case .addOrRemoveOne:
      // Removal: L(x) = log(1 − q + q e^{(2x − 1)/(2σ²)}), increasing, above log(1 − q).
      let removalFloor = log1p(-q)
      let removalThreshold = { (loss: Double) -> Double in
        loss <= removalFloor
          ? -.infinity : variance * log((expm1(loss) + q) / q) + 0.5
      }
      let removalRange = try gridRange(
        interval: h, start: 0,
        below: { mixture(-.infinity, removalThreshold($0)) },
        above: { mixture(removalThreshold($0), .infinity) })
      let removal = PrivacyLossBuckets.monotone(
        lowestIndex: removalRange.lowest, highestIndex: removalRange.highest, interval: h,
        increasing: true, threshold: removalThreshold, pMass: mixture, qMass: centred.mass)
      // Addition: L(x) = −log(1 − q + q e^{(2x − 1)/(2σ²)}), decreasing, below −log(1 − q).
      let additionCeiling = -log1p(-q)
      let additionThreshold = { (loss: Double) -> Double in
        loss >= additionCeiling
          ? -.infinity : variance * log((expm1(-loss) + q) / q) + 0.5
      }
      let additionRange = try gridRange(
        interval: h, start: 0,
        below: { centred.mass(additionThreshold($0), .infinity) },
        above: { centred.mass(-.infinity, additionThreshold($0)) })
      let addition = PrivacyLossBuckets.monotone(
        lowestIndex: additionRange.lowest, highestIndex: additionRange.highest, interval: h,
        increasing: false, threshold: additionThreshold, pMass: centred.mass, qMass: mixture)
      return make(
        removal.masses(interval: h, estimate: estimate),
        addition.masses(interval: h, estimate: estimate))
    case .replaceOne:
      // L(x) = log((1 − q + q c t)/(1 − q + q c/t)) with c = e^{−1/(2σ²)}, t = e^{x/σ²}:
      // increasing in x; its inverse solves q c t² + (1 − q)(1 − e^ℓ) t − e^ℓ q c = 0.
      let opposite = NormalInterval(mean: -1, standardDeviation: sigma)
      func otherMixture(_ a: Double, _ b: Double) -> Double {
        (1 - q) * centred.mass(a, b) + q * opposite.mass(a, b)
      }
      let c = exp(-1 / (2 * variance))
      let threshold = { (loss: Double) -> Double in
        let e = exp(loss)
        let b = (1 - q) * (-expm1(loss))
        let root = (b * b + 4 * q * q * c * c * e).squareRoot()
        let t = b <= 0 ? (root - b) / (2 * q * c) : 2 * e * q * c / (b + root)
        return variance * log(t)
      }
      let range = try gridRange(
        interval: h, start: 0,
        below: { mixture(-.infinity, threshold($0)) },
        above: { mixture(threshold($0), .infinity) })
      let buckets = PrivacyLossBuckets.monotone(
        lowestIndex: range.lowest, highestIndex: range.highest, interval: h, increasing: true,
        threshold: threshold, pMass: mixture, qMass: otherMixture)
      // The pair is symmetric under x ↦ −x, so addition equals removal.
      return make(buckets.masses(interval: h, estimate: estimate), nil)
    }
  }

  /// The distribution of the Laplace mechanism: noise of density e^{−|x|/b}/(2b) added to a
  /// query of L1 sensitivity Δ.
  ///
  /// The pair Lap(0, b) against Lap(Δ, b): the loss is Δ/b left of 0, −Δ/b right of Δ and
  /// (Δ − 2x)/b between, so it carries atoms at ±Δ/b; the pair is symmetric.
  ///
  /// - Parameters:
  ///   - scale: b > 0.
  ///   - sensitivity: Δ > 0; 1 by default.
  ///   - valueDiscretization: the grid interval h in (0, 1]; 10⁻⁴ by default.
  ///   - estimate: pessimistic (the default) or optimistic.
  ///   - tailMass: the mass each composition may cut from each tail; 10⁻¹⁵ by default.
  public static func laplace(
    scale: Double,
    sensitivity: Double = 1,
    valueDiscretization: Double = defaultValueDiscretization,
    estimate: Estimate = .pessimistic,
    tailMass: Double = defaultTailMass
  ) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    try Validation.positive(scale, "scale")
    try Validation.positive(sensitivity, "sensitivity")
    try validate(valueDiscretization: valueDiscretization, tailMass: tailMass)
    let h = valueDiscretization
    let b = scale
    let delta = sensitivity
    let bound = delta / b
    let (lowest, highest) = try gridIndices(covering: -bound, bound, interval: h)
    // P(a < X ≤ b) for X ~ Lap(centre, b), each side from its own tail.
    func laplaceMass(_ lower: Double, _ upper: Double, centre: Double) -> Double {
      guard lower < upper else { return 0 }
      func lowerTail(_ x: Double) -> Double {  // P(X ≤ x) for x ≤ centre
        0.5 * exp((x - centre) / b)
      }
      func upperTail(_ x: Double) -> Double {  // P(X > x) for x ≥ centre
        0.5 * exp(-(x - centre) / b)
      }
      if lower >= centre { return max(0, upperTail(lower) - upperTail(upper)) }
      if upper <= centre { return max(0, lowerTail(upper) - lowerTail(lower)) }
      return max(0, 1 - lowerTail(lower) - upperTail(upper))
    }
    let threshold = { (loss: Double) -> Double in
      if loss >= bound { return -.infinity }
      if loss < -bound { return .infinity }
      return (delta - b * loss) / 2
    }
    let buckets = PrivacyLossBuckets.monotone(
      lowestIndex: lowest, highestIndex: highest, interval: h, increasing: false,
      threshold: threshold,
      pMass: { laplaceMass($0, $1, centre: 0) },
      qMass: { laplaceMass($0, $1, centre: delta) })
    return PrivacyLossDistribution(
      valueDiscretization: h, estimate: estimate, tailMass: tailMass, mechanismCount: 1,
      removal: buckets.masses(interval: h, estimate: estimate), addition: nil)
  }

  /// The distribution of the discrete Laplace mechanism: integer noise with P(k) ∝ e^{−a|k|}
  /// added to an integer query of sensitivity Δ.
  ///
  /// The loss of output k is a(|k − Δ| − |k|): a·Δ for k ≤ 0, −a·Δ for k ≥ Δ and a(Δ − 2k)
  /// between; the atoms are summed in closed form (geometric tails), so nothing is truncated.
  ///
  /// - Parameters:
  ///   - decay: a > 0 (the scale is 1/a).
  ///   - sensitivity: Δ ≥ 1, at most 10⁶.
  ///   - valueDiscretization: the grid interval h in (0, 1]; 10⁻⁴ by default.
  ///   - estimate: pessimistic (the default) or optimistic.
  ///   - tailMass: the mass each composition may cut from each tail; 10⁻¹⁵ by default.
  public static func discreteLaplace(
    decay: Double,
    sensitivity: Int = 1,
    valueDiscretization: Double = defaultValueDiscretization,
    estimate: Estimate = .pessimistic,
    tailMass: Double = defaultTailMass
  ) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    try Validation.positive(decay, "decay")
    guard sensitivity >= 1, sensitivity <= 1_000_000 else {
      throw .invalidParameter(
        name: "sensitivity", value: "\(sensitivity)", expected: "an integer in 1…1000000")
    }
    try validate(valueDiscretization: valueDiscretization, tailMass: tailMass)
    let a = decay
    let r = exp(-a)
    let normalizer = -expm1(-a) / (1 + r)  // (1 − r)/(1 + r)
    let delta = sensitivity
    var atoms: [(loss: Double, p: Double, q: Double)] = []
    atoms.reserveCapacity(delta + 1)
    let far = exp(-a * Double(delta)) / (1 + r)  // r^Δ/(1 + r)
    let near = 1 / (1 + r)
    atoms.append((loss: a * Double(delta), p: near, q: far))
    if delta > 1 {
      for k in 1..<delta {
        atoms.append(
          (
            loss: a * Double(delta - 2 * k),
            p: normalizer * exp(-a * Double(k)),
            q: normalizer * exp(-a * Double(delta - k))
          ))
      }
    }
    atoms.append((loss: -a * Double(delta), p: far, q: near))
    let h = valueDiscretization
    let bound = a * Double(delta)
    let (lowest, highest) = try gridIndices(covering: -bound, bound, interval: h)
    let buckets = PrivacyLossBuckets.atoms(
      lowestIndex: lowest, highestIndex: highest, interval: h, atoms)
    return PrivacyLossDistribution(
      valueDiscretization: h, estimate: estimate, tailMass: tailMass, mechanismCount: 1,
      removal: buckets.masses(interval: h, estimate: estimate), addition: nil)
  }

  /// The distribution of integer noise given by its probability mass function, added to an
  /// integer query of sensitivity Δ: the pair (Z + Δ, Z), both directions, exactly.
  ///
  /// Mass missing from `probabilities` (1 − their sum: a truncated tail) counts as a loss of
  /// +∞ in the pessimistic estimate — it is added to every δ — and is dropped in the
  /// optimistic one.
  ///
  /// - Parameters:
  ///   - probabilities: P(Z = lowestValue + i); each finite and ≥ 0, summing to at most 1
  ///     (+10⁻¹² for rounding).
  ///   - lowestValue: the value of `probabilities[0]`.
  ///   - sensitivity: Δ ≥ 1.
  ///   - valueDiscretization: the grid interval h in (0, 1]; 10⁻⁴ by default.
  ///   - estimate: pessimistic (the default) or optimistic.
  ///   - tailMass: the mass each composition may cut from each tail; 10⁻¹⁵ by default.
  public static func integerNoise(
    probabilities: [Double],
    lowestValue: Int = 0,
    sensitivity: Int,
    valueDiscretization: Double = defaultValueDiscretization,
    estimate: Estimate = .pessimistic,
    tailMass: Double = defaultTailMass
  ) throws(DifferentialPrivacyError) -> PrivacyLossDistribution {
    guard sensitivity >= 1, sensitivity < probabilities.count else {
      throw .invalidParameter(
        name: "sensitivity", value: "\(sensitivity)",
        expected: "an integer in 1…\(max(1, probabilities.count - 1)) (below the support's width)")
    }
    try validate(valueDiscretization: valueDiscretization, tailMass: tailMass)
    var total = 0.0
    for (index, value) in probabilities.enumerated() {
      guard value.isFinite, value >= 0 else {
        throw .invalidParameter(
          name: "probabilities[\(index)]", value: "\(value)", expected: "a finite mass ≥ 0")
      }
      total += value
    }
    guard total > 0, total <= 1 + 1e-12 else {
      throw .invalidParameter(
        name: "probabilities", value: "a total of \(total)", expected: "a total in (0, 1]")
    }
    let missing = max(0, 1 - total)
    let h = valueDiscretization
    func direction(_ shift: Int) throws(DifferentialPrivacyError) -> PrivacyLossMasses {
      // P(o) = p(o − shift_P), Q(o) = p(o − shift_Q): for removal P is shifted by Δ.
      var atoms: [(loss: Double, p: Double, q: Double)] = []
      atoms.reserveCapacity(probabilities.count + sensitivity)
      var lowLoss = Double.infinity
      var highLoss = -Double.infinity
      let width = probabilities.count
      for offset in 0..<(width + sensitivity) {
        // Output o = lowestValue + offset (+ shift for the shifted side).
        let pIndex = shift > 0 ? offset - sensitivity : offset
        let qIndex = shift > 0 ? offset : offset - sensitivity
        let p = (0..<width).contains(pIndex) ? probabilities[pIndex] : 0
        let q = (0..<width).contains(qIndex) ? probabilities[qIndex] : 0
        guard p > 0 else { continue }
        let loss = q > 0 ? log(p) - log(q) : Double.infinity
        if loss.isFinite {
          lowLoss = min(lowLoss, loss)
          highLoss = max(highLoss, loss)
        }
        atoms.append((loss: loss, p: p, q: q))
      }
      if !lowLoss.isFinite {
        lowLoss = 0
        highLoss = 0
      }
      let (lowest, highest) = try gridIndices(covering: lowLoss, highLoss, interval: h, above: 1)
      var buckets = PrivacyLossBuckets.atoms(
        lowestIndex: lowest, highestIndex: highest, interval: h, atoms)
      if estimate == .pessimistic {
        buckets.infinity += missing
      }
      return buckets.masses(interval: h, estimate: estimate)
    }
    return PrivacyLossDistribution(
      valueDiscretization: h, estimate: estimate, tailMass: tailMass, mechanismCount: 1,
      removal: try direction(1), addition: try direction(-1))
  }

  /// Grid indices [lowest, highest] outside which the loss has at most
  /// ``constructionTailMass`` of P-mass on each side, found by doubling steps from `start` and
  /// bisection.
  static func gridRange(
    interval h: Double,
    start: Double,
    below: (Double) -> Double,
    above: (Double) -> Double
  ) throws(DifferentialPrivacyError) -> (lowest: Int, highest: Int) {
    let bound = constructionTailMass
    func search(_ tail: (Double) -> Double, direction: Double) -> Double {
      var inside = start
      var step = 1.0
      var outside = start + direction * step
      while tail(outside) > bound, step < 1e4 {
        inside = outside
        step *= 2
        outside = start + direction * step
      }
      for _ in 0..<80 {
        if abs(outside - inside) <= h { break }
        let middle = 0.5 * (inside + outside)
        if tail(middle) > bound { inside = middle } else { outside = middle }
      }
      return outside
    }
    let low = search(below, direction: -1)
    let high = search(above, direction: 1)
    return try gridIndices(covering: low, high, interval: h, below: 0, minimumCount: 1)
  }
}
