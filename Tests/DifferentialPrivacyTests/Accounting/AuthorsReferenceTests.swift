import DifferentialPrivacy
import Foundation
import Testing

/// The distributed discrete Gaussian and the distributed Skellam mechanism against their authors'
/// own accounting code, case by case: the scale, each client's noise in integer units, the
/// rounded sensitivities, τ (or the central variance), the RDP at the optimal order one round at
/// a time with and without sampling and over all rounds, and the ε with its order.
///
/// Provenance of every expected value: the GitHub repository google-research/federated at commit
/// a5af8c4433c9ee2d2b1565f1bcc68c89e2000a6b, file distributed_dp/accounting_utils.py, functions
/// `heuristic_scale_factor` (k = 4 as `ddgauss_params` uses, k = 3 as `skellam_params` uses),
/// `ddgauss_epsilon` and `skellam_epsilon` (which call `rounded_l2_norm_bound`,
/// `rounded_l1_norm_bound`, `compute_rdp_dgaussian`, `_skellam_rdp` and
/// `_compute_rdp_subsampled`), with tensorflow-privacy 0.8.0's `rdp_accountant.get_privacy_spent`
/// for the conversion; δ = 1e-5, orders 2, 3, …, 128 and 256 (the authors' `RDP_ORDERS`). The
/// driver that printed the cases below is References/authors_distributed_references.py beside
/// this file; References/README.md says how to rerun it. Each number is the shortest decimal that
/// reads back as the double the authors' code returned.
///
/// The library is driven exactly as the authors' code is: the scale from
/// ``Calibration/scale(noiseMultiplier:clipBound:clients:dimension:bits:standardDeviations:flatness:)``
/// with the same k, the noise and sensitivities from
/// ``Calibration/distributedAccounting(mechanism:noiseMultiplier:delta:rounds:sampling:clients:dimension:bits:clipBound:beta:standardDeviations:relation:)``,
/// the mechanism's RDP curve, and ``PrivacyReport/mechanism(accountant:noiseMultiplier:sampling:rounds:delta:relation:orders:curve:)``
/// and ``RDPAccountant`` on the authors' orders.
///
/// Tolerance: 1e-8 relative for every value. The two implementations evaluate the same formulas
/// in a different order (log-space sums against scipy's logsumexp with weights, 2π²σ² against
/// 2(πσ)², √n·σ against σ·s after 1/(1/s + 1e-22)), so they differ by rounding only: the largest
/// relative difference over the 29 cases is 1.5e-13, in the sampled RDP at q = 0.01 (D03, D07,
/// S03, S06: one round's RDP, ~1e-4, is the log of a sum close to 1, which magnifies the rounding
/// of its terms), and each test prints its own. The optimal order is an integer and must be
/// equal; τ = 0 (it underflows for large σ in both) must be exactly 0.
///
/// Which side of each `min` a case exercises is in its `branches` (found by the driver, see its
/// docstring); ``casesCoverBothSidesOfEveryMin()`` keeps the table covering all of them, and the
/// tests check the library's own values take the same side where that needs no re-derivation of
/// a formula (rounding bound, L1 bound, sampling bound).
@Suite struct AuthorsReferenceTests {
  /// The authors' `RDP_ORDERS`: the integers 2…128 and 256.
  static let authorsOrders: [Double] = (2...128).map { Double($0) } + [256]
  static let delta = 1e-5
  /// See the suite's documentation.
  static let tolerance = 1e-8

  /// Which bound `rounded_l2_norm_bound` returned: the conditional-rounding bound
  /// √(x² + d/4 + √(2 log(1/β))(x + √d/2)), the plain x + √d it is capped by, or x + √d alone
  /// because β = 0.
  enum L2Bound: Sendable, Hashable { case conditional, plain, unconditional }
  /// Which factor `rounded_l1_norm_bound` multiplied Δ₂ by: √d or Δ₂ itself.
  enum L1Bound: Sendable, Hashable { case sqrtD, l2 }
  /// The smallest of the three terms of Kairouz, Liu & Steinke 2021, Proposition 14 (Eq. 17).
  ///
  /// The third term is never the strict minimum here: term 2 − term 3 = α τ (Δ₁ − √d Δ₂)/σ_c²
  /// and Δ₁ = Δ₂ · min(√d, Δ₂) ≤ √d Δ₂, so term 2 ≤ term 3 with equality exactly when Δ₁ = √d Δ₂
  /// (D13, D14) or τ = 0 (D01–D04). Those ties are the only way the third term is reached.
  enum Proposition14Term: Sendable, Hashable { case first, second, third }
  /// The side of the min in Agarwal, Kairouz & Liu 2021, Theorem 3.5:
  /// ((2α − 1)Δ₂² + 6Δ₁)/(4μ²) (tight) or 3Δ₁/(2μ) (simple).
  enum SkellamTerm: Sendable, Hashable { case tight, simple }
  /// The side of min(Zhu–Wang subsampled bound, unamplified RDP) at the optimal order, or none
  /// when q = 1.
  enum Sampling: Sendable, Hashable { case none, subsampled, unamplified }

  /// What both mechanisms share: inputs, the accounting values and the sides of the shared mins.
  struct Common: Sendable {
    let name: String
    let clients: Int
    let dimension: Int
    let bits: Int
    let rate: Double
    let rounds: Int
    let clipBound: Double
    let beta: Double
    let noiseMultiplier: Double
    let scale: Double
    let localSigma: Double
    let l2: Double
    let l1: Double
    let unamplified: Double
    let perRound: Double
    let total: Double
    let epsilon: Double
    let order: Double
    let l2Bound: L2Bound
    let l1Bound: L1Bound
    let sampling: Sampling
  }

  struct DDG: Sendable, CustomTestStringConvertible {
    let common: Common
    let tau: Double
    let terms: [Proposition14Term]
    var testDescription: String { common.name }

    init(
      _ name: String, n: Int, d: Int, bits: Int, q: Double, rounds: Int, clip: Double,
      beta: Double, z: Double, scale: Double, localSigma: Double, l2: Double, l1: Double,
      tau: Double, unamplified: Double, perRound: Double, total: Double, epsilon: Double,
      order: Double, branches: (L2Bound, L1Bound, [Proposition14Term], Sampling)
    ) {
      common = Common(
        name: name, clients: n, dimension: d, bits: bits, rate: q, rounds: rounds,
        clipBound: clip, beta: beta, noiseMultiplier: z, scale: scale, localSigma: localSigma,
        l2: l2, l1: l1, unamplified: unamplified, perRound: perRound, total: total,
        epsilon: epsilon, order: order, l2Bound: branches.0, l1Bound: branches.1,
        sampling: branches.3)
      self.tau = tau
      self.terms = branches.2
    }
  }

  struct Skellam: Sendable, CustomTestStringConvertible {
    let common: Common
    /// The central variance μ = n σ² in integer units.
    let variance: Double
    let term: SkellamTerm
    var testDescription: String { common.name }

    init(
      _ name: String, n: Int, d: Int, bits: Int, q: Double, rounds: Int, clip: Double,
      beta: Double, z: Double, scale: Double, localSigma: Double, l2: Double, l1: Double,
      variance: Double, unamplified: Double, perRound: Double, total: Double, epsilon: Double,
      order: Double, branches: (L2Bound, L1Bound, SkellamTerm, Sampling)
    ) {
      common = Common(
        name: name, clients: n, dimension: d, bits: bits, rate: q, rounds: rounds,
        clipBound: clip, beta: beta, noiseMultiplier: z, scale: scale, localSigma: localSigma,
        l2: l2, l1: l1, unamplified: unamplified, perRound: perRound, total: total,
        epsilon: epsilon, order: order, l2Bound: branches.0, l1Bound: branches.1,
        sampling: branches.3)
      self.variance = variance
      self.term = branches.2
    }
  }

  // The cases, as authors_distributed_references.py printed them: inputs (n clients, padded
  // dimension d, bits, sampling rate q, rounds T, clip bound C, β, noise multiplier z = central
  // σ / C), then the authors' values: scale s = 1/γ, local σ·s, Δ₂ and Δ₁ in integer units, τ (or
  // μ), the RDP at the optimal order for one round without and with sampling and for all T rounds,
  // ε and the optimal order; and which side of each min is active.
  static let ddgCases: [DDG] = [
    DDG(
      "D01", n: 100, d: 256, bits: 16, q: 1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 1294.2579439914684, localSigma: 129.42579439914684, l2: 1294.7856515767444,
      l1: 20716.57042522791, tau: 0, unamplified: 2.5020390648123545, perRound: 2.5020390648123545,
      total: 2.5020390648123545, epsilon: 4.754767401632177, order: 5,
      branches: (.conditional, .sqrtD, [.first, .second, .third], .none)),
    DDG(
      "D02", n: 1000, d: 65536, bits: 12, q: 0.1, rounds: 100, clip: 1, beta: 0.6065306597126334,
      z: 3,
      scale: 103.90303066324488, localSigma: 9.857106980705082, l2: 165.5649202327306,
      l1: 27411.742811670447, tau: 0, unamplified: 0.7053062251477209,
      perRound: 0.019168175302862342, total: 1.9168175302862343, epsilon: 4.169545867106057,
      order: 5,
      branches: (.conditional, .l2, [.first, .second, .third], .subsampled)),
    DDG(
      "D03", n: 1000, d: 65536, bits: 20, q: 0.01, rounds: 1000, clip: 10, beta: 0.6065306597126334,
      z: 3,
      scale: 2661.1868210730927, localSigma: 2524.623490144184, l2: 26612.678435917005,
      l1: 6812845.679594753, tau: 0, unamplified: 1.1667377084364023,
      perRound: 0.00029091928018743705, total: 0.29091928018743707, epsilon: 0.6655492673803454,
      order: 21,
      branches: (.conditional, .sqrtD, [.first, .second, .third], .subsampled)),
    DDG(
      "D04", n: 1000, d: 65536, bits: 16, q: 1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 2031.6319608358565, localSigma: 64.24584363435308, l2: 2036.190574639462,
      l1: 521264.7871077023, tau: 0, unamplified: 2.5112316803511945, perRound: 2.5112316803511945,
      total: 2.5112316803511945, epsilon: 4.763960017171017, order: 5,
      branches: (.conditional, .sqrtD, [.first, .second, .third], .none)),
    DDG(
      "D05", n: 1000, d: 256, bits: 12, q: 1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 4,
      scale: 8.171374943956954, localSigma: 1.0336062575253886, l2: 12.121994201396257,
      l1: 146.94274341868447, tau: 0.0002815039360356389, unamplified: 0.8405650992418785,
      perRound: 0.8405650992418785, total: 0.8405650992418785, epsilon: 1.5742827054506332,
      order: 12,
      branches: (.conditional, .l2, [.second], .none)),
    DDG(
      "D06", n: 1000, d: 256, bits: 12, q: 0.1, rounds: 100, clip: 10, beta: 0.6065306597126334,
      z: 4,
      scale: 0.8171374943956955, localSigma: 1.0336062575253888, l2: 12.121994201396257,
      l1: 146.94274341868447, tau: 0.00028150393603563735, unamplified: 0.4202825496209389,
      perRound: 0.014402596098345799, total: 1.44025960983458, epsilon: 3.2021712521890597,
      order: 6,
      branches: (.conditional, .l2, [.second], .subsampled)),
    DDG(
      "D07", n: 1000, d: 256, bits: 12, q: 0.01, rounds: 1000, clip: 1, beta: 0.6065306597126334,
      z: 4,
      scale: 8.171374943956954, localSigma: 1.0336062575253886, l2: 12.121994201396257,
      l1: 146.94274341868447, tau: 0.0002815039360356389, unamplified: 1.4009418320697975,
      perRound: 0.00031869819710746806, total: 0.31869819710746805, epsilon: 0.71567822858393,
      order: 20,
      branches: (.conditional, .l2, [.second], .subsampled)),
    DDG(
      "D08", n: 1000, d: 256, bits: 12, q: 0.1, rounds: 1000, clip: 1, beta: 0.6065306597126334,
      z: 6,
      scale: 8.150620894458585, localSigma: 1.54647158226288, l2: 12.107156638106384,
      l1: 146.58324185964346, tau: 5.612153403425882e-10, unamplified: 0.09193729411850862,
      perRound: 0.0021514812567464785, total: 2.1514812567464783, epsilon: 6.953172736789373,
      order: 3,
      branches: (.conditional, .l2, [.second], .subsampled)),
    DDG(
      "D09", n: 1000, d: 256, bits: 12, q: 0.01, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 4,
      scale: 8.171374943956954, localSigma: 1.0336062575253886, l2: 12.121994201396257,
      l1: 146.94274341868447, tau: 0.0002815039360356389, unamplified: 4.610977646741492,
      perRound: 0.0032493141004870892, total: 0.0032493141004870892, epsilon: 0.10064754539960331,
      order: 66,
      branches: (.conditional, .l2, [.first], .subsampled)),
    DDG(
      "D10", n: 100, d: 4, bits: 12, q: 1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 10.237464418932475, localSigma: 1.0237464418932476, l2: 10.818647889077495,
      l1: 21.63729577815499, tau: 0.0003371510525742456, unamplified: 2.7932570361796527,
      perRound: 2.7932570361796527, total: 2.7932570361796527, epsilon: 5.045985372999475, order: 5,
      branches: (.conditional, .sqrtD, [.first], .none)),
    DDG(
      "D11", n: 100, d: 4, bits: 12, q: 0.01, rounds: 100, clip: 1, beta: 0.0001, z: 1,
      scale: 10.237464418932475, localSigma: 1.0237464418932476, l2: 12.237464418932475,
      l1: 24.47492883786495, tau: 0.0003371510525742456, unamplified: 4.288011463983916,
      perRound: 0.003993682682261834, total: 0.3993682682261834, epsilon: 2.1612799105806637,
      order: 6,
      branches: (.plain, .sqrtD, [.first], .subsampled)),
    DDG(
      "D12", n: 100, d: 4, bits: 12, q: 0.1, rounds: 1, clip: 1, beta: 0, z: 1,
      scale: 10.237464418932475, localSigma: 1.0237464418932476, l2: 12.237464418932475,
      l1: 24.47492883786495, tau: 0.0003371510525742456, unamplified: 3.5735676540216463,
      perRound: 1.0176240221751471, total: 1.0176240221751471, epsilon: 3.2703523589949692,
      order: 5,
      branches: (.unconditional, .sqrtD, [.first], .subsampled)),
    DDG(
      "D13", n: 1000, d: 256, bits: 14, q: 0.1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 32.76283004906013, localSigma: 1.0360516554803612, l2: 34.324420794423574,
      l1: 549.1907327107772, tau: 0.00026724521311502134, unamplified: 3.3197295736114105,
      perRound: 0.8319268863973648, total: 0.8319268863973648, epsilon: 2.593838528751845, order: 6,
      branches: (.conditional, .sqrtD, [.second, .third], .subsampled)),
    DDG(
      "D14", n: 1000, d: 256, bits: 14, q: 1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1.2,
      scale: 32.760985474511045, localSigma: 1.2431919898937647, l2: 34.322633272166556,
      l1: 549.1621323546649, tau: 2.3904669653969516e-06, unamplified: 2.286883806454173,
      perRound: 2.286883806454173, total: 2.286883806454173, epsilon: 4.0487954488086535, order: 6,
      branches: (.conditional, .sqrtD, [.second, .third], .none)),
    DDG(
      "D15", n: 1000, d: 256, bits: 12, q: 0.9, rounds: 10, clip: 1, beta: 0.6065306597126334, z: 4,
      scale: 8.171374943956954, localSigma: 1.0336062575253886, l2: 12.121994201396257,
      l1: 146.94274341868447, tau: 0.0002815039360356389, unamplified: 0.3502354580174494,
      perRound: 0.3502354580174494, total: 3.5023545801744937, epsilon: 5.755082916994316, order: 5,
      branches: (.conditional, .l2, [.second], .unamplified)),
  ]

  static let skellamCases: [Skellam] = [
    Skellam(
      "S01", n: 100, d: 256, bits: 16, q: 1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 1725.6773992820295, localSigma: 172.56773992820297, l2: 1726.198182072983,
      l1: 27619.170913167727, variance: 2977962.486392789, unamplified: 2.501509911151925,
      perRound: 2.501509911151925, total: 2.501509911151925, epsilon: 4.754238247971747, order: 5,
      branches: (.conditional, .sqrtD, .tight, .none)),
    Skellam(
      "S02", n: 1000, d: 65536, bits: 12, q: 0.1, rounds: 100, clip: 1, beta: 0.6065306597126334,
      z: 3,
      scale: 138.56629993492524, localSigma: 13.145553442092158, l2: 189.34409359045395,
      l1: 35851.18577759059, variance: 172805.57529890095, unamplified: 0.5186681175324879,
      perRound: 0.014202514587685344, total: 1.4202514587685344, epsilon: 3.6729797955883567,
      order: 5,
      branches: (.conditional, .l2, .tight, .subsampled)),
    Skellam(
      "S03", n: 1000, d: 65536, bits: 16, q: 0.01, rounds: 1000, clip: 10, beta: 0.6065306597126334,
      z: 1,
      scale: 270.8844821910626, localSigma: 85.66119465190765, l2: 2712.390295295631,
      l1: 694371.9155956816, variance: 7337840.26919201, unamplified: 3.509168413983557,
      perRound: 0.0010174409891175646, total: 1.0174409891175646, epsilon: 2.4577928619427922,
      order: 7,
      branches: (.conditional, .sqrtD, .tight, .subsampled)),
    Skellam(
      "S04", n: 100, d: 65536, bits: 20, q: 0.1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 162783.97021470047, localSigma: 16278.397021470048, l2: 162784.5209312934,
      l1: 41672837.35841111, variance: 26498620958.86049, unamplified: 3.0000202988172044,
      perRound: 0.5652134545519322, total: 0.5652134545519322, epsilon: 2.3271250969064123,
      order: 6,
      branches: (.conditional, .sqrtD, .tight, .subsampled)),
    Skellam(
      "S05", n: 1000, d: 256, bits: 20, q: 0.01, rounds: 100, clip: 1, beta: 0.6065306597126334,
      z: 1,
      scale: 2795.8448099875263, localSigma: 88.41237583921261, l2: 2796.3576392057175,
      l1: 44741.72222729148, variance: 7816748.201534185, unamplified: 4.0014680195531005,
      perRound: 0.0014061427829423767, total: 0.14061427829423767, epsilon: 1.3547234461397712,
      order: 8,
      branches: (.conditional, .sqrtD, .tight, .subsampled)),
    Skellam(
      "S06", n: 100, d: 65536, bits: 12, q: 0.01, rounds: 1000, clip: 1, beta: 0.6065306597126334,
      z: 3,
      scale: 225.6446778753396, localSigma: 67.69340336260187, l2: 260.10222092735216,
      l1: 66586.16855740215, variance: 458239.68588119204, unamplified: 1.4763743333072405,
      perRound: 0.0003319439511363361, total: 0.3319439511363361, epsilon: 0.7289239826127981,
      order: 20,
      branches: (.conditional, .sqrtD, .tight, .subsampled)),
    Skellam(
      "S07", n: 1000, d: 65536, bits: 12, q: 0.01, rounds: 1, clip: 1, beta: 0.6065306597126334,
      z: 0.5,
      scale: 173.30186439646212, localSigma: 2.74014307123231, l2: 216.1454095457181,
      l1: 46718.83806768621, variance: 7508.384050822434, unamplified: 9.33561306129751,
      perRound: 2.978653096759386, total: 2.978653096759386, epsilon: 7.78034457680228, order: 3,
      branches: (.conditional, .l2, .tight, .subsampled)),
    Skellam(
      "S08", n: 100, d: 256, bits: 16, q: 0.1, rounds: 1000, clip: 10, beta: 0.6065306597126334,
      z: 3,
      scale: 157.55255707726099, localSigma: 472.65767123178296, l2: 1576.0483335637682,
      l1: 25216.77333702029, variance: 22340527.41742522, unamplified: 0.16677729203303213,
      perRound: 0.003171422734846212, total: 3.1714227348462116, epsilon: 7.973114214889106,
      order: 3,
      branches: (.conditional, .sqrtD, .tight, .subsampled)),
    Skellam(
      "S09", n: 1000, d: 4, bits: 12, q: 0.1, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 1.364964343343985, localSigma: 0.04316396249883085, l2: 2.286502132503808,
      l1: 4.573004265007616, variance: 1.8631276586004757, unamplified: 9.293882961518245,
      perRound: 6.590040326468297, total: 6.590040326468297, epsilon: 9.677901955299962, order: 4,
      branches: (.conditional, .sqrtD, .simple, .subsampled)),
    Skellam(
      "S10", n: 1000, d: 4, bits: 12, q: 0.01, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 1,
      scale: 1.364964343343985, localSigma: 0.04316396249883085, l2: 2.286502132503808,
      l1: 4.573004265007616, variance: 1.8631276586004757, unamplified: 7.890841152275918,
      perRound: 1.557628771575919, total: 1.557628771575919, epsilon: 6.359320251618813, order: 3,
      branches: (.conditional, .sqrtD, .simple, .subsampled)),
    Skellam(
      "S11", n: 1000, d: 256, bits: 12, q: 0.9, rounds: 1, clip: 1, beta: 0.6065306597126334, z: 3,
      scale: 10.907178745399516, localSigma: 1.034745830461208, l2: 14.20822743798446,
      l1: 201.87372692949447, variance: 1070.6989336568545, unamplified: 1.0381799536106973,
      perRound: 1.0381799536106973, total: 1.0381799536106973, epsilon: 1.854372793023558,
      order: 11,
      branches: (.conditional, .l2, .tight, .unamplified)),
    Skellam(
      "S12", n: 1000, d: 256, bits: 12, q: 0.9, rounds: 10, clip: 1, beta: 0, z: 5,
      scale: 10.884960266673732, localSigma: 1.7210633341561394, l2: 26.88496026667373,
      l1: 430.1593642667796, variance: 2962.059000176647, unamplified: 0.48825733933983373,
      perRound: 0.48825733933983373, total: 4.882573393398337, epsilon: 7.970435022230002, order: 4,
      branches: (.unconditional, .sqrtD, .tight, .unamplified)),
    Skellam(
      "S13", n: 100, d: 4, bits: 12, q: 0.1, rounds: 100, clip: 1, beta: 0.0001, z: 2,
      scale: 13.642057833187508, localSigma: 2.7284115666375017, l2: 15.642057833187508,
      l1: 31.28411566637502, variance: 744.4229676961305, unamplified: 0.8227681274323358,
      perRound: 0.02282593646430564, total: 2.282593646430564, epsilon: 4.535321983250386, order: 5,
      branches: (.plain, .sqrtD, .tight, .subsampled)),
    Skellam(
      "S14", n: 1000, d: 4, bits: 16, q: 0.01, rounds: 1000, clip: 1, beta: 0.6065306597126334,
      z: 1,
      scale: 21.84526675464793, localSigma: 0.6908079903864214, l2: 22.384390684947714,
      l1: 44.768781369895436, variance: 477.21567958172596, unamplified: 3.6823317011381365,
      perRound: 0.0011811176893215352, total: 1.1811176893215352, epsilon: 2.6214695621467627,
      order: 7,
      branches: (.conditional, .sqrtD, .tight, .subsampled)),
  ]

  /// Relative difference, 0 when equal (so an expected 0 must be met exactly).
  static func relative(_ actual: Double, _ expected: Double) -> Double {
    actual == expected ? 0 : abs(actual - expected) / abs(expected)
  }

  /// Expects `actual` within ``tolerance`` of `expected`, and returns the relative difference.
  @discardableResult
  static func expectClose(
    _ actual: Double, _ expected: Double, _ what: String, _ name: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> Double {
    let difference = relative(actual, expected)
    #expect(
      difference <= tolerance, "\(name) \(what): \(actual), authors \(expected)",
      sourceLocation: sourceLocation)
    return difference
  }

  /// Checks the scale, the noise and the sensitivities of ``Calibration`` against the case, and the
  /// side of the L2 and L1 bounds; returns the calibration and the worst relative difference.
  static func calibration(
    _ expected: Common, mechanism: DistributedMechanism, standardDeviations: Double
  ) throws -> (DistributedCalibration, Double) {
    let name = expected.name
    let scale = try Calibration.scale(
      noiseMultiplier: expected.noiseMultiplier, clipBound: expected.clipBound,
      clients: expected.clients, dimension: expected.dimension, bits: expected.bits,
      standardDeviations: standardDeviations)
    var worst = expectClose(scale, expected.scale, "scale", name)
    let found = try #require(
      try Calibration.distributedAccounting(
        mechanism: mechanism, noiseMultiplier: expected.noiseMultiplier, delta: delta,
        rounds: expected.rounds, sampling: .poisson(rate: expected.rate),
        clients: expected.clients, dimension: expected.dimension, bits: expected.bits,
        clipBound: expected.clipBound, beta: expected.beta,
        standardDeviations: standardDeviations, accountant: .rdp))
    #expect(found.scale == scale)
    #expect(found.sensitivity.paddedDimension == expected.dimension)
    worst = max(
      worst, expectClose(found.localStandardDeviation, expected.localSigma, "local σ", name),
      expectClose(found.sensitivity.l2, expected.l2, "Δ₂", name),
      expectClose(found.sensitivity.l1, expected.l1, "Δ₁", name))
    // The side of each bound, from the library's own values.
    let unconditional = try RoundedSensitivity(
      clipBound: expected.clipBound, scale: scale, dimension: expected.dimension, beta: 0)
    switch expected.l2Bound {
    case .conditional: #expect(found.sensitivity.l2 < unconditional.l2, "\(name)")
    case .plain: #expect(found.sensitivity.l2 == unconditional.l2, "\(name)")
    case .unconditional: #expect(expected.beta == 0, "\(name)")
    }
    let l2 = found.sensitivity.l2
    switch expected.l1Bound {
    case .sqrtD: #expect(found.sensitivity.l1 == l2 * Double(expected.dimension).squareRoot())
    case .l2: #expect(found.sensitivity.l1 == l2 * l2)
    }
    return (found, worst)
  }

  /// Checks one round's RDP at the optimal order without and with sampling, the composed RDP and
  /// the ε with its order, on the authors' orders; returns the worst relative difference.
  static func accounting(
    _ expected: Common, accountant name: String,
    curve: (Double) throws(DifferentialPrivacyError) -> Double
  ) throws -> Double {
    let unamplified = try curve(expected.order)
    let perRound = try RDP.poissonSubsampled(
      samplingRate: expected.rate, orders: [expected.order], curve: curve)[0]
    var worst = max(
      expectClose(unamplified, expected.unamplified, "RDP, one round", expected.name),
      expectClose(perRound, expected.perRound, "RDP, one sampled round", expected.name))
    switch expected.sampling {
    case .none: #expect(expected.rate == 1)
    case .subsampled: #expect(perRound < unamplified, "\(expected.name)")
    case .unamplified: #expect(perRound == unamplified, "\(expected.name)")
    }
    var accountant = try RDPAccountant(orders: authorsOrders)
    try accountant.composePoissonSubsampled(
      samplingRate: expected.rate, count: expected.rounds, curve: curve)
    let index = try #require(authorsOrders.firstIndex(of: expected.order))
    worst = max(
      worst, expectClose(accountant.rdp[index], expected.total, "RDP, all rounds", expected.name))
    let report = try PrivacyReport.mechanism(
      accountant: name, noiseMultiplier: expected.noiseMultiplier,
      sampling: .poisson(rate: expected.rate), rounds: expected.rounds, delta: delta,
      orders: authorsOrders, curve: curve)
    #expect(report.amplificationHolds)
    worst = max(worst, expectClose(report.epsilon.epsilon, expected.epsilon, "ε", expected.name))
    #expect(report.epsilon.order == expected.order, "\(expected.name) order")
    #expect(try accountant.epsilon(delta: delta) == report.epsilon)
    return worst
  }

  @Test(arguments: ddgCases)
  func distributedDiscreteGaussianMatchesTheAuthors(_ expected: DDG) throws {
    let common = expected.common
    var (found, worst) = try Self.calibration(
      common, mechanism: .discreteGaussian, standardDeviations: 4)
    let mechanism = try DistributedDiscreteGaussian(
      clients: common.clients, localStandardDeviation: found.localStandardDeviation,
      l1Sensitivity: found.sensitivity.l1, l2Sensitivity: found.sensitivity.l2,
      dimension: found.sensitivity.paddedDimension)
    worst = max(worst, Self.expectClose(mechanism.tau, expected.tau, "τ", common.name))
    worst = max(
      worst,
      try Self.accounting(common, accountant: "RDP (distributed discrete Gaussian)") {
        (order) throws(DifferentialPrivacyError) in try mechanism.rdp(order: order)
      })
    print("\(common.name): largest relative difference from the authors \(worst)")
  }

  @Test(arguments: skellamCases)
  func distributedSkellamMatchesTheAuthors(_ expected: Skellam) throws {
    let common = expected.common
    var (found, worst) = try Self.calibration(common, mechanism: .skellam, standardDeviations: 3)
    let local = found.localStandardDeviation
    let mechanism = try DistributedSkellam(
      clients: common.clients, localVariance: local * local,
      l1Sensitivity: found.sensitivity.l1, l2Sensitivity: found.sensitivity.l2)
    worst = max(
      worst, Self.expectClose(mechanism.centralVariance, expected.variance, "μ", common.name))
    worst = max(
      worst,
      try Self.accounting(common, accountant: "RDP (distributed Skellam)") {
        (order) throws(DifferentialPrivacyError) in try mechanism.rdp(order: order)
      })
    print("\(common.name): largest relative difference from the authors \(worst)")
  }

  @Test func casesCoverBothSidesOfEveryMin() {
    let ddg = Self.ddgCases
    let skellam = Self.skellamCases
    let common = ddg.map(\.common) + skellam.map(\.common)
    for cases in [ddg.map(\.common), skellam.map(\.common)] {
      #expect(Set(cases.map(\.l2Bound)) == [.conditional, .plain, .unconditional])
      #expect(Set(cases.map(\.l1Bound)) == [.sqrtD, .l2])
      #expect(Set(cases.map(\.sampling)) == [.none, .subsampled, .unamplified])
    }
    #expect(common.count == 29)
    // Proposition 14: the first and the second term each strictly smallest, the third tied.
    #expect(ddg.contains { $0.terms == [.first] })
    #expect(ddg.contains { $0.terms == [.second] })
    #expect(ddg.contains { $0.terms == [.second, .third] })
    #expect(ddg.contains { $0.tau > 0 && $0.tau < 1e-9 })
    #expect(Set(skellam.map(\.term)) == [.tight, .simple])
  }
}
