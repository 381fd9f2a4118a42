import DifferentialPrivacy
import SecureAggregation
import Testing

@testable import PrivateAggregation

/// The noise in a released sum, measured through the whole pipeline — each client's encoder,
/// the secure aggregation with every message as wire bytes, the server's decoder
/// (``PrivateRound``) — against the noise the *configuration* asks for (issue 13, part 4). The
/// target never comes from what the plan or the decoder says about its own noise
/// (`release.noiseVariance`, `plan.clientNoiseStandardDeviation`, `plan.scale`): with every
/// client's σ scaled by 0.9, tests built on those still passed.
///
/// **The target.** The noise multiplier z is the standard deviation of the release's noise over
/// the update's sensitivity bound C (``NoiseLevel/noiseMultiplier(_:)``), in the update's units.
/// - Distributed DP: the server may know the noise of the `colludingClients`, and as few as
///   `minimumSurvivors` clients may be in a sum, so each client adds the share (z·C)²/h with
///   h = minimumSurvivors − colludingClients: any h honest clients' noise together reaches
///   (z·C)². A sum of S survivors then carries S·(z·C)²/h per coordinate.
/// - Central DP: the server adds (z·C)² once, whoever survives.
///
/// The discrete Gaussian's variance is below its parameter σ² by a relative 2.1 × 10⁻⁷ at σ = 1
/// and less than 10⁻³⁰ from σ = 2 on (summed with mpmath), and the samplers round σ² to a rational
/// within 10⁻⁶; the σ here are thousands of integer units or more, so both are far below the
/// tolerance.
///
/// **Rounding.** Conditional randomized rounding of a scaled, rotated value u adds variance
/// frac(u)·(1 − frac(u)) ≤ 1/4 integer units per client, so at most S/(4s²) per coordinate of the
/// decoded sum (s the plan's scale). The updates here are all zero: the rotation of 0 is 0, which
/// rounds to 0 exactly, so rounding adds nothing and the target is the noise alone. (Rounding
/// only ever adds variance, so leaving it out could not make the one-sided check pass wrongly.)
///
/// **The statistic.** The update has m = 2^17 coordinates, a power of two, so nothing is padded,
/// and the rotation is orthonormal: the sum of squares of the m decoded coordinates equals that of
/// the m integer noise sums, divided by s². So V̂, the mean square of the decoded coordinates, is
/// the mean of m independent squares of (nearly) Gaussian noise sums (excess kurtosis: ≈ 0 for the
/// discrete Gaussian at σ = 2^20, 1/(S·μ) < 10⁻⁶ for Skellam), with relative standard error
/// s.e. = √(2/m) = 0.39 %. The check is one-sided — less noise than the target is what breaks
/// privacy — V̂ ≥ T·(1 − 3·s.e.) = 0.9883·T. At the target, a false alarm has probability
/// Φ(−3) = 1.35 × 10⁻³ (the left tail of χ²_m/m is lighter than the normal's). If every client's
/// σ were 0.98 of its share (variance 0.9604·T), V̂ would fall 7.4 standard errors below the
/// threshold: power 1 − 10⁻¹³ (σ·0.99: 2.1 standard errors, power 0.98).
@Suite struct NoiseLevelTests {
  static let dimension = 1 << 17
  static let clipBound = 0.5
  static let noiseMultiplier = 1.3
  static let clients = 4
  static let minimumSurvivors = 3
  static let colludingClients = 1

  /// Four clients, at least three in every sum, one colluding with the server (h = 2); client 4
  /// drops before its masked input, so the sum has S = 3 clients' noise, 1.5·(z·C)² for
  /// distributed DP; (z·C)² for central DP. 24 bits with 8 standard deviations of headroom: the
  /// sum never wraps (its half range is 9.2 of the S = 3 sum's σ), and each discrete Gaussian
  /// client's σ (≈ 2^19 integer units) stays below the sampler's 2^20 cap. (At the default 32 bits
  /// this configuration hits the cap, and the plan throws: σ² rounds to 2^40 + 0.0005, above the
  /// sampler's maximum.)
  @Test(arguments: [
    PrivacyMode.distributed(.discreteGaussian), .distributed(.skellam), .central,
  ])
  func releasedNoiseReachesTheConfiguredLevel(mode: PrivacyMode) throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: Self.clients, dimension: Self.dimension, clipBound: Self.clipBound,
      privacy: mode, noise: .noiseMultiplier(Self.noiseMultiplier))
    configuration.graph = .complete
    configuration.minimumSurvivors = Self.minimumSurvivors
    configuration.colludingClients = Self.colludingClients
    configuration.bits = 24
    configuration.headroom = 8
    let plan = try AggregationPlan(configuration)
    #expect(plan.updateLength == Self.dimension)  // no padding

    let dropped = try #require(ParticipantID(Self.clients))
    let zeros = [Double](repeating: 0, count: Self.dimension)
    let report = try PrivateRound(
      plan: plan, dropouts: DropoutSchedule([dropped: .maskedInputCollection]),
      randomSource: .insecureDeterministic(seed: 13_401)
    ) { _ in (zeros, 1) }.run()
    let release = try #require(report.release)
    let survivors = 3
    #expect(release.survivors == survivors)

    // The target, from the configuration alone.
    let central = Self.noiseMultiplier * Self.clipBound
    let target: Double
    switch mode {
    case .distributed:
      let honest = Self.minimumSurvivors - Self.colludingClients
      target = Double(survivors) * central * central / Double(honest)
    default:
      target = central * central
    }
    let measured = release.sum.reduce(0) { $0 + $1 * $1 } / Double(Self.dimension)
    let standardError = (2 / Double(Self.dimension)).squareRoot()
    let threshold = target * (1 - 3 * standardError)
    #expect(
      measured >= threshold,
      "\(mode.name): measured \(measured) = \(measured / target) × target \(target), threshold \(threshold)"
    )
  }
}
