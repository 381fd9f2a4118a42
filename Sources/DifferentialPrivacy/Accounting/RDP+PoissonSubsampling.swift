internal import AggregationCrypto
import Foundation

extension RDP {
  /// The RDP at each of `orders` of any mechanism run on a Poisson-sampled cohort (rate q), from
  /// the mechanism's own RDP curve: the general upper bound of Zhu & Wang, "Poisson Subsampled
  /// Rényi Differential Privacy" (ICML 2019), as the authors of the distributed discrete Gaussian
  /// apply it (their `_compute_rdp_subsampled` with `upper_bound=True`):
  ///
  ///     RDP_q(α) ≤ 1/(α − 1) · log[ (1 − q)^{α−1}(αq − q + 1)
  ///                                 + C(α, 2) q² (1 − q)^{α−2} e^{ε(2)}
  ///                                 + 3 Σ_{l=3}^{α} C(α, l) q^l (1 − q)^{α−l} e^{(l−1)ε(l)} ],
  ///
  /// for integer α, and never more than the unsampled ε(α). A fractional order is evaluated at
  /// ⌈α⌉, which is valid because RDP does not decrease with the order. At q = 1 the result is
  /// the curve itself, at the orders given. For the Gaussian use the
  /// exact ``poissonSubsampledGaussian(samplingRate:noiseMultiplier:order:)`` instead; this bound
  /// is for the discrete mechanisms (``DistributedDiscreteGaussian``, ``DistributedSkellam``).
  ///
  /// - Parameters:
  ///   - samplingRate: q in [0, 1].
  ///   - orders: Rényi orders, each > 1.
  ///   - curve: the unsampled mechanism's RDP at an order (at integer orders only when q < 1).
  /// - Returns: the subsampled RDP at each order, in the order given.
  public static func poissonSubsampled(
    samplingRate: Double,
    orders: [Double],
    curve: (Double) throws(DifferentialPrivacyError) -> Double
  ) throws(DifferentialPrivacyError) -> [Double] {
    try Validation.samplingRate(samplingRate)
    for order in orders {
      try Validation.order(order)
    }
    if samplingRate == 1 {
      // Every client takes part: the mechanism's own curve, at the orders given.
      return try orders.map { (order) throws(DifferentialPrivacyError) in
        let value = try curve(order)
        guard value >= 0 else {
          throw .invalidParameter(
            name: "rdp(\(order))", value: "\(value)", expected: "a Rényi divergence ≥ 0")
        }
        return value
      }
    }
    let largest = Int(orders.map { $0.rounded(.up) }.max() ?? 2)
    // ε(l) for l = 2 … largest, evaluated once.
    var unsampled: [Double] = [0, 0]
    unsampled.reserveCapacity(largest + 1)
    for l in stride(from: 2, through: largest, by: 1) {
      let value = try curve(Double(l))
      guard value >= 0 else {
        throw .invalidParameter(
          name: "rdp(\(l))", value: "\(value)", expected: "a Rényi divergence ≥ 0")
      }
      unsampled.append(value)
    }
    if samplingRate == 0 {
      return orders.map { _ in 0 }
    }
    return orders.map { order in
      let alpha = Int(order.rounded(.up))
      let plain = unsampled[alpha]
      let q = samplingRate
      let a = Double(alpha)
      let logQ = log(q)
      let log1mQ = log1p(-q)
      var total = (a - 1) * log1mQ + log(a * q - q + 1)
      total = SpecialFunctions.logAdd(
        total, SpecialFunctions.logBinomial(a, 2) + 2 * logQ + (a - 2) * log1mQ + unsampled[2])
      if alpha >= 3 {
        for l in 3...alpha {
          let lDouble = Double(l)
          let term =
            log(3.0) + SpecialFunctions.logBinomial(a, lDouble) + lDouble * logQ
            + (a - lDouble) * log1mQ + (lDouble - 1) * unsampled[l]
          total = SpecialFunctions.logAdd(total, term)
        }
      }
      return min(total / (a - 1), plain)
    }
  }
}
