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
  /// The seed of the data, the keys and the noise (insecure, for reproducibility); `nil` draws
  /// every secret and the noise from the system (the data then come from seed 0).
  public let insecureSeed: UInt64?
  /// Each client's update and weight.
  public let updates: @Sendable (ParticipantID) -> (update: [Double], weight: Double)

  /// A simulated round with synthetic data.
  ///
  /// - Parameters:
  ///   - plan: the plan.
  ///   - data: the synthetic updates; each client's weight is 1.
  ///   - dropouts: who drops when; nobody by default.
  ///   - insecureSeed: makes the run reproducible (insecure); `nil` uses system randomness.
  public init(
    plan: AggregationPlan, data: SyntheticData, dropouts: DropoutSchedule = DropoutSchedule(),
    insecureSeed: UInt64? = nil
  ) {
    let seed = insecureSeed ?? 0
    let dimension = plan.dimension
    let clip = plan.configuration.clipBound
    self.init(plan: plan, dropouts: dropouts, insecureSeed: insecureSeed) { id in
      (data.update(for: id, dimension: dimension, clipBound: clip, seed: seed), 1)
    }
  }

  /// A simulated round with the updates and weights `updates` gives each client.
  ///
  /// - Parameters:
  ///   - plan: the plan.
  ///   - dropouts: who drops when; nobody by default.
  ///   - insecureSeed: makes the run reproducible (insecure); `nil` uses system randomness.
  ///   - updates: client `id`'s update (flattened) and weight; called when the client masks
  ///     its input and again, for survivors, to form the true mean.
  public init(
    plan: AggregationPlan, dropouts: DropoutSchedule = DropoutSchedule(),
    insecureSeed: UInt64? = nil,
    updates: @escaping @Sendable (ParticipantID) -> (update: [Double], weight: Double)
  ) {
    self.plan = plan
    self.dropouts = dropouts
    self.insecureSeed = insecureSeed
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

  /// Runs the round.
  ///
  /// - Parameter progress: called after every delivered message.
  /// - Throws: ``PrivateAggregationError`` when a client cannot encode its update (a NaN, say)
  ///   or the protocol cannot be set up; a protocol abort is a result (``Report/release`` is
  ///   `nil`), not an error.
  public func run(progress: ((InMemoryRound.Progress) -> Void)? = nil)
    throws(PrivateAggregationError) -> Report
  {
    let encoder = UpdateEncoder(plan: plan)
    let tally = EncodingTally()
    let seed = insecureSeed
    let updates = self.updates
    let wrongLength = ModularVector(zeroCount: 1, modulus: plan.secureAggregation.modulus)
    let round = InMemoryRound(
      configuration: plan.secureAggregation, dropouts: dropouts, insecureSeed: insecureSeed
    ) { id, sessionID in
      let (update, weight) = updates(id)
      let generator =
        seed.map {
          ChaChaRandomNumberGenerator(insecureDeterministicSeed: $0)
            .insecureDeterministicChild(label: "encode \(id)")
        } ?? ChaChaRandomNumberGenerator()
      var random = generator
      let clock = ContinuousClock()
      let start = clock.now
      do throws(PrivateAggregationError) {
        let encoding = try encoder.encode(
          update, weight: weight, sessionID: sessionID, using: &random)
        tally.record(seconds: clock.now - start, clipped: encoding.wasClipped)
        return encoding.input
      } catch {
        tally.fail(error)
        return wrongLength  // refused by the client: it sends nothing
      }
    }
    let report: RoundReport
    do throws(SecureAggregationError) {
      report = try round.run(progress: progress)
    } catch {
      throw .secureAggregation(error)
    }
    if let error = tally.error { throw error }
    guard let sum = report.sum else {
      return Report(
        protocolReport: report, release: nil, trueSum: nil, trueMean: nil,
        meanSquaredError: nil, expectedMeanSquaredError: nil,
        encodeSeconds: tally.meanSeconds, clippedFraction: tally.clippedFraction)
    }
    var serverRandom =
      seed.map {
        ChaChaRandomNumberGenerator(insecureDeterministicSeed: $0)
          .insecureDeterministicChild(label: "server noise")
      } ?? ChaChaRandomNumberGenerator()
    let release = try SumDecoder(plan: plan).decode(
      sum, survivors: report.survivors.count, sessionID: report.sessionID, using: &serverRandom)
    let (trueSum, trueWeight) = try self.trueSum(survivors: report.survivors)
    let denominator: Double
    switch plan.configuration.weighting {
    case .uniform: denominator = Double(report.survivors.count)
    case .weighted(_, .fixed(let total)): denominator = total
    case .weighted(_, .noised): denominator = trueWeight
    }
    let trueMean = trueSum.map { $0 / denominator }
    var squaredError = 0.0
    for (released, exact) in zip(release.mean, trueMean) {
      squaredError += (released - exact) * (released - exact)
    }
    return Report(
      protocolReport: report, release: release, trueSum: trueSum, trueMean: trueMean,
      meanSquaredError: squaredError / Double(max(trueMean.count, 1)),
      expectedMeanSquaredError: release.noiseVariance / (release.denominator * release.denominator),
      encodeSeconds: tally.meanSeconds, clippedFraction: tally.clippedFraction)
  }

  /// Σ over survivors of clamp(w)·clip(x), and Σ clamp(w).
  private func trueSum(survivors: [ParticipantID]) throws(PrivateAggregationError)
    -> ([Double], Double)
  {
    var sum = [Double](repeating: 0, count: plan.dimension)
    var totalWeight = 0.0
    let clipping: L2Clipping
    do {
      clipping = try L2Clipping(bound: plan.configuration.clipBound)
    } catch {
      throw .differentialPrivacy(error)
    }
    for id in survivors {
      var (update, weight) = updates(id)
      do {
        try clipping.clip(&update)
      } catch {
        throw .differentialPrivacy(error)
      }
      if case .weighted(let maximumWeight, _) = plan.configuration.weighting {
        weight = min(max(weight, 0), maximumWeight)
      } else {
        weight = 1
      }
      totalWeight += weight
      for index in sum.indices { sum[index] += weight * update[index] }
    }
    return (sum, totalWeight)
  }
}

/// Encoding times and outcomes, gathered from the input closure.
private final class EncodingTally: @unchecked Sendable {
  // Touched only from the simulation's one thread, inside `run`.
  private var seconds = 0.0
  private var count = 0
  private var clipped = 0
  private(set) var error: PrivateAggregationError?

  func record(seconds elapsed: Duration, clipped wasClipped: Bool) {
    seconds +=
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    count += 1
    if wasClipped { clipped += 1 }
  }

  func fail(_ error: PrivateAggregationError) {
    if self.error == nil { self.error = error }
  }

  var meanSeconds: Double { count == 0 ? 0 : seconds / Double(count) }
  var clippedFraction: Double { count == 0 ? 0 : Double(clipped) / Double(count) }
}
