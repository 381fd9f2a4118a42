import DifferentialPrivacy

extension AggregationPlan {
  /// The noise of a plan with privacy: who draws it, how much, and the mechanism it gives.
  struct Noise: Sendable {
    /// The noise each client draws (distributed and local DP).
    let clientSampler: (any IntegerSampler)?
    /// The server's noise (central DP).
    let centralMechanism: GridGaussianMechanism?
    /// The standard deviation of each client's noise per coordinate, in integer units (the
    /// sampler's exact value; 0 for central DP).
    let clientStandardDeviation: Double
    /// The standard deviation per coordinate of the released sum's noise, in integer units, when
    /// the fewest clients allowed survive.
    let standardDeviation: Double
    /// The mechanism one round is accounted as.
    let accounting: Accounting
  }

  /// The noise variance per coordinate of the decoded sum, in the update's units, when
  /// `survivors` clients' vectors are in it: what the noise alone adds to the squared error
  /// (rounding adds at most n/(4s²) more).
  public func noiseVariance(survivors: Int) -> Double {
    let s2 = scale * scale
    switch configuration.privacy {
    case .none: return 0
    case .central: return noiseStandardDeviation * noiseStandardDeviation / s2
    case .distributed, .local:
      return Double(survivors) * clientNoiseStandardDeviation * clientNoiseStandardDeviation / s2
    }
  }
}

extension AggregationPlan.Base {
  /// The noise of the mode when the released sum's noise should have standard deviation
  /// `sigmaSum` integer units at scale s, or `nil` when a client's share would fall below one
  /// integer unit (or without privacy).
  func noise(
    sumDeviation sigmaSum: Double, scale: Double, sensitivity: AggregationPlan.Sensitivity
  ) throws(PrivateAggregationError) -> AggregationPlan.Noise? {
    try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) -> AggregationPlan.Noise? in
      switch configuration.privacy {
      case .distributed(.discreteGaussian):
        return try distributedGaussianNoise(sumDeviation: sigmaSum, sensitivity: sensitivity)
      case .distributed(.skellam):
        return try skellamNoise(sumDeviation: sigmaSum, sensitivity: sensitivity)
      case .central:
        return try centralNoise(sumDeviation: sigmaSum, scale: scale, sensitivity: sensitivity)
      case .local:
        return try localNoise(sumDeviation: sigmaSum, sensitivity: sensitivity)
      case .none:
        return nil
      }
    }
  }

  /// One discrete Gaussian share of `sigmaSum` among `clients`, at most the sampler's limit:
  /// `nil` below one integer unit.
  func discreteGaussianShare(sumDeviation sigmaSum: Double, clients: Double)
    throws(DifferentialPrivacyError) -> DiscreteGaussianSampler?
  {
    // The scale's cap puts σ at the sampler's limit at most, up to rounding: clamp so that
    // rounding cannot step over it.
    let local = min(sigmaSum / clients.squareRoot(), AggregationPlan.samplerLimit)
    guard local >= 1 else { return nil }
    return try DiscreteGaussianSampler(standardDeviation: local)
  }

  /// Distributed DP with the discrete Gaussian: each client's share sized for the honest
  /// survivors.
  func distributedGaussianNoise(
    sumDeviation sigmaSum: Double, sensitivity: AggregationPlan.Sensitivity
  ) throws(DifferentialPrivacyError) -> AggregationPlan.Noise? {
    let honest = Double(guaranteedNoisyClients)
    guard let sampler = try discreteGaussianShare(sumDeviation: sigmaSum, clients: honest) else {
      return nil
    }
    let clientDeviation = sampler.variance.doubleValue.squareRoot()
    let mechanism = try DistributedDiscreteGaussian(
      clients: guaranteedNoisyClients, localStandardDeviation: clientDeviation,
      l1Sensitivity: sensitivity.l1, l2Sensitivity: sensitivity.l2, dimension: encodedLength)
    return AggregationPlan.Noise(
      clientSampler: sampler, centralMechanism: nil, clientStandardDeviation: clientDeviation,
      standardDeviation: clientDeviation * honest.squareRoot(),
      accounting: .distributedGaussian(mechanism))
  }

  /// Distributed DP with Skellam noise: each client's variance sized for the honest survivors.
  func skellamNoise(sumDeviation sigmaSum: Double, sensitivity: AggregationPlan.Sensitivity)
    throws(DifferentialPrivacyError) -> AggregationPlan.Noise?
  {
    let honest = Double(guaranteedNoisyClients)
    let localVariance = sigmaSum * sigmaSum / honest
    guard localVariance >= 1 else { return nil }
    let sampler = try SkellamSampler(
      variance: Rational(approximating: localVariance, maximumDenominator: 1 << 16))
    let actual = sampler.variance.doubleValue
    let mechanism = try DistributedSkellam(
      clients: guaranteedNoisyClients, localVariance: actual, l1Sensitivity: sensitivity.l1,
      l2Sensitivity: sensitivity.l2)
    return AggregationPlan.Noise(
      clientSampler: sampler, centralMechanism: nil, clientStandardDeviation: actual.squareRoot(),
      standardDeviation: (actual * honest).squareRoot(),
      accounting: .distributedSkellam(mechanism))
  }

  /// Central DP: the server's discrete Gaussian on a grid.
  ///
  /// PLD accounts the grid's noise exactly only up to 2^14 steps per σ (its cost is linear in
  /// them): under PLD a coarser grid adds a little more rounding to the sensitivity (γ√d, at
  /// most σ√d/2^14, accounted), where RDP would lose far more.
  func centralNoise(
    sumDeviation sigmaSum: Double, scale: Double, sensitivity: AggregationPlan.Sensitivity
  ) throws(DifferentialPrivacyError) -> AggregationPlan.Noise {
    var mechanism = try GridGaussianMechanism(
      standardDeviation: sigmaSum, clipBound: scale * updateBound, dimension: encodedLength,
      relation: configuration.relation, l2Sensitivity: sensitivity.l2)
    if usesPrivacyLoss,
      mechanism.stepsPerStandardDeviation > AggregationPlan.largestPrivacyLossGridSteps
    {
      mechanism = try GridGaussianMechanism(
        standardDeviation: sigmaSum, clipBound: scale * updateBound, dimension: encodedLength,
        relation: configuration.relation, l2Sensitivity: sensitivity.l2,
        stepsPerStandardDeviation: AggregationPlan.largestPrivacyLossGridSteps)
    }
    return AggregationPlan.Noise(
      clientSampler: nil, centralMechanism: mechanism, clientStandardDeviation: 0,
      standardDeviation: sigmaSum, accounting: .central(mechanism))
  }

  /// Local DP: each client adds 1/n of the total variance, as in distributed DP without the
  /// dropout margin, but its privacy rests on its own noise alone.
  func localNoise(sumDeviation sigmaSum: Double, sensitivity: AggregationPlan.Sensitivity)
    throws(DifferentialPrivacyError) -> AggregationPlan.Noise?
  {
    let nd = Double(configuration.clientCount)
    guard let sampler = try discreteGaussianShare(sumDeviation: sigmaSum, clients: nd) else {
      return nil
    }
    let clientDeviation = sampler.variance.doubleValue.squareRoot()
    let mechanism = try DistributedDiscreteGaussian(
      clients: 1, localStandardDeviation: clientDeviation, l1Sensitivity: sensitivity.l1,
      l2Sensitivity: sensitivity.l2, dimension: encodedLength)
    return AggregationPlan.Noise(
      clientSampler: sampler, centralMechanism: nil, clientStandardDeviation: clientDeviation,
      standardDeviation: clientDeviation * nd.squareRoot(), accounting: .local(mechanism))
  }
}
