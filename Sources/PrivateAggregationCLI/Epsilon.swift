import ArgumentParser
import DifferentialPrivacy

/// `private-aggregation epsilon`: the ε a mechanism spends over T rounds.
struct Epsilon: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the ε spent by T rounds of a mechanism at a noise multiplier.",
    discussion: """
      The noise multiplier z is always the standard deviation of the total noise in the released \
      sum divided by the L2 clip bound C, for every mechanism, so numbers compare across them. ε \
      is accounted by privacy loss distributions (--accountant pld, the default: tight, with \
      a lower bound printed) or RDP with the tight conversion (--accountant rdp); amplification by sampling is \
      claimed only for Poisson-sampled cohorts, and the ε without it is always shown.
      """
  )

  @OptionGroup var options: PrivacyOptions

  @Option(help: "Noise multiplier z = σ_total / C.")
  var noiseMultiplier: Double

  func run() throws {
    print(try output())
  }

  /// What `run()` prints: the text report, or one JSON object with `--json`.
  func output() throws -> String {
    var fields: [String: Any] = [:]
    let report: PrivacyReport
    switch options.mechanism {
    case .gaussian:
      report = try PrivacyReport.gaussian(
        noiseMultiplier: noiseMultiplier, sampling: options.cohortSampling, rounds: options.rounds,
        delta: options.delta, relation: options.relation.relation,
        accountant: options.accountant)
    case .distributedGaussian, .skellam:
      let (mechanism, clients, dimension, bits) = try options.distributedParameters()
      guard
        let accounting = try Calibration.distributedAccounting(
          mechanism: mechanism, noiseMultiplier: noiseMultiplier, delta: options.delta,
          rounds: options.rounds, sampling: options.cohortSampling, clients: clients,
          dimension: dimension, bits: bits, clipBound: options.clip,
          relation: options.relation.relation, accountant: options.accountant)
      else {
        throw ValidationError(
          "each client's noise would be below one integer unit at z = \(noiseMultiplier); "
            + "use more bits or a larger noise multiplier")
      }
      report = accounting.report
      fields["scale"] = accounting.scale
      fields["localStandardDeviation"] = accounting.localStandardDeviation
    }
    if options.json {
      return try options.json(options.reportFields(report).merging(fields) { $1 })
    } else {
      return options.describe(report)
    }
  }
}
