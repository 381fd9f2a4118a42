import DifferentialPrivacy

extension AggregationPlan {
  /// A plan's noise-dependent part at one noise multiplier: its encoding and its privacy.
  struct Derivation {
    let encoding: Encoding
    let privacy: Privacy
  }
}

extension AggregationPlan.Base {
  /// The derivation at the configuration's noise level: at its noise multiplier, or at the
  /// smallest one that meets its target ε.
  func derivation(at level: NoiseLevel?) throws(PrivateAggregationError)
    -> AggregationPlan.Derivation
  {
    switch level {
    case .noiseMultiplier(let z):
      guard z.isFinite, z > 0 else {
        throw .invalidParameter(name: "noiseMultiplier", value: "\(z)", expected: "a finite z > 0")
      }
      guard let derivation = try derivation(noiseMultiplier: z) else {
        throw try tooFewBitsError(noiseMultiplier: z)
      }
      return derivation
    case .targetEpsilon(let epsilon):
      guard epsilon.isFinite, epsilon > 0 else {
        throw .invalidParameter(
          name: "targetEpsilon", value: "\(epsilon)", expected: "a finite ε > 0")
      }
      return try calibrate(targetEpsilon: epsilon)
    case nil:
      throw .invalidParameter(
        name: "noise", value: "nil",
        expected: "a noise multiplier or a target ε for privacy \(configuration.privacy.name)")
    }
  }

  /// The derivation at total noise multiplier z, step by step — the update's share of z, the
  /// scale, the encoding, the sensitivities, the noise, the report — or `nil` when b bits leave
  /// no useful scale (each client's noise would fall below one integer unit where the analysis
  /// needs it).
  ///
  /// With the PLD accountant the report's optimistic lower bound is composed only when
  /// `lowerBound` (calibration's bisection skips it).
  func derivation(noiseMultiplier z: Double, lowerBound: Bool = true)
    throws(PrivateAggregationError) -> AggregationPlan.Derivation?
  {
    let zu = try updateNoiseMultiplier(total: z)
    let sigmaU = zu * updateBound  // the update's noise in its own units
    let scale = try noisyScale(updateDeviation: sigmaU)
    guard scale.isFinite, scale > 0 else { return nil }
    let sigmaSum = scale * sigmaU  // σ of the released sum's noise, in integer units
    let encoding = noisyEncoding(scale: scale, sumDeviation: sigmaSum)
    let sensitivity = try sensitivity(of: encoding)
    guard
      let noise = try noise(sumDeviation: sigmaSum, scale: scale, sensitivity: sensitivity)
    else { return nil }
    let report = try report(
      noiseMultiplier: z, noise: noise, sensitivity: sensitivity, lowerBound: lowerBound)
    return AggregationPlan.Derivation(
      encoding: encoding,
      privacy: AggregationPlan.Privacy(
        noiseMultiplier: z, updateNoiseMultiplier: zu, sensitivity: sensitivity, noise: noise,
        report: report))
  }

  /// The error for a noise multiplier that leaves no encoding: name the bits.
  func tooFewBitsError(noiseMultiplier z: Double) throws(PrivateAggregationError)
    -> PrivateAggregationError
  {
    var minimum: Int?
    var probe = configuration
    for bits in stride(from: configuration.bits + 1, through: 62, by: 1) {
      probe.bits = bits
      if let base = try? Self(probe), (try? base.derivation(noiseMultiplier: z)) != nil {
        minimum = bits
        break
      }
    }
    return .bitWidthTooSmall(
      bits: configuration.bits, minimumBits: minimum,
      needed:
        "\(configuration.clientCount) clients' values with noise at z = \(z) and "
        + "\(configuration.headroom) standard deviations of headroom")
  }

  /// The smallest z (to a relative 10⁻⁴) whose derivation meets ε ≤ `targetEpsilon`; the
  /// returned derivation is checked to meet it.
  func calibrate(targetEpsilon: Double) throws(PrivateAggregationError)
    -> AggregationPlan.Derivation
  {
    func evaluate(_ z: Double) throws(PrivateAggregationError) -> AggregationPlan.Derivation? {
      guard let found = try? derivation(noiseMultiplier: z, lowerBound: false),
        found.privacy.report.epsilon.epsilon <= targetEpsilon
      else { return nil }
      return found
    }
    let largest = 1e5
    let best = try Calibration.bisectNoiseMultiplier(smallest: 1e-4, largest: largest) {
      (z) throws(PrivateAggregationError) -> AggregationPlan.Derivation? in try evaluate(z)
    }
    guard let best else {
      throw .differentialPrivacy(
        .calibrationFailed(
          targetEpsilon: targetEpsilon, delta: configuration.delta, largestTried: largest))
    }
    guard usesPrivacyLoss else { return best }
    // The report once more, with the PLD's lower bound.
    return try derivation(noiseMultiplier: best.privacy.noiseMultiplier, lowerBound: true) ?? best
  }
}
