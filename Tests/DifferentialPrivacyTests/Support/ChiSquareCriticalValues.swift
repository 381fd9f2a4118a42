/// Upper critical values of the chi-square distribution at significance level p = 0.001, for the
/// degrees of freedom the sampler tests produce (their binning is deterministic: it depends only
/// on the pmf and the sample size).
///
/// Computed with SciPy 1.17.1: `python3 -c "from scipy.stats import chi2; print(chi2.ppf(0.999,
/// df))"`, rounded to three decimals.
enum ChiSquareCriticalValues {
  static let at999: [Int: Double] = [
    4: 18.467,
    7: 24.322,
    8: 26.124,
    12: 32.909,
    16: 39.252,
    22: 48.268,
    24: 51.179,
    29: 58.301,
    31: 61.098,
    32: 62.487,
    40: 73.402,
    44: 78.750,
    70: 112.317,
    340: 426.312,
    578: 688.791,
    1553: 1730.938,
    2884: 3124.406,
    2932: 3174.351,
  ]
}
