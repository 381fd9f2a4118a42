public import DifferentialPrivacy

/// Who adds the noise that makes the released sum differentially private.
public enum PrivacyMode: Sendable, Hashable, Codable {
  /// Secure aggregation only: the server learns the exact sum of the survivors' quantized
  /// vectors and nothing else, but the sum itself is not differentially private. The
  /// quantization error is bounded and stated (``AggregationPlan/quantizationErrorBound``).
  case none
  /// Central DP: the clients send their quantized vectors without noise and a *trusted* server
  /// adds Gaussian noise to the unmasked sum (exactly, on an integer grid:
  /// `GridGaussianMechanism`). Protects the release from everyone but the server.
  case central
  /// Distributed DP: each client adds its share of discrete noise before masking, so the
  /// server only ever sees the sum of the noise (Kairouz, Liu & Steinke 2021; Agarwal, Kairouz
  /// & Liu 2021). Protects the release from the server too, as long as the secure aggregation
  /// holds and no more than `colludingClients` clients help the server. The default when
  /// privacy is on.
  case distributed(DistributedMechanism)
  /// Local DP: each client's own noised vector must meet the privacy target by itself, so with
  /// a target ε each client's noise share alone is calibrated for it (the accounting is per
  /// client, under replace-one). Trusts no one, and costs about n times the noise variance of
  /// distributed DP: the baseline that shows why the other modes exist.
  case local

  /// Distributed DP with the discrete Gaussian: the default when privacy is on.
  public static let distributedGaussian = PrivacyMode.distributed(.discreteGaussian)

  /// The command-line name: `none`, `central`, `distributed-gaussian`, `skellam` or `local`.
  public var name: String {
    switch self {
    case .none: return "none"
    case .central: return "central"
    case .distributed(let mechanism): return mechanism.rawValue
    case .local: return "local"
    }
  }

  /// The mode with command-line name `name`, or `nil`.
  public init?(name: String) {
    switch name {
    case "none": self = .none
    case "central": self = .central
    case "local": self = .local
    default:
      guard let mechanism = DistributedMechanism(rawValue: name) else { return nil }
      self = .distributed(mechanism)
    }
  }

  /// Every mode, in the order the documentation lists them.
  public static let allCases: [PrivacyMode] = [
    .none, .central, .distributed(.discreteGaussian), .distributed(.skellam), .local,
  ]
}

/// How much noise the release carries: a noise multiplier, or a target ε to calibrate one for.
public enum NoiseLevel: Sendable, Hashable, Codable {
  /// The noise multiplier z: the standard deviation of the total noise in the released sum
  /// divided by the update's L2 sensitivity bound (w_max·C for weighted aggregation), for the
  /// update and every extra coordinate together — a release with the privacy of a Gaussian at z.
  case noiseMultiplier(Double)
  /// The smallest noise multiplier whose rounds meet this ε at the configuration's δ, found by
  /// bisection on the mode's accountant.
  case targetEpsilon(Double)
}

/// How the clients' vectors are weighted in the sum and the mean.
public enum Weighting: Sendable, Hashable, Codable {
  /// Every client counts once: the mean divides the sum by the number of survivors (public).
  case uniform
  /// Each client's vector is multiplied by its weight (FedAvg: its example count), clamped to
  /// [0, `maximumWeight`], so one client's contribution is bounded by w_max·C; the mean divides
  /// by `denominator`.
  case weighted(maximumWeight: Double, denominator: WeightDenominator)
}

/// The denominator of a weighted mean.
///
/// The securely summed total weight is itself a release about the clients: dividing by it
/// without noise would leak it for free. So it is either public — a number fixed before the
/// round, such as the expected total weight — or summed with noise and accounted for.
public enum WeightDenominator: Sendable, Hashable, Codable {
  /// A public total weight W, fixed before the round; the mean is the sum divided by W.
  case fixed(Double)
  /// The total weight travels in the masked vector as an extra coordinate with noise of standard
  /// deviation `noiseMultiplier`·w_max (privacy modes) and is part of the accounting; the mean
  /// divides by the noised total (at least w_max). With privacy `none` it is summed exactly.
  case noised(noiseMultiplier: Double)
}
