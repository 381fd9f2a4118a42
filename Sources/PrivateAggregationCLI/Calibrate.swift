import ArgumentParser
import DifferentialPrivacy

/// `private-aggregation calibrate`: the smallest noise multiplier that meets a target ε.
struct Calibrate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the smallest noise multiplier meeting a target (ε, δ) over T rounds.",
    discussion: """
      Bisection on the accountant (--accountant pld, the default, or rdp; relative tolerance \
      1e-5 with PLD, 1e-6 with RDP for the Gaussian, 1e-4 for the distributed mechanisms); the multiplier printed always meets the target.
      """
  )

  @OptionGroup var options: PrivacyOptions

  @Option(help: "The target ε.")
  var targetEpsilon: Double

  func run() throws {
    print(try output())
  }

  /// What `run()` prints: the text report, or one JSON object with `--json`.
  func output() throws -> String {
    var fields: [String: Any] = [:]
    let report: PrivacyReport
    switch options.mechanism {
    case .gaussian:
      // A cohort the server chooses gets no amplification: calibrate as if every client took part.
      let rate =
        options.sampling == .poisson && options.relation == .addOrRemove ? options.samplingRate : 1
      let result = try Calibration.noiseMultiplier(
        targetEpsilon: targetEpsilon, delta: options.delta, rounds: options.rounds,
        samplingRate: rate, relation: options.relation.relation, accountant: options.accountant)
      report = try PrivacyReport.gaussian(
        noiseMultiplier: result.noiseMultiplier, sampling: options.cohortSampling,
        rounds: options.rounds, delta: options.delta, relation: options.relation.relation,
        accountant: options.accountant)
    case .distributedGaussian, .skellam:
      let (mechanism, clients, dimension, bits) = try options.distributedParameters()
      let result = try Calibration.distributed(
        mechanism: mechanism, targetEpsilon: targetEpsilon, delta: options.delta,
        rounds: options.rounds, sampling: options.cohortSampling, clients: clients,
        dimension: dimension, bits: bits, clipBound: options.clip,
        relation: options.relation.relation, accountant: options.accountant)
      report = result.report
      fields["scale"] = result.scale
      fields["localStandardDeviation"] = result.localStandardDeviation
    }
    if options.json {
      return try options.json(
        options.reportFields(report).merging(fields) { $1 }.merging(["targetEpsilon": targetEpsilon]
        ) { $1 })
    } else {
      return "noise multiplier z = \(report.noiseMultiplier) (σ_total / C)\n"
        + options.describe(report)
    }
  }
}
