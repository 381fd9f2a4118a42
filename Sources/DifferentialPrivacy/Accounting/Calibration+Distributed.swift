import Foundation

/// The discrete noise the clients add in distributed DP.
public enum DistributedMechanism: String, Sendable, Hashable, Codable, CaseIterable {
  /// Each client adds discrete Gaussian noise (``DistributedDiscreteGaussian``).
  case discreteGaussian = "distributed-gaussian"
  /// Each client adds Skellam noise (``DistributedSkellam``).
  case skellam = "skellam"
}

/// Parameters for distributed DP chosen by
/// ``Calibration/distributed(mechanism:targetEpsilon:delta:rounds:sampling:clients:dimension:bits:clipBound:beta:standardDeviations:relation:accountant:)``.
public struct DistributedCalibration: Sendable, Hashable {
  /// The noise multiplier z: total noise standard deviation over the clip bound C.
  public let noiseMultiplier: Double
  /// The scale s = 1/γ applied to each clipped, rotated vector before rounding.
  public let scale: Double
  /// Each client's per-coordinate noise standard deviation in integer units, s·z·C/√n (for
  /// Skellam, its square is the client's variance μ_local).
  public let localStandardDeviation: Double
  /// The sensitivities of the integer sum after scaling and rounding, in the padded dimension.
  public let sensitivity: RoundedSensitivity
  /// The privacy the parameters achieve, with and without amplification.
  public let report: PrivacyReport
}

extension Calibration {
  /// The scale s that keeps k standard deviations of the summed, noisy integer vector inside a
  /// b-bit modulus (Kairouz, Liu & Steinke 2021, Section 4.2; the authors'
  /// `heuristic_scale_factor`), treating each rotated coordinate as sub-Gaussian:
  ///
  ///     2^b = 2k · √(s²(ρ/d · C²n² + z²C²) + n/4),  so  s = √(2^{2b} − nk²) / (2k√(ρ/d · C²n² + z²C²)),
  ///
  /// where z²C² = nσ² is the total noise variance, n/4 the rounding variance and ρ the flatness
  /// of the rotation (1 for the randomized Hadamard transform in this heuristic).
  ///
  /// - Parameters:
  ///   - noiseMultiplier: z > 0.
  ///   - clipBound: C > 0.
  ///   - clients: n ≥ 1, the most clients in one sum.
  ///   - dimension: the padded dimension d ≥ 1.
  ///   - bits: the modulus width b, 1…62.
  ///   - standardDeviations: the headroom k > 0.
  ///   - flatness: ρ > 0; 1 by default.
  /// - Throws: ``DifferentialPrivacyError/bitWidthTooSmall(bits:clients:standardDeviations:)``
  ///   when 2^{2b} ≤ nk², so no scale fits.
  public static func scale(
    noiseMultiplier: Double,
    clipBound: Double,
    clients: Int,
    dimension: Int,
    bits: Int,
    standardDeviations: Double,
    flatness: Double = 1
  ) throws(DifferentialPrivacyError) -> Double {
    try Validation.positive(noiseMultiplier, "noiseMultiplier")
    try Validation.positive(clipBound, "clipBound")
    try Validation.count(clients, "clients", minimum: 1)
    try Validation.count(dimension, "dimension", minimum: 1)
    guard bits >= 1, bits <= 62 else {
      throw .invalidParameter(name: "bits", value: "\(bits)", expected: "1 ≤ b ≤ 62")
    }
    try Validation.positive(standardDeviations, "standardDeviations")
    try Validation.positive(flatness, "flatness")
    let n = Double(clients)
    let k = standardDeviations
    let capacity = pow(2, 2 * Double(bits))
    guard capacity > n * k * k else {
      throw .bitWidthTooSmall(bits: bits, clients: clients, standardDeviations: k)
    }
    let signal = flatness / Double(dimension) * clipBound * clipBound * n * n
    let noise = noiseMultiplier * noiseMultiplier * clipBound * clipBound
    return (capacity - n * k * k).squareRoot() / (2 * k * (signal + noise).squareRoot())
  }

  /// The privacy of T rounds of a distributed mechanism at noise multiplier z (the total noise's
  /// standard deviation over C), with the scale chosen for `bits` bits and `clients` clients by
  /// ``scale(noiseMultiplier:clipBound:clients:dimension:bits:standardDeviations:flatness:)``.
  ///
  /// - Returns: the scale, each client's noise, the sensitivities and the report; `nil` for the
  ///   discrete Gaussian when each client's noise would be below one integer unit (σ < 1), which
  ///   its analysis does not cover.
  /// With the PLD accountant (the default) the noise's exact summed distribution is carried
  /// through the Gaussian that dominates it (``GaussianDominance``,
  /// ``PrivacyLossDistribution/distributed(_:l2Sensitivity:dimension:samplingRate:relation:valueDiscretization:estimate:tailMass:)``);
  /// with RDP, through the papers' RDP bounds.
  ///
  /// `lowerBound` (true by default) also composes the PLD's optimistic estimate, for the
  /// report's `PrivacyReport/epsilonLowerBound`; it doubles the work, and calibration's
  /// bisection skips it.
  ///
  /// - Throws: ``DifferentialPrivacyError/bitWidthTooSmall(bits:clients:standardDeviations:)``
  ///   and parameter errors.
  public static func distributedAccounting(
    mechanism: DistributedMechanism,
    noiseMultiplier z: Double,
    delta: Double,
    rounds: Int,
    sampling: CohortSampling,
    clients: Int,
    dimension: Int,
    bits: Int,
    clipBound: Double = 1,
    beta: Double = 0.606_530_659_712_633_4,
    standardDeviations: Double = 4,
    relation: NeighboringRelation = .addOrRemoveOne,
    accountant: PrivacyAccountant = .default,
    lowerBound: Bool = true
  ) throws(DifferentialPrivacyError) -> DistributedCalibration? {
    let padded = RoundedSensitivity.paddedDimension(for: dimension)
    let scale = try scale(
      noiseMultiplier: z, clipBound: clipBound, clients: clients, dimension: padded,
      bits: bits, standardDeviations: standardDeviations)
    let local = scale * z * clipBound / Double(clients).squareRoot()
    let sensitivity = try RoundedSensitivity(
      clipBound: clipBound, scale: scale, dimension: dimension, beta: beta, relation: relation)
    let name: String
    let dominance: () throws(DifferentialPrivacyError) -> GaussianDominance
    let curve: (Double) throws(DifferentialPrivacyError) -> Double
    switch mechanism {
    case .discreteGaussian:
      guard local >= 1 else { return nil }
      let noise = try DistributedDiscreteGaussian(
        clients: clients, localStandardDeviation: local, l1Sensitivity: sensitivity.l1,
        l2Sensitivity: sensitivity.l2, dimension: sensitivity.paddedDimension)
      name = "distributed discrete Gaussian"
      dominance = { () throws(DifferentialPrivacyError) in try noise.gaussianDominance() }
      curve = { (order) throws(DifferentialPrivacyError) in try noise.rdp(order: order) }
    case .skellam:
      let noise = try DistributedSkellam(
        clients: clients, localVariance: local * local, l1Sensitivity: sensitivity.l1,
        l2Sensitivity: sensitivity.l2)
      name = "distributed Skellam"
      dominance = { () throws(DifferentialPrivacyError) in try noise.gaussianDominance() }
      curve = { (order) throws(DifferentialPrivacyError) in try noise.rdp(order: order) }
    }
    let report: PrivacyReport
    switch accountant {
    case .pld:
      report = try PrivacyReport.distributed(
        accountant: "PLD (\(name), exact summed noise)", dominance: dominance(),
        sensitivity: sensitivity, noiseMultiplier: z, sampling: sampling, rounds: rounds,
        delta: delta, relation: relation, lowerBound: lowerBound)
    case .rdp:
      report = try PrivacyReport.mechanism(
        accountant: "RDP (\(name))", noiseMultiplier: z, sampling: sampling, rounds: rounds,
        delta: delta, relation: relation, curve: curve)
    }
    return DistributedCalibration(
      noiseMultiplier: z, scale: scale, localStandardDeviation: local,
      sensitivity: sensitivity, report: report)
  }

  /// Distributed-DP parameters: the smallest noise multiplier z (to a relative 1e-4) whose
  /// rounds of the chosen discrete mechanism meet ε ≤ `targetEpsilon` at δ, with the scale that
  /// fits a b-bit modulus at each z (``scale(noiseMultiplier:clipBound:clients:dimension:bits:standardDeviations:flatness:)``),
  /// the sensitivities after rotation and rounding (``RoundedSensitivity``), and the report
  /// (``PrivacyReport/mechanism(accountant:noiseMultiplier:sampling:rounds:delta:relation:orders:curve:)``).
  /// The target is met by ``PrivacyReport/epsilon``, so amplification counts only where it holds.
  ///
  /// The bisection assumes ε falls as z grows, true while rounding is a small part of the
  /// sensitivity; the returned z is always checked to meet the target. Because the scale shrinks
  /// as z grows, ε levels off: when no z up to 10⁴ meets the target (too few bits for this
  /// dimension and cohort) the call says so.
  ///
  /// - Parameters:
  ///   - mechanism: the clients' noise.
  ///   - targetEpsilon: ε > 0.
  ///   - delta: 0 < δ < 1.
  ///   - rounds: T ≥ 1.
  ///   - sampling: how cohorts are chosen.
  ///   - clients: n ≥ 1, the clients whose noise is in each sum (and the most whose values are).
  ///   - dimension: the unpadded dimension ≥ 1.
  ///   - bits: the modulus width b.
  ///   - clipBound: C > 0; 1 by default.
  ///   - beta: the conditional-rounding parameter β in [0, 1); e^{−1/2} by default.
  ///   - standardDeviations: the headroom k; 4 by default.
  ///   - relation: the neighbouring relation; add-or-remove-one by default.
  ///   - accountant: ``PrivacyAccountant/pld`` (the default) or ``PrivacyAccountant/rdp``.
  /// - Throws: ``DifferentialPrivacyError/bitWidthTooSmall(bits:clients:standardDeviations:)``
  ///   or ``DifferentialPrivacyError/calibrationFailed(targetEpsilon:delta:largestTried:)``.
  public static func distributed(
    mechanism: DistributedMechanism,
    targetEpsilon: Double,
    delta: Double,
    rounds: Int,
    sampling: CohortSampling,
    clients: Int,
    dimension: Int,
    bits: Int,
    clipBound: Double = 1,
    beta: Double = 0.606_530_659_712_633_4,
    standardDeviations: Double = 4,
    relation: NeighboringRelation = .addOrRemoveOne,
    accountant: PrivacyAccountant = .default
  ) throws(DifferentialPrivacyError) -> DistributedCalibration {
    try Validation.positive(targetEpsilon, "targetEpsilon")
    try Validation.count(rounds, "rounds", minimum: 1)
    let largest = 1e4
    let best = try bisectNoiseMultiplier(smallest: 1e-3, largest: largest) {
      (z) throws(DifferentialPrivacyError) -> DistributedCalibration? in
      guard
        let found = try distributedAccounting(
          mechanism: mechanism, noiseMultiplier: z, delta: delta, rounds: rounds,
          sampling: sampling, clients: clients, dimension: dimension, bits: bits,
          clipBound: clipBound, beta: beta, standardDeviations: standardDeviations,
          relation: relation, accountant: accountant, lowerBound: false),
        found.report.epsilon.epsilon <= targetEpsilon
      else { return nil }
      return found
    }
    guard let best else {
      throw .calibrationFailed(targetEpsilon: targetEpsilon, delta: delta, largestTried: largest)
    }
    guard accountant == .pld else { return best }
    // The report once more, with the PLD's lower bound.
    return try distributedAccounting(
      mechanism: mechanism, noiseMultiplier: best.noiseMultiplier, delta: delta, rounds: rounds,
      sampling: sampling, clients: clients, dimension: dimension, bits: bits,
      clipBound: clipBound, beta: beta, standardDeviations: standardDeviations,
      relation: relation, accountant: accountant, lowerBound: true) ?? best
  }

  /// The smallest noise multiplier z (to a relative `relativeTolerance`) at which `evaluate`
  /// succeeds, assuming success is monotone in z: a bracket by doubling from z = 1 (up to
  /// `largest`) or halving (down to `smallest`), then bisection in log z. Returns what `evaluate`
  /// gave at the returned z — which therefore met the target — or `nil` when no z up to
  /// `largest` succeeds.
  ///
  /// - Parameters:
  ///   - smallest: the smallest z tried, > 0.
  ///   - largest: the largest z tried.
  ///   - relativeTolerance: the bracket's relative width at which to stop; 10⁻⁴ by default.
  ///   - evaluate: the result at z when it meets the target, `nil` when it does not.
  public static func bisectNoiseMultiplier<Found, Failure: Error>(
    smallest: Double, largest: Double, relativeTolerance: Double = 1e-4,
    evaluate: (Double) throws(Failure) -> Found?
  ) throws(Failure) -> Found? {
    var low = 0.0
    var high = 1.0
    var best = try evaluate(high)
    while best == nil {
      low = high
      high *= 2
      guard high <= largest else { return nil }
      best = try evaluate(high)
    }
    if low == 0 {
      while high / 2 >= smallest, let smaller = try evaluate(high / 2) {
        high /= 2
        best = smaller
      }
      low = high / 2
    }
    while high - low > relativeTolerance * high {
      let middle = (low * high).squareRoot()
      if let found = try evaluate(middle) {
        high = middle
        best = found
      } else {
        low = middle
      }
    }
    return best
  }
}
