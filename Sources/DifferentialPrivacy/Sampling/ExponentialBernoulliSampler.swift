/// An exact Bernoulli trial that succeeds with probability exp(−γ) for a rational γ ≥ 0.
///
/// Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
/// Algorithm 1. For γ ∈ [0, 1]: count K = 1, 2, … while Bernoulli(γ/K) succeeds; the trial
/// succeeds when the K at the first failure is odd, since P(K > k) = γ^k/k! and so
/// P(K odd) = Σ (−γ)^k/k! = exp(−γ). For γ > 1: ⌊γ⌋ trials of Bernoulli(exp(−1)), stopping at
/// the first failure, then one of Bernoulli(exp(−(γ − ⌊γ⌋))). Each Bernoulli(p/q) compares a
/// uniform integer below q with p (Lemire's unbiased method), so the probability is exactly
/// exp(−γ), with no floating point.
///
/// **Cost.** At most e ≈ 2.72 uniform draws on average for γ ≤ 1, and fewer than
/// 1.6 × 1.72 more for the integer part whatever γ is; variable time.
///
/// It is the building block of ``DiscreteLaplaceSampler`` and ``DiscreteGaussianSampler``,
/// exposed for tests and for other exact mechanisms.
public struct ExponentialBernoulliSampler: Sendable {
  /// γ: the trial succeeds with probability exp(−γ).
  public let exponent: Rational

  /// A trial that succeeds with probability exp(−`exponent`).
  public init(exponent: Rational) {
    self.exponent = exponent
  }

  /// One trial: `true` with probability exp(−``exponent``).
  public func sample(using generator: inout some RandomNumberGenerator) -> Bool {
    withRandomBitSource(from: &generator, wordCount: 4) { source in
      source.bernoulliExpUnbounded(exponent.numerator, over: exponent.denominator)
    }
  }
}
