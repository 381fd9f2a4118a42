public import ArgumentParser
import DifferentialPrivacy
import Foundation
public import PrivateAggregation
import SecureAggregation

/// `simulate --privacy …`: float updates through the whole pipeline (encoder, secure
/// aggregation, decoder), with the privacy spent and the error measured.
extension Simulate {
  enum Accountant: String, ExpressibleByArgument, CaseIterable {
    case pld, rdp, analytic
  }

  func validatePrivacyOptions() throws {
    guard let privacy else {
      let used = [
        epsilon.map { _ in "--epsilon" }, noiseMultiplier.map { _ in "--noise-multiplier" },
        clip.map { _ in "--clip" }, data.map { _ in "--data" },
        accountant.map { _ in "--accountant" }, delta.map { _ in "--delta" },
      ].compactMap { $0 }
      if !used.isEmpty {
        throw ValidationError("\(used.joined(separator: ", ")) need --privacy")
      }
      return
    }
    if modulus != nil {
      throw ValidationError("--privacy works modulo 2^B: use --bits, not --modulus")
    }
    try PrivacyMode.validateNoise(privacy, epsilon: epsilon, noiseMultiplier: noiseMultiplier)
    if accountant == .analytic && privacy != .central {
      throw ValidationError("--accountant analytic is for --privacy central (one release)")
    }
  }

  func privateConfiguration(_ privacy: PrivacyMode) -> PrivateAggregationConfiguration {
    var configuration = PrivateAggregationConfiguration.fromFlags(
      clients: clients, length: length, clip: clip, privacy: privacy, epsilon: epsilon,
      noiseMultiplier: noiseMultiplier, bits: bits, delta: delta)
    configuration.colludingClients =
      corruptedClients ?? Int(((corrupted ?? 0.05) * Double(clients)).rounded(.down))
    configuration.expectedDropoutRate = min(dropout, 0.49)
    configuration.securityMode = mode == .active ? .active : .semiHonest
    configuration.threshold = threshold
    configuration.minimumSurvivors = minimumSurvivors
    configuration.analyticCentralAccounting = accountant == .analytic
    // The configuration's own default (PLD) unless --accountant rdp.
    if accountant == .rdp { configuration.accountant = .rdp }
    if complete {
      configuration.graph = .complete
    } else if let neighbors {
      configuration.graph = .harary(degree: neighbors)
    }
    return configuration
  }

  func runPrivate(_ privacy: PrivacyMode) throws {
    let (report, output) = try privateRun(privacy)
    print(output)
    let protocolReport = report.protocolReport
    if !(protocolReport.exact && protocolReport.survivorsAsScheduled) { throw ExitCode.failure }
  }

  /// What `simulate --privacy` prints (for tests: the same run, the printed text returned).
  func privateOutput() throws -> String {
    guard let privacy else { throw ValidationError("privateOutput needs --privacy") }
    return try privateRun(privacy).output
  }

  private func privateRun(_ privacy: PrivacyMode) throws -> (
    report: PrivateRound.Report, output: String
  ) {
    let plan = try AggregationPlan(privateConfiguration(privacy))
    let schedule = try DropoutSchedule.random(
      clientCount: clients, fraction: dropout, round: dropoutRound.round,
      seed: seed ?? RandomSource.system.nextUInt64())
    let meter = ProgressMeter(enabled: !quiet)
    let report = try PrivateRound(
      plan: plan, data: data == .gaussian ? .gaussian : .sphere, dropouts: schedule,
      randomSource: seed.map { .insecureDeterministic(seed: $0) } ?? .system
    ).run { meter.update($0) }
    meter.finish()
    let output = json ? try privateJSON(report, plan: plan) : privateText(report, plan: plan)
    return (report, output)
  }

  private func privateJSON(_ report: PrivateRound.Report, plan: AggregationPlan) throws -> String {
    var fields = try protocolFields(report.protocolReport)
    let privacyReport = plan.report
    fields["length"] = plan.dimension
    fields["encodedLength"] = plan.encodedLength
    fields["privacy"] = privacy?.name ?? "none"
    fields["epsilon"] = privacyReport.map { $0.epsilon.epsilon as Any } ?? NSNull()
    fields["epsilonWithoutAmplification"] =
      privacyReport.map { $0.epsilonWithoutAmplification.epsilon as Any } ?? NSNull()
    fields["delta"] = plan.configuration.delta
    fields["accountant"] = privacyReport.map { $0.accountant as Any } ?? NSNull()
    fields["order"] = privacyReport?.epsilon.order.map { $0 as Any } ?? NSNull()
    fields["relation"] = plan.accountingRelation.rawValue
    fields["protects"] =
      privacyReport == nil
      ? "nothing: secure aggregation only, the sum is exact"
      : plan.accountingRelation.protectionDescription
    fields["noiseMultiplier"] = plan.noiseMultiplier.map { $0 as Any } ?? NSNull()
    fields["clip"] = plan.configuration.clipBound
    fields["bits"] = plan.configuration.bits
    fields["data"] = (data ?? .sphere).rawValue
    fields["scale"] = plan.scale
    fields["paddedDimension"] = plan.updateLength
    fields["clientNoiseStandardDeviation"] = plan.clientNoiseStandardDeviation
    fields["noiseStandardDeviation"] = plan.noiseStandardDeviation
    fields["guaranteedNoisyClients"] = plan.guaranteedNoisyClients
    fields["quantizationErrorBound"] = plan.quantizationErrorBound.map { $0 as Any } ?? NSNull()
    fields["meanSquaredError"] = report.meanSquaredError.map { $0 as Any } ?? NSNull()
    fields["expectedMeanSquaredError"] =
      report.expectedMeanSquaredError.map { $0 as Any } ?? NSNull()
    fields["encodeSeconds"] = report.encodeSeconds
    fields["clippedFraction"] = report.clippedFraction
    let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }

  private func privateText(_ report: PrivateRound.Report, plan: AggregationPlan) -> String {
    var lines = [protocolText(report.protocolReport)]
    func print(_ line: String) { lines.append(line) }
    let padded = plan.rotates ? ", rotated in \(plan.updateLength) dimensions" : ""
    print(
      "privacy \(privacy?.name ?? "none"): clip C = \(plan.configuration.clipBound), "
        + "\(plan.configuration.bits) bits, scale s = \(String(format: "%.4g", plan.scale))\(padded)"
    )
    if let privacyReport = plan.report {
      let order = privacyReport.epsilon.order.map { String(format: ", Rényi order %g", $0) } ?? ""
      print(
        String(
          format: "ε = %.4g at δ = %g (%@%@), noise multiplier z = %.4g",
          privacyReport.epsilon.epsilon,
          privacyReport.epsilon.delta, privacyReport.accountant, order, plan.noiseMultiplier ?? 0))
      print("protects: \(plan.accountingRelation.protectionDescription)")
    } else if let bound = plan.quantizationErrorBound {
      print(
        String(
          format:
            "no differential privacy: the sum is exact up to quantization (< %.3g per coordinate)",
          bound))
    }
    if let mse = report.meanSquaredError, let expected = report.expectedMeanSquaredError {
      print(
        String(
          format: "mean squared error of the mean per coordinate: %.4g (noise alone: %.4g)", mse,
          expected))
    }
    return lines.joined(separator: "\n")
  }
}

extension PrivateAggregationConfiguration {
  /// The configuration that the flags `simulate --privacy`, `round create` and `loadtest`
  /// share give, with their defaults (clip 1, 32 bits, δ = 10⁻⁵); each command then sets what
  /// is its own (colluding clients, expected dropout, …).
  static func fromFlags(
    clients: Int, length: Int, clip: Double?, privacy: PrivacyMode, epsilon: Double?,
    noiseMultiplier: Double?, bits: Int?, delta: Double?
  ) -> PrivateAggregationConfiguration {
    var configuration = PrivateAggregationConfiguration(
      clientCount: clients, dimension: length, clipBound: clip ?? 1, privacy: privacy,
      noise: epsilon.map(NoiseLevel.targetEpsilon)
        ?? noiseMultiplier.map(NoiseLevel.noiseMultiplier))
    configuration.bits = bits ?? 32
    configuration.delta = delta ?? 1e-5
    return configuration
  }
}

extension PrivacyMode {
  /// Checks the noise flags against `--privacy`: none takes neither `--epsilon` nor
  /// `--noise-multiplier`; every other mode exactly one of them (`simulate`, `round create`,
  /// `loadtest`).
  static func validateNoise(_ privacy: PrivacyMode, epsilon: Double?, noiseMultiplier: Double?)
    throws(ValidationError)
  {
    if privacy == .none {
      if epsilon != nil || noiseMultiplier != nil {
        throw ValidationError("--privacy none adds no noise: drop --epsilon / --noise-multiplier")
      }
    } else if (epsilon == nil) == (noiseMultiplier == nil) {
      throw ValidationError(
        "--privacy \(privacy.name) needs exactly one of --epsilon E or --noise-multiplier Z")
    }
  }
}

/// `--privacy` takes the modes' own names (`PrivacyMode/name`).
extension PrivacyMode: ExpressibleByArgument {
  /// The mode named `argument`.
  public init?(argument: String) {
    self.init(name: argument)
  }

  /// Every mode's name, for `--help`.
  public static var allValueStrings: [String] { allCases.map(\.name) }
}
