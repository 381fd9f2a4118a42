import DigitsTraining
import Foundation
import PrivateAggregation

/// The runs of a sweep: every point at every seed, spread over the cores. The results do not
/// depend on the order the runs finish in: each run's randomness comes from its own seed.
struct TradeoffSweep: Sendable {
  enum Kind: Sendable {
    case mean(MeanTask)
    case digits(DigitsTask)
  }

  let points: [TradeoffPoint]
  let header: String
  let kind: Kind

  /// Runs every point at seeds `seed`, `seed + 1`, … (`repeats` of them). A point whose plan
  /// cannot be built (too few bits for its noise, say) is reported on stderr and left out.
  func run(repeats: Int, seed: UInt64, progress: SweepProgress) throws -> [TradeoffRun] {
    let jobs = points.indices.flatMap { point in (0..<repeats).map { (point, $0) } }
    let kind = self.kind
    let points = self.points
    let plans: [Result<AggregationPlan?, any Error>] = concurrentMap(points.count) { index in
      Result {
        guard case .mean(let task) = kind else { return nil }
        return try task.plan(for: points[index])
      }
    }
    for (index, plan) in plans.enumerated() {
      if case .failure(let error) = plan {
        FileHandle.standardError.write(
          Data(
            "tradeoff: skipping \(points[index].label) at ε = \(points[index].epsilon ?? 0): \(error)\n"
              .utf8))
      }
    }
    let results: [Result<TradeoffRun?, any Error>] = concurrentMap(jobs.count) { index in
      let (pointIndex, repeatIndex) = jobs[index]
      let point = points[pointIndex]
      defer { progress.step(point.label) }
      return Result {
        let runSeed = seed &+ UInt64(repeatIndex)
        switch kind {
        case .mean(let task):
          guard case .success(let plan?) = plans[pointIndex] else { return nil }
          return try task.run(point: point, plan: plan, seed: runSeed)
        case .digits(let task):
          return try task.run(point: point, seed: runSeed)
        }
      }
    }
    return try results.compactMap { try $0.get() }
  }
}

/// Task mean: distributed mean estimation on the sphere.
struct MeanTask: Sendable {
  let clients: Int
  let dimension: Int
  let clip: Double
  let delta: Double
  let accountant: PrivacyAccountant

  /// The point's plan: one release, every client sampled, no dropouts planned for (the sweep
  /// drops nobody, so the noise is sized for all n clients, as in Kairouz et al.).
  func plan(for point: TradeoffPoint) throws -> AggregationPlan {
    var configuration = PrivateAggregationConfiguration(
      clientCount: clients, dimension: dimension, clipBound: clip,
      privacy: point.mechanism.privacy, noise: point.epsilon.map(NoiseLevel.targetEpsilon))
    configuration.bits = point.bits
    configuration.delta = delta
    configuration.expectedDropoutRate = 0
    configuration.analyticCentralAccounting = point.mechanism == .centralAnalytic
    configuration.accountant = accountant
    return try AggregationPlan(configuration)
  }

  /// One run: every client's vector through the encoder, the sum mod 2^b, the server's decoder.
  func run(point: TradeoffPoint, plan: AggregationPlan, seed: UInt64) throws -> TradeoffRun {
    let root = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    var nonce = [UInt8](repeating: 0, count: 32)
    let nonceSource = root.insecureDeterministicChild(label: "session nonce")
    for index in nonce.indices { nonce[index] = UInt8(truncatingIfNeeded: nonceSource.next()) }
    let sessionID = try SessionID(configuration: plan.secureAggregation, nonce: nonce)
    let encoder = UpdateEncoder(plan: plan)
    var sum = ModularVector(zeroCount: plan.encodedLength, modulus: plan.secureAggregation.modulus)
    var trueSum = [Double](repeating: 0, count: dimension)
    let noiseLabel = "\(point.mechanism.rawValue) \(point.bits) \(point.epsilon ?? 0)"
    for id in plan.secureAggregation.participantIDs {
      // The data depend on the seed only: every mechanism sees the same vectors.
      let vector = PrivateRound.SyntheticData.sphere.update(
        for: id, dimension: dimension, clipBound: clip, seed: seed)
      let source = RandomSource.insecureDeterministic(
        root.insecureDeterministicChild(label: "encode \(noiseLabel) \(id)"))
      let encoding = try encoder.encode(vector, sessionID: sessionID, randomSource: source)
      try sum.add(encoding.input)
      for index in trueSum.indices { trueSum[index] += vector[index] }
    }
    let serverSource = RandomSource.insecureDeterministic(
      root.insecureDeterministicChild(label: "server \(noiseLabel)"))
    let release = try SumDecoder(plan: plan).decode(
      sum, survivors: clients, sessionID: sessionID, randomSource: serverSource)
    var squaredError = 0.0
    for index in trueSum.indices {
      let error = release.mean[index] - trueSum[index] / Double(clients)
      squaredError += error * error
    }
    let denominator = release.denominator
    return TradeoffRun(
      task: "mean", point: point, delta: delta, clients: clients, dimension: dimension,
      seed: seed, mse: squaredError / Double(dimension),
      expectedMSE: release.noiseVariance / (denominator * denominator), accuracy: nil,
      noiseMultiplier: plan.noiseMultiplier, epsilonSpent: plan.report?.epsilon.epsilon,
      epsilonWithoutAmplification: plan.report?.epsilonWithoutAmplification.epsilon)
  }
}

/// Task digits: FederatedDigits' training.
struct DigitsTask: Sendable {
  let training: FederatedTraining.Configuration
  let data: DigitsDataset

  func run(point: TradeoffPoint, seed: UInt64) throws -> TradeoffRun {
    var configuration = training
    configuration.privacy = point.mechanism.privacy
    configuration.epsilon = point.epsilon
    configuration.bits = point.bits
    configuration.seed = seed
    let training = try FederatedTraining(configuration: configuration, data: data)
    let outcome = try training.run()
    return TradeoffRun(
      task: "digits", point: point, delta: configuration.delta, clients: configuration.clients,
      dimension: SoftmaxRegression.parameterCount, seed: seed, mse: nil, expectedMSE: nil,
      accuracy: outcome.testAccuracy, noiseMultiplier: outcome.noiseMultiplier,
      epsilonSpent: outcome.epsilonSpent,
      epsilonWithoutAmplification: outcome.epsilonWithoutAmplification)
  }
}

/// The sweep's progress line on stderr: runs done, the current point, time left.
final class SweepProgress: @unchecked Sendable {
  // Safety: every mutable field is read and written only under `lock`.
  private let lock = NSLock()
  private let enabled: Bool
  private let total: Int
  private let isTerminal: Bool
  private let clock: @Sendable () -> Date
  private let write: @Sendable (String) -> Void
  private let start: Date
  private var done = 0
  private var lastPrint = Date.distantPast
  private var printed = false

  /// A progress line on stderr; `isTerminal`, `clock` and `write` are for tests.
  init(
    enabled: Bool, total: Int, isTerminal: Bool = isatty(STDERR_FILENO) != 0,
    clock: @escaping @Sendable () -> Date = Date.init,
    write: @escaping @Sendable (String) -> Void = {
      FileHandle.standardError.write(Data($0.utf8))
    }
  ) {
    self.enabled = enabled
    self.total = total
    self.isTerminal = isTerminal
    self.clock = clock
    self.write = write
    start = clock()
  }

  func step(_ label: String) {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    done += 1
    let now = clock()
    let interval = isTerminal ? 0.25 : 5.0
    guard now.timeIntervalSince(start) >= 1, now.timeIntervalSince(lastPrint) >= interval
    else { return }
    lastPrint = now
    let elapsed = now.timeIntervalSince(start)
    let left = elapsed / Double(done) * Double(total - done)
    let line = String(
      format: "tradeoff: %d/%d runs (%@), %.0f s elapsed, ~%.0f s left", done, total, label,
      elapsed, left)
    write((isTerminal ? "\r\u{1B}[K" : "") + line + (isTerminal ? "" : "\n"))
    printed = true
  }

  func finish() {
    lock.lock()
    defer { lock.unlock() }
    if enabled, printed, isTerminal { write("\n") }
  }
}
