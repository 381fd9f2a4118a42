internal import AggregationCrypto
import Foundation

extension DistributedDiscreteGaussian {
  /// The Gaussian that dominates this mechanism, from the exact distribution of the summed
  /// noise (see ``GaussianDominance``).
  ///
  /// The sum of n discrete Gaussians N_Z(0, σ²) is not a discrete Gaussian. Convolving two
  /// discrete Gaussians of parameters a and b gives N_Z(0, a + b) times a factor within
  /// [(1 − ρ)/(1 + ρ), (1 + ρ)/(1 − ρ)], ρ = 2 Σ_{m≥1} e^{−2π²m² ab/(a+b)}, by Poisson summation
  /// of the lattice sum (the same sums as the τ of Kairouz, Liu & Steinke 2021, Theorem 1). So
  /// the summed noise is N_Z(0, nσ²) to within e^{±η}, η = Σ_{k=1}^{n−1} log((1 + ρ_k)/(1 − ρ_k))
  /// with ρ_k at ab/(a+b) = σ²k/(k + 1); once σ ≳ 2, η is below 10⁻¹⁵ and the bound is exact in
  /// double precision. When η would cost more than 0.1 % of the result (2η·√n σ > 10⁻³) and the
  /// work is moderate, the summed pmf is instead computed exactly, by direct convolution of the
  /// n discrete Gaussian pmfs (every term positive, so the tails keep their relative precision).
  public func gaussianDominance() throws(DifferentialPrivacyError) -> GaussianDominance {
    let key = GaussianDominance.CacheKey(
      kind: "ddg", parameters: [UInt64(clients), localStandardDeviation.bitPattern],
      largestShift: GaussianDominance.checkedShift(l2Sensitivity))
    return try GaussianDominance.cached(key) { () throws(DifferentialPrivacyError) in
      try computeGaussianDominance()
    }
  }

  /// ``gaussianDominance()`` without the cache.
  func computeGaussianDominance() throws(DifferentialPrivacyError) -> GaussianDominance {
    let variance = localStandardDeviation * localStandardDeviation
    let central = Double(clients) * variance
    let largestShift = GaussianDominance.checkedShift(l2Sensitivity)
    let spread = central.squareRoot()
    var eta = 0.0
    for k in stride(from: 1, to: clients, by: 1) {
      let v = variance * Double(k) / Double(k + 1)
      let rho = Self.latticeDeviation(v)
      guard rho < 1 else {
        eta = .infinity
        break
      }
      eta += log1p(rho) - log1p(-rho)
      if eta > 1 { break }
    }
    let count = largestShift + Int((16 * spread).rounded(.up)) + 16
    let directWork = Double(count) * Double(count) * log2(Double(max(2, clients)))
    if 2 * eta * spread > 1e-3, directWork <= 4e8 {
      return try GaussianDominance.compute(
        logMass: Self.summedLogMass(clients: clients, variance: variance, count: count),
        logRatioBound: 0, largestShift: largestShift)
    }
    guard eta.isFinite, eta < 1 else {
      throw .parameterTooLarge(
        name: "clients", value: "\(clients) at σ = \(localStandardDeviation)",
        maximum: "a summed pmf the exact accountant can compute; use the RDP accountant")
    }
    return try GaussianDominance.compute(
      logMass: Self.logMass(parameter: central, count: count), logRatioBound: eta,
      largestShift: largestShift)
  }

  /// ρ(v) = 2 Σ_{m≥1} e^{−2π²m²v}: how far the lattice sum Σ_j e^{−(j−c)²/(2v)} can be from
  /// √(2πv), relatively, whatever c.
  static func latticeDeviation(_ v: Double) -> Double {
    var total = 0.0
    for m in 1...64 {
      let term = exp(-2 * Double.pi * Double.pi * Double(m * m) * v)
      total += term
      if term < 1e-300 || term < 1e-17 * total { break }
    }
    return 2 * total
  }

  /// log P(Z = z), z = 0…count − 1, for Z ~ N_Z(0, s²) with s² = `parameter`: the mass
  /// e^{−z²/(2s²)} over its normalizer, summed directly (Poisson summation would need the same
  /// care for small s).
  static func logMass(parameter: Double, count: Int) -> [Double] {
    var logNormalizer = 0.0  // log of e^0
    var z = 1
    while true {
      let term = -Double(z * z) / (2 * parameter)
      let updated = SpecialFunctions.logAdd(logNormalizer, log(2) + term)
      if updated == logNormalizer { break }
      logNormalizer = updated
      z += 1
    }
    return (0..<count).map { -Double($0 * $0) / (2 * parameter) - logNormalizer }
  }

  /// log P(Z₁ + … + Z_n = z), z = 0…count − 1, for Z_i ~ N_Z(0, σ²) i.i.d., by direct
  /// convolution (repeated squaring) of pmfs held on [−(count − 1), count − 1]; the mass beyond
  /// is cut at each step, and it is below 10⁻⁵⁰ by the choice of `count`.
  static func summedLogMass(clients: Int, variance: Double, count: Int) -> [Double] {
    let width = count - 1
    func centred(_ logMass: [Double]) -> [Double] {
      var mass = [Double](repeating: 0, count: 2 * width + 1)
      for z in 0..<min(count, logMass.count) {
        let value = exp(logMass[z])
        mass[width + z] = value
        mass[width - z] = value
      }
      return mass
    }
    func convolve(_ x: [Double], _ y: [Double]) -> [Double] {
      var result = [Double](repeating: 0, count: 2 * width + 1)
      for i in x.indices where x[i] > 0 {
        let offset = i - width
        let low = max(0, -offset)
        let high = min(y.count - 1, 2 * width - offset)
        guard low <= high else { continue }
        for j in low...high {
          result[j + offset] += x[i] * y[j]
        }
      }
      return result
    }
    var result: [Double]? = nil
    var power = centred(logMass(parameter: variance, count: count))
    var remaining = clients
    while remaining > 0 {
      if remaining & 1 == 1 {
        result = result.map { convolve($0, power) } ?? power
      }
      remaining >>= 1
      if remaining > 0 { power = convolve(power, power) }
    }
    let mass = result ?? power
    return (0..<count).map { log(mass[width + $0]) }
  }
}

extension DistributedSkellam {
  /// The Gaussian that dominates this mechanism, from the exact Skellam distribution of the
  /// summed noise (the difference of two Poisson(μ/2) variables with μ the central variance:
  /// P(Z = k) = e^{−μ} I_k(μ)); see ``GaussianDominance``.
  ///
  /// The Bessel ratios I_{k+1}(μ)/I_k(μ) come from the backward recurrence
  /// r_{k−1} = 1/(2k/μ + r_k), started far enough up that its starting error has shrunk by
  /// e^{−50}, and the masses from their running products, normalized to sum to 1 — all in log
  /// space, so no tail underflows.
  public func gaussianDominance() throws(DifferentialPrivacyError) -> GaussianDominance {
    let key = GaussianDominance.CacheKey(
      kind: "skellam", parameters: [centralVariance.bitPattern],
      largestShift: GaussianDominance.checkedShift(l2Sensitivity))
    return try GaussianDominance.cached(key) { () throws(DifferentialPrivacyError) in
      try computeGaussianDominance()
    }
  }

  /// ``gaussianDominance()`` without the cache.
  func computeGaussianDominance() throws(DifferentialPrivacyError) -> GaussianDominance {
    let mu = centralVariance
    let largestShift = GaussianDominance.checkedShift(l2Sensitivity)
    var count = largestShift + Int((20 * mu.squareRoot()).rounded(.up)) + 64
    while true {
      let logMass = Self.logMass(variance: mu, count: count)
      do {
        return try GaussianDominance.compute(
          logMass: logMass, logRatioBound: 0, largestShift: largestShift)
      } catch {
        guard count < 1 << 26 else { throw error }
        count *= 2
      }
    }
  }

  /// log P(Z = k), k = 0…count − 1, for Z symmetric Skellam of variance μ.
  static func logMass(variance mu: Double, count: Int) -> [Double] {
    // Backward recurrence for the ratios, from N where Π r_k² over [count, N] < e^{−50}.
    let start = Int((Double(count) * Double(count) + 50 * mu).squareRoot().rounded(.up)) + 16
    var ratios = [Double](repeating: 0, count: count)  // r_k = I_{k+1}/I_k
    var r = 0.0
    var k = start
    while k > 0 {
      // r_{k−1} = 1/(2k/μ + r_k)
      r = 1 / (2 * Double(k) / mu + r)
      if k - 1 < count { ratios[k - 1] = r }
      k -= 1
    }
    var logWeights = [Double](repeating: 0, count: count)
    for index in 1..<count {
      logWeights[index] = logWeights[index - 1] + log(ratios[index - 1])
    }
    var logTotal = 0.0
    for index in 1..<count {
      logTotal = SpecialFunctions.logAdd(logTotal, log(2) + logWeights[index])
    }
    return logWeights.map { $0 - logTotal }
  }
}
