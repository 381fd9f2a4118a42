import ArgumentParser
import DifferentialPrivacy
import Foundation

/// The options `epsilon` and `calibrate` share: mechanism, cohort sampling, rounds, δ, and what
/// the distributed mechanisms need.
struct PrivacyOptions: ParsableArguments {
  enum Mechanism: String, ExpressibleByArgument, CaseIterable {
    case gaussian
    case distributedGaussian = "distributed-gaussian"
    case skellam
  }

  enum Sampling: String, ExpressibleByArgument, CaseIterable {
    case poisson
    case server
  }

  enum Relation: String, ExpressibleByArgument, CaseIterable {
    case addOrRemove = "add-or-remove"
    case replace

    var relation: NeighboringRelation { self == .replace ? .replaceOne : .addOrRemoveOne }
  }

  @Option(help: "gaussian (central), distributed-gaussian or skellam.")
  var mechanism = Mechanism.gaussian

  @Option(help: "Fraction q of the population in each round's cohort (0 < q ≤ 1).")
  var samplingRate = 1.0

  @Option(
    help:
      "How cohorts are chosen: poisson (amplification by sampling applies) or server (the server picks: no amplification)."
  )
  var sampling = Sampling.poisson

  @Option(help: "Number of rounds T.")
  var rounds = 1

  @Option(help: "δ (0 < δ < 1).")
  var delta = 1e-5

  @Option(help: "Neighbouring relation: add-or-remove (one client's contribution) or replace.")
  var relation = Relation.addOrRemove

  @Option(help: "Distributed mechanisms: clients whose noise the server does not know.")
  var clients: Int?

  @Option(help: "Distributed mechanisms: the update's dimension before padding.")
  var dimension: Int?

  @Option(help: "Distributed mechanisms: bits per element of the secure sum (modulus 2^B).")
  var bits: Int?

  @Option(help: "Distributed mechanisms: the L2 clip bound C.")
  var clip = 1.0

  @Option(
    name: .customLong("accountant"),
    help: "The accountant: pld (privacy loss distributions, tight; default) or rdp.")
  var accountantOption = AccountantOption.pld

  /// The accountant chosen.
  var accountant: PrivacyAccountant { accountantOption.accountant }

  @Flag(help: "Print one JSON object.")
  var json = false

  var cohortSampling: CohortSampling {
    sampling == .poisson ? .poisson(rate: samplingRate) : .chosenByServer(fraction: samplingRate)
  }

  func distributedParameters() throws -> (
    DistributedMechanism, clients: Int, dimension: Int, bits: Int
  ) {
    guard let clients, let dimension, let bits else {
      throw ValidationError(
        "--mechanism \(mechanism.rawValue) needs --clients, --dimension and --bits")
    }
    return (mechanism == .skellam ? .skellam : .discreteGaussian, clients, dimension, bits)
  }

  func json(_ fields: [String: Any]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }

  func reportFields(_ report: PrivacyReport) -> [String: Any] {
    [
      "epsilon": report.epsilon.epsilon, "delta": report.epsilon.delta,
      "accountant": report.accountant, "order": report.epsilon.order ?? NSNull(),
      "epsilonLowerBound": report.epsilonLowerBound ?? NSNull(),
      "epsilonWithAmplification": report.epsilonWithAmplification.epsilon,
      "epsilonWithoutAmplification": report.epsilonWithoutAmplification.epsilon,
      "amplificationHolds": report.amplificationHolds, "mechanism": mechanism.rawValue,
      "noiseMultiplier": report.noiseMultiplier, "rounds": report.rounds,
      "samplingRate": samplingRate, "sampling": sampling.rawValue,
      "relation": report.relation.rawValue,
      "protects": report.relation.protectionDescription,
    ]
  }

  func describe(_ report: PrivacyReport) -> String {
    let order = report.epsilon.order.map { String(format: ", Rényi order %g", $0) } ?? ""
    var lines = [
      String(
        format: "ε = %.6g at δ = %g (%@%@)", report.epsilon.epsilon, report.epsilon.delta,
        report.accountant, order),
      "protects: \(report.relation.protectionDescription), over \(report.rounds) rounds",
    ]
    if let lower = report.epsilonLowerBound {
      lines.append(
        String(
          format:
            "the true ε is at least %.6g (optimistic estimate: the discretization error is below %.2g)",
          lower, report.epsilon.epsilon - lower))
    }
    if report.amplificationHolds, samplingRate < 1 {
      lines.append(
        String(
          format: "with amplification by Poisson sampling (q = %g); without it: ε = %.6g",
          samplingRate, report.epsilonWithoutAmplification.epsilon))
    } else if samplingRate < 1 {
      lines.append(
        String(
          format: "no amplification claimed (%@); with it ε would be %.6g",
          sampling == .server ? "the server chooses the cohort" : "replace-one relation",
          report.epsilonWithAmplification.epsilon))
    }
    return lines.joined(separator: "\n")
  }
}

/// `--accountant pld|rdp`, for `epsilon`, `calibrate` and `tradeoff`.
enum AccountantOption: String, ExpressibleByArgument, CaseIterable {
  case pld, rdp

  /// The library's accountant.
  var accountant: PrivacyAccountant { self == .rdp ? .rdp : .pld }
}
