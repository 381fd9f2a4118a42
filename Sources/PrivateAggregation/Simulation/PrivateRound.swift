import DifferentialPrivacy
import Foundation
public import SecureAggregation

/// One whole private aggregation in memory: n clients encode float updates, run the secure
/// aggregation with the server (every message as wire bytes, `InMemoryRound`), and the server
/// decodes the noised sum — checked against the true sum of the survivors' clipped updates.
///
/// Each client's update is made only when the client masks it, from `updates` (by default the
/// synthetic ``SyntheticData``), so memory grows with the vector length, not with the clients;
/// after the run the survivors' updates are made again to form the true mean.
public struct PrivateRound {
  /// Synthetic client updates for simulations.
  public enum SyntheticData: String, Sendable, Hashable, CaseIterable {
    /// Independent N(0, 1) coordinates (the norm is about √m, so most updates are clipped to C).
    case gaussian
    /// Uniform on the sphere of radius C·(1 − 2^−40), just inside the clip bound: nothing is
    /// clipped (Kairouz, Liu & Steinke's distributed mean estimation).
    case sphere

    /// Client `id`'s update of `dimension` values, a function of the seed and the id.
    public func update(
      for id: ParticipantID, dimension: Int, clipBound: Double, seed: UInt64
    ) -> [Double] {
      let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
        .insecureDeterministicChild(label: "data \(id)")
      var values = [Double](repeating: 0, count: dimension)
      var index = 0
      while index < dimension {
        // Box–Muller: two independent N(0, 1) values from two uniforms in (0, 1].
        let u = 1 - Double(generator.next() >> 11) * 0x1p-53
        let v = Double(generator.next() >> 11) * 0x1p-53
        let radius = (-2 * log(u)).squareRoot()
        values[index] = radius * cos(2 * .pi * v)
        if index + 1 < dimension { values[index + 1] = radius * sin(2 * .pi * v) }
        index += 2
      }
      guard self == .sphere else { return values }
      let norm = (try? L2Clipping.norm(of: values)) ?? 0
      guard norm > 0 else { return values }
      // Just inside the sphere, so rounding in the norm never reports a clip.
      let factor = clipBound / norm * (1 - 0x1p-40)
      return values.map { $0 * factor }
    }
  }

  /// The plan every client and the server follow.
  public let plan: AggregationPlan
  /// Who vanishes when.
  public let dropouts: DropoutSchedule
  /// Where the synthetic data, the keys and the noise come from: with
  /// ``RandomSource/insecureDeterministic(seed:)`` all of them from the seed (insecure, for
  /// reproducibility); with ``RandomSource/system`` every secret and the noise from the system.
  public let randomSource: RandomSource
  /// The seed of the synthetic data (and of every secret when the source is deterministic),
  /// fixed when the simulation is made, so that every run of it draws the same data.
  let seed: UInt64
  /// Each client's update and weight.
  public let updates: @Sendable (ParticipantID) -> (update: [Double], weight: Double)
  /// The ledger the round's server charges before the round starts (as every
  /// ``PrivateAggregationServer`` does); `nil` charges nothing.
  public let ledger: PrivacyLedger?

  /// A simulated round with synthetic data.
  ///
  /// - Parameters:
  ///   - plan: the plan.
  ///   - data: the synthetic updates; each client's weight is 1.
  ///   - dropouts: who drops when; nobody by default.
  ///   - randomSource: where the data, the keys and the noise come from: the system's secure
  ///     generator by default; ``RandomSource/insecureDeterministic(seed:)`` makes the run
  ///     reproducible (insecure).
  ///   - ledger: the ledger the round's server charges; none by default.
  public init(
    plan: AggregationPlan, data: SyntheticData, dropouts: DropoutSchedule = DropoutSchedule(),
    randomSource: RandomSource = .system, ledger: PrivacyLedger? = nil
  ) {
    let seed = randomSource.simulationSeed()
    let dimension = plan.dimension
    let clip = plan.configuration.clipBound
    self.init(
      plan: plan, dropouts: dropouts, randomSource: randomSource, seed: seed, ledger: ledger
    ) { id in
      (data.update(for: id, dimension: dimension, clipBound: clip, seed: seed), 1)
    }
  }

  /// A simulated round with the updates and weights `updates` gives each client.
  ///
  /// - Parameters:
  ///   - plan: the plan.
  ///   - dropouts: who drops when; nobody by default.
  ///   - randomSource: where the keys and the noise come from: the system's secure generator by
  ///     default; ``RandomSource/insecureDeterministic(seed:)`` makes the run reproducible
  ///     (insecure).
  ///   - ledger: the ledger the round's server charges before the round starts; none by
  ///     default. A round over its budget throws
  ///     ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` from ``run(progress:)``.
  ///   - updates: client `id`'s update (flattened) and weight; called when the client masks
  ///     its input and again, for survivors, to form the true mean.
  public init(
    plan: AggregationPlan, dropouts: DropoutSchedule = DropoutSchedule(),
    randomSource: RandomSource = .system, ledger: PrivacyLedger? = nil,
    updates: @escaping @Sendable (ParticipantID) -> (update: [Double], weight: Double)
  ) {
    self.init(
      plan: plan, dropouts: dropouts, randomSource: randomSource,
      seed: randomSource.simulationSeed(), ledger: ledger, updates: updates)
  }

  private init(
    plan: AggregationPlan, dropouts: DropoutSchedule, randomSource: RandomSource, seed: UInt64,
    ledger: PrivacyLedger?,
    updates: @escaping @Sendable (ParticipantID) -> (update: [Double], weight: Double)
  ) {
    self.plan = plan
    self.dropouts = dropouts
    self.randomSource = randomSource
    self.seed = seed
    self.ledger = ledger
    self.updates = updates
  }

  /// What a simulated round produced.
  public struct Report: Sendable {
    /// The secure aggregation's report: timings, bytes, survivors, whether the modular sum was
    /// exact.
    public let protocolReport: RoundReport
    /// The decoded release; `nil` when the protocol aborted.
    public let release: SumDecoder.Release?
    /// The true sum of the survivors' clipped, weighted updates (no noise, no rounding).
    public let trueSum: [Double]?
    /// The true mean: ``trueSum`` over the true denominator (survivors, public total weight, or
    /// the survivors' true total weight).
    public let trueMean: [Double]?
    /// The mean over coordinates of (released mean − true mean)².
    public let meanSquaredError: Double?
    /// What the noise alone adds to ``meanSquaredError``: the noise variance per coordinate over
    /// the denominator squared.
    public let expectedMeanSquaredError: Double?
    /// The mean time a client spent encoding its update (clip, rotate, round, noise), seconds;
    /// not part of the protocol report's client time.
    public let encodeSeconds: Double
    /// The fraction of clients whose update was clipped.
    public let clippedFraction: Double
  }

  /// Runs the round: the public ``PrivateAggregationServer`` and ``PrivateAggregationClient``s,
  /// every message as wire bytes, driven by the same loop as any round.
  ///
  /// - Parameter progress: called after every delivered message.
  /// - Throws: ``PrivateAggregationError`` when a client cannot encode its update (a NaN, say)
  ///   or the protocol cannot be set up; a protocol abort is a result (``Report/release`` is
  ///   `nil`), not an error.
  public func run(progress: ((InMemoryRound.Progress) -> Void)? = nil)
    throws(PrivateAggregationError) -> Report
  {
    var driver = try makeDriver()
    driver.progress = progress
    let outcome = driver.run()
    // A client that could not encode its update is the caller's error, not a dropout.
    for id in driver.clientFailures.keys.sorted() {
      if let error = driver.clientFailures[id] as? PrivateAggregationError {
        if case .secureAggregation = error { continue }
        throw error
      }
    }
    let clipped = driver.clients.values.filter { $0.wasClipped == true }.count
    let encoded = driver.preparedClients
    let encodeSeconds = encoded == 0 ? 0 : driver.preparationSeconds / Double(encoded)
    let clippedFraction = encoded == 0 ? 0 : Double(clipped) / Double(encoded)
    let result: PrivateAggregationResult
    switch outcome {
    case .failure(let error):
      guard case .secureAggregation(let protocolError) = error else { throw error }
      return Report(
        protocolReport: driver.report(
          sum: nil, survivors: [], completed: [:], abortReason: protocolError),
        release: nil, trueSum: nil, trueMean: nil, meanSquaredError: nil,
        expectedMeanSquaredError: nil, encodeSeconds: encodeSeconds,
        clippedFraction: clippedFraction)
    case .success(let released):
      result = released
    }
    let protocolReport = driver.report(
      sum: result.encodedSum, survivors: result.survivors, completed: result.completed,
      abortReason: nil)
    let release = result.release
    let (trueSum, trueWeight) = try self.trueSum(survivors: result.survivors)
    // The true denominator: the released one, except that a noised total weight is compared
    // with the survivors' true total weight.
    var denominator = release.denominator
    if case .weighted(_, .noised) = plan.configuration.weighting { denominator = trueWeight }
    let trueMean = trueSum.map { $0 / denominator }
    var squaredError = 0.0
    for (released, exact) in zip(release.mean, trueMean) {
      squaredError += (released - exact) * (released - exact)
    }
    return Report(
      protocolReport: protocolReport, release: release, trueSum: trueSum, trueMean: trueMean,
      meanSquaredError: squaredError / Double(max(trueMean.count, 1)),
      expectedMeanSquaredError: release.noiseVariance / (release.denominator * release.denominator),
      encodeSeconds: encodeSeconds, clippedFraction: clippedFraction)
  }

  /// The driver of this round: the server and the clients with the seed's randomness (the same
  /// keys as ``InMemoryRound`` with this seed), each client's update made when it masks.
  func makeDriver() throws(PrivateAggregationError)
    -> RoundDriver<PrivateAggregationServer, PrivateAggregationClient>
  {
    let configuration = plan.secureAggregation
    let deterministic = randomSource.isDeterministic
    let sources = SimulatedSources(
      configuration: configuration, insecureSeed: deterministic ? seed : nil)
    let directory = sources.identityDirectory
    let seed = seed
    // The noise and encoding randomness of each party: from the system, or a stream of the seed.
    func source(_ label: String) -> RandomSource {
      guard deterministic else { return .system }
      return .insecureDeterministic(
        ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
          .insecureDeterministicChild(label: label))
    }
    let server = try PrivateAggregationServer(
      plan: plan, ledger: ledger, identityDirectory: directory,
      nonceSource: sources.server, noiseSource: source("server noise"))
    var clients: [ParticipantID: PrivateAggregationClient] = [:]
    for id in configuration.participantIDs {
      var client = try PrivateAggregationClient(
        plan: plan, id: id, identityKey: sources.identityKeys[id], identityDirectory: directory,
        keySource: sources.clients[id] ?? .system, encodingSource: source("encode \(id)"))
      client.keepsMaskedInput = true
      clients[id] = client
    }
    var driver = RoundDriver(
      configuration: configuration, dropouts: dropouts, server: server, clients: clients)
    let updates = self.updates
    driver.prepare = { client, id, _ in
      let (update, weight) = updates(id)
      client.update = update
      client.weight = weight
    }
    return driver
  }

  /// Σ over survivors of clamp(w)·clip(x), and Σ clamp(w).
  private func trueSum(survivors: [ParticipantID]) throws(PrivateAggregationError)
    -> ([Double], Double)
  {
    var sum = [Double](repeating: 0, count: plan.dimension)
    var totalWeight = 0.0
    let clipping = try PrivateAggregationError.liftingPrivacyError {
      () throws(DifferentialPrivacyError) in
      try L2Clipping(bound: plan.configuration.clipBound)
    }
    for id in survivors {
      var (update, weight) = updates(id)
      try PrivateAggregationError.liftingPrivacyError { () throws(DifferentialPrivacyError) in
        _ = try clipping.clip(&update)
      }
      // A survivor's weight was accepted by its encoder, so the clamp cannot throw here.
      weight = try UpdateEncoder(plan: plan).clampedWeight(weight)
      totalWeight += weight
      for index in sum.indices { sum[index] += weight * update[index] }
    }
    return (sum, totalWeight)
  }
}
