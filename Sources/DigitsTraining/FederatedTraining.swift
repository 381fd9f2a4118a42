public import PrivateAggregation

/// Federated training of a ``SoftmaxRegression`` on the digits, each round's mean update
/// through the whole private-aggregation pipeline.
///
/// The training images are dealt to ``Configuration/clients`` clients (IID, or two digits per
/// client). Each round every client joins the cohort independently with probability
/// ``Configuration/samplingRate`` (Poisson sampling, so amplification by sampling holds), each
/// cohort member runs ``Configuration/localEpochs`` steps of gradient descent from the global
/// model, and its model change goes through `PrivateRound`: the client encoder (clip, rotate,
/// round, noise share), the secure aggregation with every message as wire bytes (SecAgg+ by
/// default), and the server's decoder. The server adds the released mean change, times
/// ``Configuration/serverLearningRate``, to the global model and records the round in a
/// `PrivacyLedger`.
///
/// Every random choice — split, cohorts, keys, noise — comes from ``Configuration/seed``: a
/// simulation, reproducible, and therefore insecure; a deployment draws keys and noise from the
/// system generator.
public struct FederatedTraining: Sendable {
  /// How the training images are dealt to clients.
  public enum Split: String, Sendable, Hashable, CaseIterable {
    /// Shuffled, then dealt round-robin: every client sees every digit.
    case iid
    /// Sorted by digit and cut into two shards per client (McMahan et al. 2017): most clients
    /// hold images of only two digits.
    case byLabel = "by-label"
  }

  /// The training's parameters.
  public struct Configuration: Sendable, Hashable {
    /// Clients holding the training images; 2…1,437 (every client needs an image).
    public var clients = 300
    /// Each client's chance of joining a round's cohort; in (0, 1]. 0.25 by default.
    public var samplingRate = 0.25
    /// Rounds of federated averaging; ≥ 1.
    public var rounds = 40
    /// Gradient steps each cohort member takes on its own images; ≥ 1.
    public var localEpochs = 10
    /// The clients' step size.
    public var learningRate = 1.0
    /// The server's step: the model moves by this times the server's momentum buffer.
    public var serverLearningRate = 0.5
    /// The server's momentum β (FedAvgM, Hsu et al. 2019): the buffer is β·buffer + the round's
    /// mean change; in [0, 1). Post-processing of the released means, so free in privacy.
    /// With β = 0.9 and step 0.5 (chosen by hand on seeds 2 and 5) the model moves about five
    /// clipped steps a round once the direction settles.
    public var serverMomentum = 0.9
    /// The L2 bound C each client's model change is clipped to.
    public var clipBound = 1.0
    /// How the images are dealt.
    public var split = Split.iid
    /// Who adds the noise; `.none` is the same training without noise (changes still clipped
    /// and securely summed).
    public var privacy = PrivacyMode.distributed(.discreteGaussian)
    /// The ε all rounds together may spend (at ``delta``); required unless ``privacy`` is
    /// `.none`.
    public var epsilon: Double?
    /// The δ of the guarantee.
    public var delta = 1e-5
    /// The accountant that calibrates the noise to ``epsilon`` and that the privacy ledger
    /// composes the rounds by; PLD (tight) by default.
    public var accountant = PrivacyAccountant.pld
    /// Bits per element of the secure sum.
    public var bits = 16
    /// The seed of every random choice.
    public var seed: UInt64 = 1

    /// The defaults above.
    public init() {}
  }

  /// One round's outcome.
  public struct RoundLog: Sendable, Hashable {
    /// The round, from 1.
    public let round: Int
    /// The clients sampled into the cohort.
    public let cohort: Int
    /// The clients whose change is in the released mean.
    public let survivors: Int
    /// The global model's accuracy on the held-out test images after the round.
    public let testAccuracy: Double
    /// The ε spent by all rounds so far (at the configuration's δ); `nil` without privacy.
    public let epsilonSpent: Double?
  }

  /// What a training produced.
  public struct Outcome: Sendable {
    /// Every round, in order.
    public let rounds: [RoundLog]
    /// The final model.
    public let model: SoftmaxRegression
    /// The final model's accuracy on the test images.
    public let testAccuracy: Double
    /// The noise multiplier each round used; `nil` without privacy.
    public let noiseMultiplier: Double?
    /// The ε spent by the whole training, with amplification by Poisson sampling (the
    /// guarantee for whoever sees only the released models); `nil` without privacy.
    public let epsilonSpent: Double?
    /// The ε of the whole training with every round counted in full: the guarantee against a
    /// server that sees or chooses each cohort; `nil` without privacy.
    public let epsilonWithoutAmplification: Double?
  }

  /// The parameters.
  public let configuration: Configuration
  /// The training images.
  public let train: DigitsDataset
  /// The held-out test images.
  public let test: DigitsDataset
  /// Each client's images.
  public let clientData: [DigitsDataset]
  /// The noise multiplier that spends ``Configuration/epsilon`` over all rounds, calibrated at
  /// the expected cohort size; `nil` without privacy.
  public let noiseMultiplier: Double?

  /// Splits `data` (80 % training, 20 % test, stratified), deals the training images, and
  /// calibrates the noise.
  ///
  /// - Throws: ``DigitsTrainingError/invalidParameter(name:value:expected:)`` naming the
  ///   parameter that does not fit, or the plan's own error for the privacy parameters.
  public init(configuration: Configuration, data: DigitsDataset) throws {
    let (train, test) = data.split(testFraction: 0.2, seed: configuration.seed)
    guard configuration.clients >= 2, configuration.clients <= train.count else {
      throw DigitsTrainingError.invalidParameter(
        name: "clients", value: "\(configuration.clients)",
        expected: "2...\(train.count) (one training image per client at least)")
    }
    guard configuration.samplingRate > 0, configuration.samplingRate <= 1 else {
      throw DigitsTrainingError.invalidParameter(
        name: "samplingRate", value: "\(configuration.samplingRate)", expected: "in (0, 1]")
    }
    guard Double(configuration.clients) * configuration.samplingRate >= 10 else {
      throw DigitsTrainingError.invalidParameter(
        name: "samplingRate", value: "\(configuration.samplingRate)",
        expected: "at least \(10 / Double(configuration.clients)) (an expected cohort of 10)")
    }
    guard configuration.rounds >= 1 else {
      throw DigitsTrainingError.invalidParameter(
        name: "rounds", value: "\(configuration.rounds)", expected: "≥ 1")
    }
    guard configuration.localEpochs >= 1 else {
      throw DigitsTrainingError.invalidParameter(
        name: "localEpochs", value: "\(configuration.localEpochs)", expected: "≥ 1")
    }
    guard configuration.serverMomentum >= 0, configuration.serverMomentum < 1 else {
      throw DigitsTrainingError.invalidParameter(
        name: "serverMomentum", value: "\(configuration.serverMomentum)", expected: "in [0, 1)")
    }
    for (name, value) in [
      ("learningRate", configuration.learningRate),
      ("serverLearningRate", configuration.serverLearningRate),
    ] where !(value.isFinite && value > 0) {
      throw DigitsTrainingError.invalidParameter(
        name: name, value: "\(value)", expected: "a finite step > 0")
    }
    self.configuration = configuration
    self.train = train
    self.test = test
    self.clientData = Self.deal(train, configuration: configuration)
    if configuration.privacy == .none {
      noiseMultiplier = nil
    } else {
      guard let epsilon = configuration.epsilon else {
        throw DigitsTrainingError.invalidParameter(
          name: "epsilon", value: "nil",
          expected: "a target ε > 0 for privacy \(configuration.privacy.name)")
      }
      let expectedCohort = max(
        2, Int((Double(configuration.clients) * configuration.samplingRate).rounded()))
      var reference = Self.roundConfiguration(configuration, cohort: expectedCohort, noise: nil)
      reference.noise = .targetEpsilon(epsilon)
      reference.rounds = configuration.rounds
      noiseMultiplier = try AggregationPlan(reference).noiseMultiplier
    }
  }

  /// One round's aggregation configuration for a cohort of `cohort` clients.
  static func roundConfiguration(
    _ configuration: Configuration, cohort: Int, noise: Double?
  ) -> PrivateAggregationConfiguration {
    var round = PrivateAggregationConfiguration(
      clientCount: cohort, dimension: SoftmaxRegression.parameterCount,
      clipBound: configuration.clipBound, privacy: configuration.privacy,
      noise: noise.map(NoiseLevel.noiseMultiplier))
    round.bits = configuration.bits
    round.delta = configuration.delta
    round.accountant = configuration.accountant
    round.sampling = .poisson(rate: configuration.samplingRate)
    return round
  }

  /// Deals the training images to the clients.
  static func deal(_ train: DigitsDataset, configuration: Configuration) -> [DigitsDataset] {
    let random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: configuration.seed)
    var generator = random.insecureDeterministicChild(label: "deal")
    let clients = configuration.clients
    var owned = [[Int]](repeating: [], count: clients)
    switch configuration.split {
    case .iid:
      let order = Array(0..<train.count).shuffled(using: &generator)
      for (position, image) in order.enumerated() { owned[position % clients].append(image) }
    case .byLabel:
      let sorted = (0..<train.count).sorted { (train.labels[$0], $0) < (train.labels[$1], $1) }
      let shardCount = 2 * clients
      let shards = Array(0..<shardCount).shuffled(using: &generator)
      for (position, shard) in shards.enumerated() {
        let start = shard * sorted.count / shardCount
        let end = (shard + 1) * sorted.count / shardCount
        owned[position / 2].append(contentsOf: sorted[start..<end])
      }
    }
    return owned.map { train.subset($0) }
  }

  /// Runs every round.
  ///
  /// - Parameter progress: called after each round with its log.
  /// - Throws: the pipeline's errors (a plan that does not fit the round's cohort, say).
  public func run(progress: (RoundLog) -> Void = { _ in }) throws -> Outcome {
    var model = SoftmaxRegression()
    var velocity = [Double](repeating: 0, count: SoftmaxRegression.parameterCount)
    let ledger = try PrivacyLedger(delta: configuration.delta)
    var logs: [RoundLog] = []
    let root = ChaChaRandomNumberGenerator(insecureDeterministicSeed: configuration.seed)
    let sampler = root.insecureDeterministicChild(label: "cohorts")
    for round in 1...configuration.rounds {
      let cohort = (0..<configuration.clients).filter { _ in
        Double(sampler.next() >> 11) * 0x1p-53 < configuration.samplingRate
      }
      var survivors = 0
      if cohort.count >= 2 {
        let plan = try AggregationPlan(
          Self.roundConfiguration(configuration, cohort: cohort.count, noise: noiseMultiplier))
        // Each member trains once; PrivateRound asks for a survivor's update twice (to mask it,
        // then for the true mean it reports), so it gets the stored change both times.
        let changes = cohort.map { member -> [Double] in
          var local = model
          local.train(
            on: clientData[member], epochs: configuration.localEpochs,
            learningRate: configuration.learningRate)
          return zip(local.parameters, model.parameters).map { $0 - $1 }
        }
        // The round's server charges the ledger before the round runs.
        let simulation = PrivateRound(
          plan: plan,
          randomSource: .insecureDeterministic(
            seed: configuration.seed &* 1_000_003 &+ UInt64(round)),
          ledger: ledger
        ) { id in
          (changes[id.index - 1], 1)
        }
        let report = try simulation.run()
        if let release = report.release {
          survivors = release.survivors
          for index in model.parameters.indices {
            velocity[index] = configuration.serverMomentum * velocity[index] + release.mean[index]
            model.parameters[index] += configuration.serverLearningRate * velocity[index]
          }
        }
      }
      let log = RoundLog(
        round: round, cohort: cohort.count, survivors: survivors,
        testAccuracy: model.accuracy(on: test),
        epsilonSpent: noiseMultiplier == nil ? nil : ledger.epsilon.epsilon)
      logs.append(log)
      progress(log)
    }
    return Outcome(
      rounds: logs, model: model, testAccuracy: model.accuracy(on: test),
      noiseMultiplier: noiseMultiplier, epsilonSpent: logs.last?.epsilonSpent,
      epsilonWithoutAmplification: noiseMultiplier == nil
        ? nil : ledger.epsilonWithoutAmplification.epsilon)
  }
}
