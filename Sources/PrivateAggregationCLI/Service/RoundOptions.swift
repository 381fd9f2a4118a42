import AggregationService
import ArgumentParser
import Foundation
import PrivateAggregation

/// A round's configuration on the command line, for `round create` and `loadtest`: the
/// cohort, the vector, the privacy (as `simulate --privacy` takes it), the population that pays
/// and the deadlines.
struct RoundOptions: ParsableArguments {
  @Option(help: "Number of clients n (2...65535).")
  var clients: Int

  @Option(help: "Vector length m per client.")
  var length: Int

  @Option(help: "Bits per element of the secure sum (modulus 2^B); default 32.")
  var bits: Int?

  @Option(help: "Shamir threshold t (default: the parameter finder's).")
  var threshold: Int?

  @Option(help: "Fewest inputs a released sum may contain (default: the plan's).")
  var minimumSurvivors: Int?

  @Option(
    help:
      "The privacy: none (the protocol alone, exact up to rounding; default), central, distributed-gaussian, skellam or local."
  )
  var privacy: PrivacyMode = .none

  @Option(help: "With --privacy other than none: calibrate the noise for this ε (at --delta).")
  var epsilon: Double?

  @Option(help: "With --privacy other than none: the noise multiplier z instead of --epsilon.")
  var noiseMultiplier: Double?

  @Option(help: "δ (default 1e-5).")
  var delta: Double?

  @Option(help: "The L2 clip bound C of each client's vector (default 1).")
  var clip: Double?

  @Option(help: "The population whose privacy ledger pays for the round (needs --budget).")
  var population: String?

  @Option(help: "The population's budget in ε (fixed by its first round).")
  var budget: Double?

  @Option(help: "Seconds clients may take to check in (default: the server's).")
  var checkInDeadline: Double?

  @Option(help: "Seconds each protocol phase stays open (default: the server's).")
  var phaseDeadline: Double?

  @Option(help: "The round's id (default: a random one).")
  var id: String?

  func validate() throws {
    guard (2...65_535).contains(clients) else {
      throw ValidationError("--clients \(clients) is out of range; use 2...65535")
    }
    guard length >= 1 else { throw ValidationError("--length \(length): use at least 1") }
    try PrivacyMode.validateNoise(privacy, epsilon: epsilon, noiseMultiplier: noiseMultiplier)
    if (population == nil) != (budget == nil) {
      throw ValidationError("--population and --budget go together")
    }
    if let budget, !(budget.isFinite && budget > 0) {
      throw ValidationError("--budget \(budget): use a positive ε")
    }
    for (flag, value) in [
      ("--check-in-deadline", checkInDeadline), ("--phase-deadline", phaseDeadline),
    ] {
      if let value, !(value.isFinite && value > 0 && value <= 86_400) {
        throw ValidationError("\(flag) \(value): use seconds in (0, 86400]")
      }
    }
  }

  /// The configuration these options describe, for a round expecting `expectedDropout` of its
  /// clients to drop, in active mode (signatures and the consistency check) when `active`; its
  /// plan is checked.
  func configuration(expectedDropout: Double = 0.05, active: Bool = false) throws
    -> PrivateAggregationConfiguration
  {
    var configuration = PrivateAggregationConfiguration.fromFlags(
      clients: clients, length: length, clip: clip, privacy: privacy, epsilon: epsilon,
      noiseMultiplier: noiseMultiplier, bits: bits, delta: delta)
    configuration.colludingClients = Int((0.05 * Double(clients)).rounded(.down))
    configuration.expectedDropoutRate = min(max(expectedDropout, 0.05), 0.49)
    configuration.threshold = threshold
    configuration.minimumSurvivors = minimumSurvivors
    if active { configuration.securityMode = .active }
    do {
      _ = try AggregationPlan(configuration)
    } catch {
      throw ValidationError("the round's configuration has no plan: \(error)")
    }
    return configuration
  }

  /// The round's id: `--id`, or `prefix-` and 8 random hexadecimal digits.
  func roundID(prefix: String) -> String {
    id ?? "\(prefix)-\(String(UInt32.random(in: .min ... .max), radix: 16))"
  }

  /// The population and its budget, when given.
  var payer: (name: String, budget: Double)? {
    guard let population, let budget else { return nil }
    return (population, budget)
  }
}
