import ArgumentParser
import PrivateAggregation

/// A mechanism of the sweep: the `--privacy` names, plus `central-analytic`.
enum TradeoffMechanism: String, ExpressibleByArgument, CaseIterable, Sendable, Hashable {
  case central
  case centralAnalytic = "central-analytic"
  case distributedGaussian = "distributed-gaussian"
  case skellam
  case local
  case none

  /// The privacy mode it runs.
  var privacy: PrivacyMode {
    switch self {
    case .central, .centralAnalytic: return .central
    case .distributedGaussian: return .distributed(.discreteGaussian)
    case .skellam: return .distributed(.skellam)
    case .local: return .local
    case .none: return .none
    }
  }

  /// Whether it is swept over the bit widths.
  var isDistributed: Bool { self == .distributedGaussian || self == .skellam }
}

/// One point of the sweep: a mechanism at a bit width and an ε (`nil` for `none`).
struct TradeoffPoint: Sendable, Hashable {
  let mechanism: TradeoffMechanism
  let bits: Int
  let epsilon: Double?

  /// "distributed-gaussian 16 bits", say.
  var label: String {
    mechanism.isDistributed ? "\(mechanism.rawValue), \(bits) bits" : mechanism.rawValue
  }
}

/// One run's outcome: a CSV row.
struct TradeoffRun: Sendable {
  let task: String
  let point: TradeoffPoint
  let delta: Double
  let clients: Int
  let dimension: Int
  let seed: UInt64
  /// Task mean: the mean over coordinates of (released mean − true mean)².
  let mse: Double?
  /// Task mean: the noise's own share of it, from the plan.
  let expectedMSE: Double?
  /// Task digits: the final test accuracy.
  let accuracy: Double?
  /// The noise multiplier z the calibration chose.
  let noiseMultiplier: Double?
  /// The ε spent, as the ledger (digits) or the plan (mean) reports it: with amplification by
  /// sampling where it holds.
  let epsilonSpent: Double?
  /// The ε spent with every round counted in full: the guarantee against a server that sees
  /// (or picks) each cohort.
  let epsilonWithoutAmplification: Double?
}
