import ArgumentParser
import Foundation
import Testing

@testable import PrivateAggregationCLI

/// The `epsilon` and `calibrate` commands, parsed from argument lists as the shell passes them.
@Suite struct PrivacyCommandTests {
  private func json(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
  }

  private func number(_ fields: [String: Any], _ key: String) throws -> Double {
    try #require(fields[key] as? Double, "no number \(key) in \(fields)")
  }

  /// dp-accounting 0.6.0: z = 1, q = 0.01, T = 100, δ = 1e-5 gives ε = 1.214145294 at order 8.8
  /// (the RDPAccountantTests table); the command prints it, with the fields the issue names.
  @Test func epsilonMatchesDpAccounting() throws {
    let command = try Epsilon.parse([
      "--noise-multiplier", "1", "--sampling-rate", "0.01", "--rounds", "100", "--delta", "1e-5",
      "--accountant", "rdp", "--json",
    ])
    let fields = try json(try command.output())
    let epsilon = try number(fields, "epsilon")
    #expect(abs(epsilon - 1.214145294) <= 1e-6 * 1.214145294, "ε = \(epsilon)")
    #expect(try number(fields, "delta") == 1e-5)
    #expect(abs(try number(fields, "order") - 8.8) <= 1e-9)
    #expect((fields["accountant"] as? String)?.hasPrefix("RDP") == true)
    #expect(fields["relation"] as? String == "add-or-remove-one")
    #expect(fields["amplificationHolds"] as? Bool == true)
    #expect(try number(fields, "epsilonWithoutAmplification") > epsilon)
  }

  /// The default accountant is PLD: one Gaussian release at z = 1, δ = 1e-5 is the analytic
  /// Gaussian's exact ε = 4.3771780957 (Balle & Wang 2018, the curve AnalyticGaussianTests pins
  /// to 50-digit closed forms), reported from above within 10⁻⁴, with a lower bound below it.
  @Test func pldIsTheDefaultAndTight() throws {
    let fields = try json(try Epsilon.parse(["--noise-multiplier", "1", "--json"]).output())
    let exact = 4.3771780957
    let epsilon = try number(fields, "epsilon")
    #expect(epsilon >= exact && epsilon <= exact + 1e-4, "ε = \(epsilon)")
    #expect(try number(fields, "epsilonLowerBound") <= exact)
    #expect((fields["accountant"] as? String)?.hasPrefix("PLD") == true)
    let rdp = try json(
      try Epsilon.parse(["--noise-multiplier", "1", "--accountant", "rdp", "--json"]).output())
    #expect(try number(rdp, "epsilon") > epsilon * 1.05)
  }

  /// The text report says what the ε protects and gives the ε without amplification.
  @Test func textReportNamesTheUnitAndTheUnamplifiedEpsilon() throws {
    let command = try Epsilon.parse(["--noise-multiplier", "1", "--sampling-rate", "0.01"])
    let text = try command.output()
    #expect(text.contains("protects: one client's whole contribution, added or removed"))
    #expect(text.contains("without it"))
  }

  /// A cohort the server chooses gets no amplification: ε is the unsampled one.
  @Test func serverChosenCohortsAreNotAmplified() throws {
    let poisson = try json(
      try Epsilon.parse([
        "--noise-multiplier", "1", "--sampling-rate", "0.01", "--rounds", "100",
        "--accountant", "rdp", "--json",
      ]).output())
    let server = try json(
      try Epsilon.parse([
        "--noise-multiplier", "1", "--sampling-rate", "0.01", "--rounds", "100",
        "--sampling", "server", "--accountant", "rdp", "--json",
      ]).output())
    #expect(server["amplificationHolds"] as? Bool == false)
    #expect(try number(server, "epsilon") == (try number(server, "epsilonWithoutAmplification")))
    #expect(try number(server, "epsilon") > (try number(poisson, "epsilon")) * 5)
  }

  /// More rounds never lower ε; replace-one (sensitivity 2C) costs more than add-or-remove.
  @Test func epsilonGrowsWithRoundsAndWithReplaceOne() throws {
    func epsilon(_ arguments: [String]) throws -> Double {
      try number(
        json(try Epsilon.parse(["--noise-multiplier", "2", "--json"] + arguments).output()),
        "epsilon")
    }
    let one = try epsilon(["--rounds", "1"])
    let ten = try epsilon(["--rounds", "10"])
    let replace = try epsilon(["--rounds", "1", "--relation", "replace"])
    #expect(one < ten)
    #expect(one < replace)
  }

  /// calibrate inverts epsilon: the multiplier it prints meets the target, and is within the
  /// bisection's tolerance of the z that dp-accounting's value came from.
  @Test func calibrateInvertsEpsilon() throws {
    let fields = try json(
      try Calibrate.parse([
        "--target-epsilon", "1.214145294", "--sampling-rate", "0.01", "--rounds", "100",
        "--delta", "1e-5", "--accountant", "rdp", "--json",
      ]).output())
    let z = try number(fields, "noiseMultiplier")
    #expect(abs(z - 1) <= 2e-6, "z = \(z)")
    #expect(try number(fields, "epsilon") <= 1.214145294)
    #expect(try number(fields, "targetEpsilon") == 1.214145294)
  }

  /// The distributed mechanisms: calibrate then epsilon at the printed multiplier gives ε within
  /// the target, with the scale and each client's noise in the output.
  @Test(arguments: ["distributed-gaussian", "skellam"])
  func distributedCalibrationRoundTrips(mechanism: String) throws {
    let common = [
      "--mechanism", mechanism, "--clients", "100", "--dimension", "1000", "--bits", "16",
      "--clip", "1", "--delta", "1e-5", "--json",
    ]
    let calibrated = try json(try Calibrate.parse(["--target-epsilon", "2"] + common).output())
    let z = try number(calibrated, "noiseMultiplier")
    #expect(try number(calibrated, "epsilon") <= 2)
    #expect(try number(calibrated, "scale") > 0)
    #expect(try number(calibrated, "localStandardDeviation") > 0)
    let accounted = try json(
      try Epsilon.parse(["--noise-multiplier", "\(z)"] + common).output())
    let epsilon = try number(accounted, "epsilon")
    #expect(abs(epsilon - (try number(calibrated, "epsilon"))) <= 1e-9 * epsilon)
    #expect(
      (accounted["accountant"] as? String)?.contains(
        mechanism == "skellam" ? "Skellam" : "discrete Gaussian") == true)
  }

  /// A distributed mechanism without its sizes is a usage error that names the missing options.
  @Test func distributedMechanismsNeedTheirSizes() throws {
    let command = try Epsilon.parse(["--noise-multiplier", "1", "--mechanism", "skellam"])
    #expect {
      _ = try command.output()
    } throws: { error in
      String(describing: error).contains("--clients, --dimension and --bits")
    }
  }

  /// Out-of-range values are refused with the parameter's name.
  @Test func badValuesNameTheParameter() throws {
    #expect(throws: (any Error).self) { try Epsilon.parse(["--noise-multiplier", "x"]) }
    let negative = try Epsilon.parse(["--noise-multiplier=-1"])
    #expect {
      _ = try negative.output()
    } throws: { error in
      String(describing: error).contains("noiseMultiplier")
    }
    let badDelta = try Epsilon.parse(["--noise-multiplier", "1", "--delta", "2"])
    #expect {
      _ = try badDelta.output()
    } throws: { error in
      String(describing: error).contains("delta")
    }
  }
}
