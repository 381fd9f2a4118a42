import DifferentialPrivacy
import Foundation
import SecureAggregation
import Testing

@testable import PrivateAggregation

/// Encoding, summing and decoding, with and without the protocol.
@Suite struct PipelineTests {
  /// A fixed, public session id for runs without the protocol.
  static let sessionID: SessionID = {
    guard let id = try? SessionID(bytes: [UInt8](repeating: 7, count: SessionID.byteCount)) else {
      fatalError("a 32-byte session id is valid")
    }
    return id
  }()

  /// Independent N(0, σ²) values from a seeded generator (test data only).
  static func gaussian(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
    return (0..<count).map { _ in
      let u = 1 - Double(generator.next() >> 11) * 0x1p-53
      let v = Double(generator.next() >> 11) * 0x1p-53
      return scale * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
  }

  /// Encodes each update, adds the encodings mod 2^b (what the secure aggregation computes
  /// exactly) and decodes the sum.
  static func aggregate(
    _ plan: AggregationPlan, updates: [[Double]], weights: [Double]? = nil, seed: UInt64
  ) throws -> SumDecoder.Release {
    let encoder = UpdateEncoder(plan: plan)
    var sum = ModularVector(zeroCount: plan.encodedLength, modulus: plan.secureAggregation.modulus)
    for (index, update) in updates.enumerated() {
      let source = RandomSource.insecureDeterministic(
        ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
          .insecureDeterministicChild(label: "client \(index)"))
      let encoding = try encoder.encode(
        update, weight: weights?[index] ?? 1, sessionID: sessionID, randomSource: source)
      try sum.add(encoding.input)
    }
    let source = RandomSource.insecureDeterministic(
      ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
        .insecureDeterministicChild(label: "server"))
    return try SumDecoder(plan: plan).decode(
      sum, survivors: updates.count, sessionID: sessionID, randomSource: source)
  }

  /// Σ clamp(w)·clip(x) and Σ clamp(w).
  static func trueSum(
    _ updates: [[Double]], weights: [Double]?, clip: Double, maximumWeight: Double?
  ) throws -> (sum: [Double], weight: Double) {
    let clipping = try L2Clipping(bound: clip)
    var sum = [Double](repeating: 0, count: updates.first?.count ?? 0)
    var total = 0.0
    for (index, update) in updates.enumerated() {
      var clipped = update
      try clipping.clip(&clipped)
      let weight = maximumWeight.map { min(max(weights?[index] ?? 1, 0), $0) } ?? 1
      total += weight
      for position in sum.indices { sum[position] += weight * clipped[position] }
    }
    return (sum, total)
  }

  // MARK: Without privacy

  /// Property test: 40 random configurations — shapes, weights (uniform, public or summed
  /// denominator), the clipped-or-not bit, dropout schedules at every round — through the whole
  /// protocol; every decoded coordinate within the stated bound n/s of the true sum, the bit count
  /// and the total weight exact to their own rounding.
  @Test func noPrivacyDecodesWithinTheQuantizationBound() throws {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 501)
    var released = 0
    for trial in 0..<40 {
      let n = Int.random(in: 3...10, using: &random)
      let shapes = (0..<Int.random(in: 1...3, using: &random)).map { _ in
        (0..<Int.random(in: 1...2, using: &random)).map { _ in Int.random(in: 1...7, using: &random)
        }
      }
      let clip = Double.random(in: 0.5...4, using: &random)
      var configuration = PrivateAggregationConfiguration(
        clientCount: n, shapes: shapes, clipBound: clip, privacy: .none, noise: nil)
      configuration.bits = [12, 16, 24, 32][trial % 4]
      configuration.graph = .complete
      let weighting = trial % 3
      let maximumWeight = Double.random(in: 1...20, using: &random)
      if weighting == 1 {
        configuration.weighting = .weighted(maximumWeight: maximumWeight, denominator: .fixed(50))
      } else if weighting == 2 {
        configuration.weighting = .weighted(
          maximumWeight: maximumWeight, denominator: .noised(noiseMultiplier: 1))
      }
      if trial % 2 == 0 { configuration.clippedCountStandardDeviation = 1 }
      let plan = try AggregationPlan(configuration)
      let dimension = plan.dimension
      let seed = UInt64(1000 + trial)
      let rounds: [ProtocolRound] = [
        .advertiseKeys, .shareKeys, .maskedInputCollection, .unmasking,
      ]
      var dropouts: [ParticipantID: ProtocolRound] = [:]
      for id in plan.secureAggregation.participantIDs where Bool.random(using: &random) {
        if dropouts.count < n - plan.secureAggregation.minimumSurvivors {
          dropouts[id] = rounds[Int.random(in: 0..<rounds.count, using: &random)]
        }
      }
      let updateScale = Double.random(in: 0.1...3, using: &random)
      let round = PrivateRound(
        plan: plan, dropouts: DropoutSchedule(dropouts),
        randomSource: .insecureDeterministic(seed: seed)
      ) { id in
        (
          Self.gaussian(dimension, seed: seed &+ UInt64(id.index), scale: updateScale),
          Double(id.index) * 1.7
        )
      }
      let report = try round.run()
      guard let release = report.release, let trueSum = report.trueSum else { continue }
      released += 1
      #expect(report.protocolReport.exact)
      let bound = try #require(plan.quantizationErrorBound)
      #expect(abs(bound - Double(n) / plan.scale) <= 1e-12 * bound)
      for (decoded, exact) in zip(release.sum, trueSum) {
        #expect(abs(decoded - exact) < bound, "trial \(trial): \(decoded) vs \(exact)")
      }
      let survivors = report.protocolReport.survivors
      if plan.clippedBitIndex != nil {
        let clipping = try L2Clipping(bound: clip)
        let unclipped = try survivors.filter { id in
          var update = Self.gaussian(dimension, seed: seed &+ UInt64(id.index), scale: updateScale)
          return !(try clipping.clip(&update).wasClipped)
        }.count
        #expect(release.unclippedCount == Double(unclipped))
      }
      if plan.weightIndex != nil {
        let weights = survivors.map { min(Double($0.index) * 1.7, maximumWeight) }
        let total = weights.reduce(0, +)
        let weightBound = Double(survivors.count) / plan.weightScale
        #expect(abs((release.totalWeight ?? -1) - total) < weightBound)
      }
    }
    // Random schedules abort about a third of the rounds (too few survivors, unrecoverable
    // clients); at least half must release for the bound to be checked on enough sums.
    #expect(released >= 20, "only \(released) of 40 rounds released a sum")
  }

  /// Whether a plan is private is one fact: every privacy fact agrees with ``isPrivate``, and a
  /// plan without privacy answers `nil` (not an error) for its RDP and its round's privacy.
  @Test(arguments: PrivacyMode.allCases)
  func privacyIsOneFact(mode: PrivacyMode) throws {
    let configuration = PrivateAggregationConfiguration(
      clientCount: 10, dimension: 12, clipBound: 1, privacy: mode,
      noise: mode == .none ? nil : .noiseMultiplier(2))
    let plan = try AggregationPlan(configuration)
    #expect(plan.isPrivate == (mode != .none))
    #expect(plan.rotates == plan.isPrivate)
    #expect((plan.noiseMultiplier != nil) == plan.isPrivate)
    #expect((plan.report != nil) == plan.isPrivate)
    #expect((plan.accountantName != nil) == plan.isPrivate)
    #expect((try plan.rdp(order: 2) != nil) == plan.isPrivate)
    #expect((try plan.roundPrivacy() != nil) == plan.isPrivate)
    #expect((plan.quantizationErrorBound == nil) == plan.isPrivate)
    #expect((plan.l2Sensitivity > 0) == plan.isPrivate)
  }

  /// The bit width is checked before any round, with the width that would fit.
  @Test func tooFewBitsSayWhichWouldFit() throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 1000, dimension: 10, clipBound: 1, privacy: .none, noise: nil)
    configuration.bits = 10
    #expect(
      throws: PrivateAggregationError.bitWidthTooSmall(
        bits: 10, minimumBits: 12, needed: "the sum of 1000 clients' quantized values")
    ) {
      try AggregationPlan(configuration)
    }
  }

  /// With noise, too few bits for n clients' values plus the noise is refused before any round,
  /// with the width that fits; so is a vector longer than the protocol carries.
  @Test func noisyPlansCheckBitsAndLength() throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 1000, dimension: 250, clipBound: 10, noise: .noiseMultiplier(2))
    configuration.bits = 8
    #expect {
      _ = try AggregationPlan(configuration)
    } throws: { error in
      guard case .bitWidthTooSmall(let bits, let minimum, _) = error as? PrivateAggregationError
      else { return false }
      return bits == 8 && (minimum ?? 0) > 8
    }
    var long = PrivateAggregationConfiguration(
      clientCount: 10, dimension: (1 << 30) + 1, clipBound: 1, noise: .noiseMultiplier(1))
    long.graph = .complete
    #expect {
      _ = try AggregationPlan(long)
    } throws: { error in
      if case .invalidParameter(let name, _, _) = error as? PrivateAggregationError {
        return name == "dimension"
      }
      return false
    }
  }

  // MARK: Distributed DP

  /// Over 30 seeded rounds of 20 clients (d = 64, z = 1, 32 bits so rounding is negligible), the
  /// empirical MSE of the mean is within statistical tolerance of the MSE the noise variance
  /// predicts: 30 × 64 squared errors, relative standard error √(2/1920) ≈ 3.2 %, tolerance
  /// ±5 standard errors (p ≈ 6 × 10⁻⁷ of a false failure under the model) plus 1 % for rounding.
  @Test(arguments: [PrivacyMode.distributed(.discreteGaussian), .distributed(.skellam), .central])
  func empiricalErrorMatchesTheNoiseVariance(mode: PrivacyMode) throws {
    let n = 20
    var configuration = PrivateAggregationConfiguration(
      clientCount: n, dimension: 64, clipBound: 1, privacy: mode, noise: .noiseMultiplier(1))
    configuration.graph = .complete
    configuration.minimumSurvivors = 15
    let plan = try AggregationPlan(configuration)
    var squaredError = 0.0
    var expected = 0.0
    let rounds = 30
    for round in 0..<rounds {
      let seed = UInt64(2000 + round)
      let updates = (0..<n).map { client in
        Self.gaussian(64, seed: seed &* 100 &+ UInt64(client), scale: 0.2)
      }
      let release = try Self.aggregate(plan, updates: updates, seed: seed)
      let truth = try Self.trueSum(updates, weights: nil, clip: 1, maximumWeight: nil)
      for (decoded, exact) in zip(release.mean, truth.sum) {
        let error = decoded - exact / Double(n)
        squaredError += error * error
      }
      expected += release.noiseVariance / Double(n * n)
    }
    let mse = squaredError / Double(rounds * 64)
    let predicted = expected / Double(rounds)
    let tolerance = 5 * (2.0 / Double(rounds * 64)).squareRoot() + 0.01
    #expect(abs(mse / predicted - 1) <= tolerance, "MSE \(mse) vs predicted \(predicted)")
  }

  /// The released sum carries at least the calibrated σ² of noise the server does not know even
  /// when the most clients allowed drop: with minimumSurvivors clients in the sum, of whom the
  /// colluders' noise is known, the honest clients' noise variance is ≥ (z·C·s)² in integer
  /// units — by construction, and measured over 2,000 coordinates (variance within 5 standard
  /// errors, √(2/2000) relative).
  @Test func noiseHoldsWhenTheMostClientsDrop() throws {
    let n = 40
    var configuration = PrivateAggregationConfiguration(
      clientCount: n, dimension: 1000, clipBound: 2, privacy: .distributedGaussian,
      noise: .noiseMultiplier(1.5))
    configuration.graph = .complete
    configuration.minimumSurvivors = 25
    configuration.colludingClients = 5
    let plan = try AggregationPlan(configuration)
    #expect(plan.guaranteedNoisyClients == 20)
    let target = pow(1.5 * 2 * plan.scale, 2)
    let honestVariance =
      Double(plan.guaranteedNoisyClients) * pow(plan.clientNoiseStandardDeviation, 2)
    #expect(honestVariance >= target * (1 - 1e-6))
    // Only the minimum survive; zero updates, so the decoded sum is the noise (and no rounding).
    let updates = [[Double]](repeating: [Double](repeating: 0, count: 1000), count: 25)
    let release = try Self.aggregate(plan, updates: updates, seed: 3001)
    let values = release.sum.map { $0 * plan.scale }
    let variance = values.reduce(0) { $0 + $1 * $1 } / Double(values.count)
    let all = 25 * pow(plan.clientNoiseStandardDeviation, 2)
    #expect(abs(variance / all - 1) <= 5 * (2.0 / 1000).squareRoot())
    #expect(variance >= target * (1 - 5 * (2.0 / 1000).squareRoot()))
  }

  /// The encoder and the decoder draw from the source they are given: one seed gives one
  /// encoding and one noised release, another seed or the system's source different ones (two
  /// system draws of 64 noised coordinates coincide with negligible probability).
  @Test func encodingAndDecodingDrawFromTheGivenSource() throws {
    func plan(_ privacy: PrivacyMode) throws -> AggregationPlan {
      var configuration = PrivateAggregationConfiguration(
        clientCount: 10, dimension: 64, clipBound: 1, privacy: privacy,
        noise: .noiseMultiplier(1))
      configuration.graph = .complete
      return try AggregationPlan(configuration)
    }
    let encoder = UpdateEncoder(plan: try plan(.distributedGaussian))
    let update = (0..<64).map { Double($0 % 7) / 20 - 0.15 }
    func encoded(_ source: RandomSource) throws -> [UInt64] {
      try encoder.encode(update, sessionID: Self.sessionID, randomSource: source).input.elements
    }
    let seeded = try encoded(.insecureDeterministic(seed: 11))
    #expect(try encoded(.insecureDeterministic(seed: 11)) == seeded)
    #expect(try encoded(.insecureDeterministic(seed: 12)) != seeded)
    #expect(try encoded(.system) != encoded(.system))

    let central = try plan(.central)
    let sum = try UpdateEncoder(plan: central).encode(
      update, sessionID: Self.sessionID, randomSource: .insecureDeterministic(seed: 1)
    ).input
    func released(_ source: RandomSource) throws -> [Double] {
      try SumDecoder(plan: central).decode(
        sum, survivors: 1, sessionID: Self.sessionID, randomSource: source
      ).sum
    }
    let release = try released(.insecureDeterministic(seed: 21))
    #expect(try released(.insecureDeterministic(seed: 21)) == release)
    #expect(try released(.insecureDeterministic(seed: 22)) != release)
    #expect(try released(.system) != released(.system))
  }

  /// Weighted aggregation with a noised denominator under distributed DP: the total weight comes
  /// back within 6 standard deviations of its noise (plus rounding), its cost is in the
  /// accounting (a larger z_w leaves the update more privacy), and weights are clamped to w_max.
  @Test func noisedWeightsAreAccountedAndDecoded() throws {
    func plan(weightNoise: Double) throws -> AggregationPlan {
      var configuration = PrivateAggregationConfiguration(
        clientCount: 30, dimension: 16, clipBound: 1, noise: .noiseMultiplier(1))
      configuration.graph = .complete
      configuration.weighting = .weighted(
        maximumWeight: 10, denominator: .noised(noiseMultiplier: weightNoise))
      return try AggregationPlan(configuration)
    }
    let noisy = try plan(weightNoise: 3)
    let quiet = try plan(weightNoise: 30)
    let noisyUpdate = try #require(noisy.updateNoiseMultiplier)
    let quietUpdate = try #require(quiet.updateNoiseMultiplier)
    #expect(abs(1 / (noisyUpdate * noisyUpdate) - (1 - 1.0 / 9)) <= 1e-12)
    #expect(quietUpdate < noisyUpdate)
    let weights = (0..<30).map { Double($0 % 14) }  // 10…13 clamp to 10
    let updates = (0..<30).map { Self.gaussian(16, seed: UInt64(4000 + $0), scale: 0.1) }
    let release = try Self.aggregate(noisy, updates: updates, weights: weights, seed: 4100)
    let truth = try Self.trueSum(updates, weights: weights, clip: 1, maximumWeight: 10)
    let total = try #require(release.totalWeight)
    let sigma = 30.0.squareRoot() * noisy.clientNoiseStandardDeviation / noisy.weightScale
    #expect(abs(total - truth.weight) <= 6 * sigma + 30 / noisy.weightScale)
    #expect(release.denominator == max(total, 10))
    #expect(truth.weight == weights.map { min($0, 10) }.reduce(0, +))
  }

  /// A target ε is met, and barely: 1 % less noise misses it.
  @Test(arguments: [PrivacyMode.distributed(.discreteGaussian), .distributed(.skellam), .central])
  func calibrationMeetsTheTarget(mode: PrivacyMode) throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 200, dimension: 100, clipBound: 1, privacy: mode, noise: .targetEpsilon(2))
    configuration.bits = 20
    configuration.rounds = 5
    let plan = try AggregationPlan(configuration)
    let report = try #require(plan.report)
    #expect(report.epsilon.epsilon <= 2)
    let z = try #require(plan.noiseMultiplier)
    configuration.noise = .noiseMultiplier(z * 0.99)
    let weaker = try AggregationPlan(configuration)
    #expect(try #require(weaker.report).epsilon.epsilon > 2)
  }

  /// Local DP costs far more error than distributed DP at the same ε — the reason the other
  /// modes exist.
  @Test func localDPIsTheCostlyBaseline() throws {
    func plan(_ mode: PrivacyMode) throws -> AggregationPlan {
      var configuration = PrivateAggregationConfiguration(
        clientCount: 100, dimension: 50, clipBound: 1, privacy: mode, noise: .targetEpsilon(4))
      configuration.graph = .complete
      return try AggregationPlan(configuration)
    }
    let local = try plan(.local)
    let distributed = try plan(.distributedGaussian)
    #expect(local.noiseVariance(survivors: 100) > 20 * distributed.noiseVariance(survivors: 100))
    #expect(local.accountingRelation == .replaceOne)
  }

  /// Every name of a plan's accountant says the same thing: `accountantName` is the report's, and
  /// the ledger's rounds are accounted by the configured accountant (by PLD or RDP also when the
  /// report of one central release uses the analytic Gaussian).
  @Test(arguments: PrivacyAccountant.allCases, [false, true])
  func accountantNamesAgree(accountant: PrivacyAccountant, analytic: Bool) throws {
    let prefix = accountant == .pld ? "PLD" : "RDP"
    let modes: [PrivacyMode] =
      analytic ? [.central] : [.central, .distributedGaussian, .distributed(.skellam), .local]
    for mode in modes {
      var configuration = PrivateAggregationConfiguration(
        clientCount: 20, dimension: 12, clipBound: 1, privacy: mode,
        noise: .noiseMultiplier(2))
      configuration.accountant = accountant
      configuration.analyticCentralAccounting = analytic
      let plan = try AggregationPlan(configuration)
      let report = try #require(plan.report)
      let round = try #require(try plan.roundPrivacy())
      #expect(plan.accountantName == report.accountant)
      #expect(report.accountant.hasPrefix(analytic ? "analytic Gaussian" : prefix))
      #expect(round.accountant.hasPrefix(prefix))
      if !analytic { #expect(round.accountant == report.accountant) }
    }
  }

  /// The ledger: T rounds of a plan give what the plan's accountant gives for T rounds — RDP to
  /// rounding, PLD to 10⁻⁶ (the ledger composes round by round, the report by squaring, and
  /// each truncates its tails of at most 10⁻¹⁵ at different steps).
  @Test(arguments: PrivacyAccountant.allCases)
  func ledgerMatchesThePlansAccountant(accountant: PrivacyAccountant) throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 50, dimension: 20, clipBound: 1, privacy: .distributedGaussian,
      noise: .noiseMultiplier(1.2))
    configuration.sampling = .poisson(rate: 0.1)
    configuration.rounds = 8
    configuration.accountant = accountant
    let plan = try AggregationPlan(configuration)
    let ledger = try PrivacyLedger(delta: configuration.delta)
    let round = try #require(try plan.roundPrivacy())
    for _ in 0..<8 { try ledger.record(round) }
    let report = try #require(plan.report)
    #expect(ledger.accountant == accountant)
    #expect(report.accountant.hasPrefix(accountant == .pld ? "PLD" : "RDP"))
    let tolerance = accountant == .pld ? 1e-6 : 1e-9
    #expect(
      abs(ledger.epsilon.epsilon - report.epsilon.epsilon) <= tolerance * report.epsilon.epsilon)
    #expect(
      abs(ledger.epsilonWithoutAmplification.epsilon - report.epsilonWithoutAmplification.epsilon)
        <= tolerance * report.epsilonWithoutAmplification.epsilon)
  }

  // MARK: Errors

  /// Every bad parameter names itself.
  @Test func badParametersNameThemselves() throws {
    func name(_ change: (inout PrivateAggregationConfiguration) -> Void) -> String? {
      var configuration = PrivateAggregationConfiguration(
        clientCount: 20, dimension: 10, clipBound: 1, noise: .noiseMultiplier(1))
      change(&configuration)
      do {
        _ = try AggregationPlan(configuration)
        return nil
      } catch {
        if case .invalidParameter(let name, _, _) = error { return name }
        return "\(error)"
      }
    }
    #expect(name { $0.clientCount = 1 } == "clientCount")
    #expect(name { $0.shapes = [[0]] } == "shapes")
    #expect(name { $0.bits = 1 } == "bits")
    #expect(name { $0.bits = 63 } == "bits")
    #expect(name { $0.clipBound = 0 } == "clipBound")
    #expect(name { $0.clipBound = .nan } == "clipBound")
    #expect(name { $0.delta = 0 } == "delta")
    #expect(name { $0.noise = nil } == "noise")
    #expect(name { $0.noise = .noiseMultiplier(0) } == "noiseMultiplier")
    #expect(name { $0.noise = .targetEpsilon(-1) } == "targetEpsilon")
    #expect(name { $0.rounds = 0 } == "rounds")
    #expect(name { $0.colludingClients = 20 } == "colludingClients")
    // Active mode's threshold depends on the colluders: no silent default of 0 (issue 12).
    #expect(name { $0.securityMode = .active } == "colludingClients")
    #expect(
      name {
        $0.securityMode = .active
        $0.colludingClients = 0
      } == nil)
    #expect(
      name {
        $0.graph = .complete
        $0.minimumSurvivors = 8
        $0.colludingClients = 8
      } == "colludingClients")
    #expect(
      name { $0.weighting = .weighted(maximumWeight: 0, denominator: .fixed(1)) } == "maximumWeight"
    )
    #expect(
      name { $0.weighting = .weighted(maximumWeight: 1, denominator: .fixed(0)) } == "denominator")
    #expect(name { $0.clippedCountStandardDeviation = 0 } == "clippedCountStandardDeviation")
    // 2σ_b ≤ z: the bit would take all the privacy.
    #expect(
      name {
        $0.noise = .noiseMultiplier(4)
        $0.clippedCountStandardDeviation = 1.5
      } == "clippedCountStandardDeviation σ_b (needs 2σ_b > z)")
    #expect(
      name {
        $0.privacy = .central
        $0.analyticCentralAccounting = true
        $0.rounds = 2
      } == "analyticCentralAccounting")
    #expect(name { $0.headroom = 0 } == "headroom")
    #expect(name { $0.roundingBeta = 1 } == "roundingBeta")
  }

  /// A NaN or infinite value, a wrong length or a negative weight is the client's typed error,
  /// naming no value.
  @Test func badInputsAreTypedErrors() throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 10, dimension: 4, clipBound: 1, noise: .noiseMultiplier(1))
    configuration.weighting = .weighted(maximumWeight: 5, denominator: .fixed(10))
    let encoder = UpdateEncoder(plan: try AggregationPlan(configuration))
    let source = RandomSource.insecureDeterministic(seed: 9)
    #expect(throws: PrivateAggregationError.nonFiniteValue(index: 2)) {
      try encoder.encode([1, 2, .nan, 4], sessionID: Self.sessionID, randomSource: source)
    }
    #expect(throws: PrivateAggregationError.nonFiniteValue(index: 0)) {
      try encoder.encode(
        [-Double.infinity, 2, 3, 4], sessionID: Self.sessionID, randomSource: source)
    }
    #expect(throws: PrivateAggregationError.dimensionMismatch(expected: 4, actual: 3)) {
      try encoder.encode([1, 2, 3], sessionID: Self.sessionID, randomSource: source)
    }
    #expect(
      throws: PrivateAggregationError.invalidInput(name: "weight", expected: "a finite weight ≥ 0")
    ) {
      try encoder.encode([1, 2, 3, 4], weight: -1, sessionID: Self.sessionID, randomSource: source)
    }
    #expect(throws: PrivateAggregationError.dimensionMismatch(expected: 1, actual: 2)) {
      try encoder.encode(
        encoder.plan.flatten([[1, 2], [3, 4]]), sessionID: Self.sessionID, randomSource: source)
    }
  }

  /// One entry for every element type: a `[Float]`, a slice or flattened tensors encode exactly
  /// as the `[Double]` of the same values with the same randomness.
  @Test func everyFloatingPointUpdateEncodesAsItsDoubles() throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 10, shapes: [[2, 3], [2]], clipBound: 1, noise: .noiseMultiplier(1))
    configuration.weighting = .weighted(maximumWeight: 5, denominator: .fixed(10))
    let encoder = UpdateEncoder(plan: try AggregationPlan(configuration))
    let floats: [Float] = [0.25, -0.5, 0.125, 1, -0.75, 0.5, 0.3, -0.1]
    let doubles = floats.map(Double.init)
    func encoded(_ update: some Collection<some BinaryFloatingPoint>) throws -> [UInt64] {
      let source = RandomSource.insecureDeterministic(seed: 4)
      return try encoder.encode(update, weight: 2, sessionID: Self.sessionID, randomSource: source)
        .input.elements
    }
    let expected = try encoded(doubles)
    #expect(try encoded(floats) == expected)
    #expect(try encoded(([0] + doubles)[1...]) == expected)
    #expect(
      try encoded(encoder.plan.flatten([Array(doubles[0..<6]), Array(doubles[6...])])) == expected)
  }
}

/// Adaptive clipping through the whole pipeline: the clipped-or-not bit travels in the masked
/// vector with its noise, and the server's geometric update converges to the target quantile.
@Suite struct AdaptiveClippingPipelineTests {
  /// 200 clients per round, norms 5·|N(0, 1)| (median 3.37, 90 % quantile 8.22), σ_b = n/20 = 10,
  /// z = 1, η = 0.2, from C = 0.1, 120 rounds. The median of the last 30 rounds' bounds has an
  /// empirical quantile within ±0.05 of γ: each round's fraction carries a standard error of
  /// about √(γ(1−γ)/200) + σ_b/n ≈ 0.085, and the geometric update averages over ~1/η rounds.
  @Test(arguments: [0.5, 0.9])
  func converges(targetQuantile: Double) throws {
    let n = 200
    var clipping = try AdaptiveClipping(
      initialBound: 0.1, targetQuantile: targetQuantile, learningRate: 0.2,
      countStandardDeviation: 10)
    var bounds: [Double] = []
    for round in 0..<120 {
      var configuration = PrivateAggregationConfiguration(
        clientCount: n, dimension: 8, clipBound: clipping.bound, noise: .noiseMultiplier(1))
      configuration.graph = .complete
      configuration.clippedCountStandardDeviation = 10
      let plan = try AggregationPlan(configuration)
      let norms = PipelineTests.gaussian(n, seed: UInt64(round)).map { 5 * abs($0) }
      let directions = PipelineTests.gaussian(8 * n, seed: UInt64(1_000_000 + round))
      let updates = (0..<n).map { client in
        let direction = Array(directions[(8 * client)..<(8 * client + 8)])
        let length = (direction.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return direction.map { $0 / length * norms[client] }
      }
      let release = try PipelineTests.aggregate(plan, updates: updates, seed: UInt64(round))
      let count = try #require(release.unclippedCount)
      try clipping.update(noisedUnclippedCount: count, clients: n)
      bounds.append(clipping.bound)
    }
    let settled = bounds.suffix(30).sorted()[15]
    let fresh = PipelineTests.gaussian(100_000, seed: 9_000_000).map { 5 * abs($0) }
    let quantile = Double(fresh.filter { $0 <= settled }.count) / Double(fresh.count)
    #expect(abs(quantile - targetQuantile) <= 0.05, "bound \(settled), quantile \(quantile)")
  }
}
