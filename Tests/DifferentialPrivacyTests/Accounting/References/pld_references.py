#!/usr/bin/env python3
"""Reference values for the Swift privacy-loss-distribution (PLD) accountant.

This script is the provenance of the numeric constants used in the Swift PLD
tests.  It prints one record per line in the form

    <SECTION> key=value key=value ...

Parameters are printed with Python's repr(); computed values with 17
significant digits ('%.17g'), so that every printed value parses back to the
same IEEE-754 double in Swift.

Two kinds of values are produced:

  * dp-accounting values ("pes_*" = pessimistic_estimate=True, "opt_*" =
    pessimistic_estimate=False), obtained ONLY through dp-accounting's public
    API (privacy_loss_distribution.from_* factories, PrivacyLossDistribution
    .self_compose / .compose / .get_epsilon_for_delta / .get_delta_for_epsilon,
    and pld.PLDAccountant).  The single exception is the time/memory
    diagnostic of section G, which reads the (private) length of the PMF array.

  * Independent "exact" values computed by our own code below, from closed
    forms or exact lattice compositions (see the docstring of each helper).
    Where no exact value is available, the pair (opt, pes) on a fine grid
    brackets the true value: opt <= true <= pes.  (Strictly, dp-accounting
    adds tail_mass_truncation=1e-15 to the infinity mass of composed PMFs also
    in optimistic mode, which can raise the optimistic delta by <= ~1e-15;
    that is negligible at the deltas used here.)

Conventions (sensitivity 1 unless stated):
  * ADD_OR_REMOVE_ONE: eps = max over the REMOVE and ADD orderings.
  * dp-accounting's meaning of REPLACE_ONE is printed in the NOTE lines.

Usage:   python3 pld_references.py [--fast] [--workers N] > pld_references.txt
  --fast     skip the expensive fine-grid brackets (1e-5 / 1e-6 grids).
Runtime of the full run: about 2 hours on 2 cores.  Memory: ~4 GB per worker,
and ~15 GB for the Laplace T=100 cases on the 1e-6 grid (run serially).

Requires: dp-accounting==0.6.0, numpy, scipy, mpmath.
"""

import argparse
import concurrent.futures
import importlib.metadata
import math
import platform
import sys
import time
import tracemalloc

import mpmath
import numpy as np
from scipy import optimize, special, stats

import dp_accounting
from dp_accounting import NeighboringRelation as NR
from dp_accounting.pld import PLDAccountant
from dp_accounting.pld import privacy_loss_distribution as pld_lib

AOR = NR.ADD_OR_REMOVE_ONE
R1 = NR.REPLACE_ONE
REL_NAME = {AOR: "add_or_remove_one", R1: "replace_one"}


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------

def v(x):
    """A computed value with 17 significant digits (round-trips a double)."""
    if x is None:
        return "NA"
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "%.17g" % x


def p(x):
    """A parameter: shortest repr of the double (or the int)."""
    return repr(x)


def rec(section, **kv):
    return section + " " + " ".join(f"{k}={val}" for k, val in kv.items())


# --------------------------------------------------------------------------
# Exact Gaussian mechanism (Balle & Wang 2018, Theorem 8)
# --------------------------------------------------------------------------
#
# For N(0, s^2) vs N(1, s^2) (sensitivity 1):
#   delta(eps) = Phi(1/(2s) - eps*s) - e^eps * Phi(-1/(2s) - eps*s).
# T-fold composition of sigma is the single Gaussian with s = sigma/sqrt(T).

def gauss_log_delta_f64(eps, s):
    """log delta(eps) in double precision via log_ndtr (no cancellation
    problems: delta = Phi(a) * (1 - exp(eps + log Phi(b) - log Phi(a))))."""
    a = 0.5 / s - eps * s
    b = -0.5 / s - eps * s
    la = special.log_ndtr(a)
    lb = special.log_ndtr(b)
    r = eps + lb - la          # <= 0 because delta >= 0
    return la + math.log(-math.expm1(r))


def gauss_eps_f64(s, delta):
    """Exact eps(delta) of the Gaussian, double precision, brentq on log."""
    target = math.log(delta)
    if gauss_log_delta_f64(0.0, s) <= target:
        return 0.0
    hi = 1.0
    while gauss_log_delta_f64(hi, s) > target:
        hi *= 2.0
    return optimize.brentq(lambda e: gauss_log_delta_f64(e, s) - target,
                           0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                           maxiter=500)


def gauss_delta_mp(eps, s):
    """delta(eps) of the Gaussian with mpmath (current mp.dps)."""
    eps, s = mpmath.mpf(eps), mpmath.mpf(s)
    return (mpmath.ncdf(1 / (2 * s) - eps * s)
            - mpmath.exp(eps) * mpmath.ncdf(-1 / (2 * s) - eps * s))


def mp_bisect_decreasing(f, target, lo, hi, iters=200):
    """Solve f(x) = target for a decreasing f on [lo, hi] by bisection."""
    lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
    for _ in range(iters):
        mid = (lo + hi) / 2
        if f(mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mp_eps_for_delta(delta_fn, delta, hi_guess=1.0):
    """eps(delta) = inf{eps >= 0 : delta_fn(eps) <= delta}, mpmath."""
    delta = mpmath.mpf(delta)
    if delta_fn(0) <= delta:
        return mpmath.mpf(0)
    hi = mpmath.mpf(hi_guess)
    while delta_fn(hi) > delta:
        hi *= 2
    return mp_bisect_decreasing(delta_fn, delta, 0, hi)


def gauss_eps_mp(s, delta):
    with mpmath.workdps(50):
        return float(mp_eps_for_delta(lambda e: gauss_delta_mp(e, s), delta))


# --------------------------------------------------------------------------
# Exact Poisson-subsampled Gaussian, single step (T = 1), mpmath
# --------------------------------------------------------------------------
#
# dp-accounting's pairs (mu_upper, mu_lower), noise N(0, sigma^2), shift 1:
#   REMOVE : P = q N(-1) + (1-q) N(0),  Q = N(0)
#   ADD    : P = N(0),                  Q = q N(1) + (1-q) N(0)
#   REPLACE: P = q N(-1) + (1-q) N(0),  Q = q N(1) + (1-q) N(0)
# In all three the privacy loss ln(P/Q)(x) is decreasing in x, so
# delta(eps) = P(X < x*) - e^eps Q(X < x*) with x* the level-eps point, which
# has a closed form in each case (derived below).

def _mix_cdf(x, sigma, q, shift):
    """CDF at x of q N(shift, sigma^2) + (1-q) N(0, sigma^2)."""
    return q * mpmath.ncdf((x - shift) / sigma) + (1 - q) * mpmath.ncdf(x / sigma)


def subsampled_gauss_delta_mp(eps, sigma, q, kind):
    eps, sigma, q = mpmath.mpf(eps), mpmath.mpf(sigma), mpmath.mpf(q)
    E = mpmath.exp(eps)
    s2 = sigma ** 2
    if kind == "remove":
        # (1-q) + q exp(-(2x+1)/(2 s2)) > e^eps  <=>  x < x*
        xs = -s2 * mpmath.log((E - 1 + q) / q) - mpmath.mpf(1) / 2
        return _mix_cdf(xs, sigma, q, -1) - E * mpmath.ncdf(xs / sigma)
    if kind == "add":
        # (1-q) + q exp((2x-1)/(2 s2)) < e^-eps  <=>  x < x*; empty set if
        # e^-eps <= 1-q, i.e. the loss is bounded by -ln(1-q).
        if 1 / E - 1 + q <= 0:
            return mpmath.mpf(0)
        xs = mpmath.mpf(1) / 2 + s2 * mpmath.log((1 / E - 1 + q) / q)
        return mpmath.ncdf(xs / sigma) - E * _mix_cdf(xs, sigma, q, 1)
    if kind == "replace":
        # With u = exp(-x/s2), c = exp(-1/(2 s2)) the loss is
        #   ln((1-q) + q c u) - ln((1-q) + q c / u);
        # setting it to eps gives q c u^2 - (1-q)(E-1) u - E q c = 0.
        c = mpmath.exp(-1 / (2 * s2))
        bq = (1 - q) * (E - 1)
        u = (bq + mpmath.sqrt(bq ** 2 + 4 * q ** 2 * c ** 2 * E)) / (2 * q * c)
        xs = -s2 * mpmath.log(u)
        return _mix_cdf(xs, sigma, q, -1) - E * _mix_cdf(xs, sigma, q, 1)
    raise ValueError(kind)


def subsampled_gauss_eps_mp(sigma, q, delta, kind):
    with mpmath.workdps(40):
        return float(mp_eps_for_delta(
            lambda e: subsampled_gauss_delta_mp(e, sigma, q, kind), delta))


# --------------------------------------------------------------------------
# Exact Laplace, T = 1
# --------------------------------------------------------------------------

def laplace_eps_exact_T1(b, delta):
    """Lap(0,b) vs Lap(1,b), eps0 = 1/b.  The loss is eps0 on x<=0, -eps0 on
    x>=1 and eps0(1-2x) in between; integrating gives, for 0 <= eps <= eps0,
        delta(eps) = 1 - exp((eps - eps0)/2),
    hence eps(delta) = max(0, eps0 + 2 ln(1 - delta))."""
    return max(0.0, 1.0 / b + 2.0 * math.log1p(-delta))


# --------------------------------------------------------------------------
# Exact eps for a PLD given by finitely many atoms
# --------------------------------------------------------------------------

def eps_from_atoms(losses, probs, delta, inf_mass=0.0):
    """Smallest eps >= 0 with  inf_mass + sum_i p_i (1 - e^{eps - l_i})_+ <= delta.

    On each interval l_{k+1} <= eps < l_k (losses sorted descending) the
    divergence equals A_k - e^eps B_k with A_k = inf_mass + sum_{i<=k} p_i and
    B_k = sum_{i<=k} p_i e^{-l_i}, so the root is ln((A_k - delta)/B_k).
    B_k is accumulated in log space to survive very large losses."""
    if inf_mass > delta:
        return math.inf
    losses = np.asarray(losses, dtype=float)
    probs = np.asarray(probs, dtype=float)
    keep = probs > 0
    losses, probs = losses[keep], probs[keep]
    order = np.argsort(-losses)
    losses, probs = losses[order], probs[order]

    def div(eps):  # hockey-stick divergence at eps (for the final check)
        m = losses > eps
        return inf_mass + float(np.sum(-probs[m] * np.expm1(eps - losses[m])))

    if div(0.0) <= delta:
        return 0.0
    A = inf_mass + np.cumsum(probs)
    logB = np.logaddexp.accumulate(np.log(probs) - losses)
    nxt = np.append(losses[1:], -np.inf)
    # Scanning from the largest loss, the root lies in the first interval
    # whose candidate is not below the interval's lower end.
    for k in range(len(losses)):
        if A[k] <= delta:
            continue
        eps = math.log(A[k] - delta) - logB[k]
        if eps >= nxt[k]:
            return max(0.0, eps)
    raise RuntimeError("eps_from_atoms: no root found")


def lattice_self_convolve(pmf, T):
    """T-fold convolution of a pmf on an integer lattice (direct sums only,
    no FFT, so every entry keeps ~1e-16 relative accuracy)."""
    result = np.array([1.0])
    base = np.asarray(pmf, dtype=float)
    n = T
    while n:                      # square-and-multiply
        if n & 1:
            result = np.convolve(result, base)
        n >>= 1
        if n:
            base = np.convolve(base, base)
    return result


# --------------------------------------------------------------------------
# Exact discrete Laplace (T-fold) on the lattice a * Z
# --------------------------------------------------------------------------

def discrete_laplace_eps_exact(a, sens, T, delta):
    """Noise pmf Z e^{-a|x|}, Z = tanh(a/2), P = DLap, Q = DLap shifted by sens.
    Loss at x: a(|x - sens| - |x|) = a*j with j in {-sens, ..., sens}:
        x <= 0       : j = +sens, mass 1/(1 + e^{-a})
        0 < x < sens : j = sens - 2x, mass Z e^{-a x}
        x >= sens    : j = -sens, mass Z e^{-a sens}/(1 - e^{-a})
    The T-fold PLD is the T-fold convolution on the lattice."""
    Z = math.tanh(a / 2)
    pmf = np.zeros(2 * sens + 1)            # index j + sens
    pmf[2 * sens] += 1.0 / (1.0 + math.exp(-a))
    for x in range(1, sens):
        pmf[sens - 2 * x + sens] += Z * math.exp(-a * x)
    pmf[0] += Z * math.exp(-a * sens) / (-math.expm1(-a))
    comp = lattice_self_convolve(pmf, T)
    js = np.arange(len(comp)) - T * sens
    return eps_from_atoms(a * js, comp, delta)


# --------------------------------------------------------------------------
# Discrete Gaussian (truncated) and symmetric Skellam pmfs
# --------------------------------------------------------------------------

def discrete_gaussian_log_pmf(s, K):
    """log pmf of N_Z(0, s^2) truncated to |k| <= K and renormalised."""
    k = np.arange(-K, K + 1)
    logw = -(k.astype(float) ** 2) / (2.0 * s * s)
    return k, logw - special.logsumexp(logw)


def skellam_log_pmf(mu, K):
    """log pmf of Skellam(mu/2, mu/2) (variance mu) via scipy.stats.skellam,
    truncated to |k| <= K and renormalised.  Entries that underflow are -inf."""
    k = np.arange(-K, K + 1)
    pm = stats.skellam(mu / 2.0, mu / 2.0).pmf(k)
    pm = pm / pm.sum()
    with np.errstate(divide="ignore"):
        return k, np.log(pm)


def shifted_pair(k, logpmf, shift=1):
    """(upper, lower) log-pmf dictionaries: upper = mu, lower = mu(. - shift)."""
    upper = {int(kk): float(lp) for kk, lp in zip(k, logpmf) if lp > -np.inf}
    lower = {int(kk) + shift: float(lp) for kk, lp in zip(k, logpmf) if lp > -np.inf}
    return upper, lower


def explicit_pmf_eps_exact_T1(upper, lower, delta):
    """Exact eps for one use of (P, Q) given as log-pmf dicts; max over both
    orderings."""
    def one(up, lo):
        losses, probs, inf_mass = [], [], 0.0
        for o, lp in up.items():
            lq = lo.get(o, -np.inf)
            if lq == -np.inf:
                inf_mass += math.exp(lp)
            else:
                losses.append(lp - lq)
                probs.append(math.exp(lp))
        return eps_from_atoms(losses, probs, delta, inf_mass)
    return max(one(upper, lower), one(lower, upper))


def discrete_gaussian_eps_exact(s, K, T, delta):
    """Truncated N_Z(0,s^2), sensitivity 1, P = mu, Q = mu(. - 1).
    For -K < k <= K the loss is ((k-1)^2 - k^2)/(2 s^2) = (1 - 2k)/(2 s^2),
    i.e. the lattice j/(2 s^2) with j = 1 - 2k odd; k = -K has Q(k) = 0
    (infinite loss, mass P(-K)).  By symmetry (P,Q) and (Q,P) have the same
    PLD.  T-fold = exact lattice convolution."""
    k, logpmf = discrete_gaussian_log_pmf(s, K)
    probs = np.exp(logpmf)
    inf_mass1 = probs[0]                         # k = -K
    # index by k = -K+1 .. K, j = 1 - 2k decreasing; lattice step in j is 2
    base = probs[1:][::-1]                       # k = K .. -K+1  (j ascending)
    j_min = 1 - 2 * K
    comp = lattice_self_convolve(base, T)        # lattice step 2 in j
    js = T * j_min + 2 * np.arange(len(comp))
    inf_mass = -math.expm1(T * math.log1p(-inf_mass1))
    return eps_from_atoms(js / (2.0 * s * s), comp, delta, inf_mass)


# --------------------------------------------------------------------------
# dp-accounting wrappers (public API only)
# --------------------------------------------------------------------------

def dpa_gauss(sigma, T, dvi=1e-4, q=1.0, rel=AOR, pessimistic=True):
    """from_gaussian_mechanism(...).self_compose(T)."""
    pld = pld_lib.from_gaussian_mechanism(
        sigma, sensitivity=1, pessimistic_estimate=pessimistic,
        value_discretization_interval=dvi, sampling_prob=q,
        use_connect_dots=pessimistic, neighboring_relation=rel)
    return pld.self_compose(T) if T > 1 else pld


def dpa_laplace(b, T, dvi=1e-4, pessimistic=True):
    pld = pld_lib.from_laplace_mechanism(
        b, sensitivity=1, pessimistic_estimate=pessimistic,
        value_discretization_interval=dvi, use_connect_dots=pessimistic)
    return pld.self_compose(T) if T > 1 else pld


def accountant_eps(event, delta, rel=AOR, dvi=1e-4):
    acc = PLDAccountant(neighboring_relation=rel,
                        value_discretization_interval=dvi)
    acc.compose(event)
    return acc.get_epsilon(delta)


def dpa_two_pmf(upper, lower, T, dvi=1e-4, pessimistic=True):
    """from_two_probability_mass_functions, symmetric=False (both orderings,
    eps = max), then self_compose(T)."""
    pld = pld_lib.from_two_probability_mass_functions(
        log_probability_mass_function_lower=lower,
        log_probability_mass_function_upper=upper,
        pessimistic_estimate=pessimistic,
        value_discretization_interval=dvi,
        symmetric=False)
    return pld.self_compose(T) if T > 1 else pld


# --------------------------------------------------------------------------
# Cases.  Each case is a picklable tuple; run_case returns a list of
# (line, sanity_checks) so that cases can run in worker processes while the
# output order stays fixed.
# --------------------------------------------------------------------------

A_SIGMAS = [0.5, 1.0, 2.0, 5.0, 20.0]
A_TS = [1, 10, 100, 1000]
A_DELTAS = [1e-5, 1e-8]
A_EPS = [0.5, 1.0, 2.0]

B_QS = [0.01, 0.1, 0.5]
B_SIGMAS = [0.8, 1.0, 2.0, 5.0]
B_TS = [1, 100, 1000]
B_DELTA = 1e-5

C_BS = [0.5, 1.0, 5.0]
C_TS = [1, 10, 100]
C_DELTA = 1e-5

D_AS = [0.1, 1.0]
D_SENS = [1, 2]
D_TS = [1, 10, 100]
D_DELTA = 1e-5

F_S = [1.0, 3.0, 10.0]
F_MU = [2.0, 50.0, 1000.0]
F_TS = [1, 100]
F_DELTA = 1e-5

# Above this eps, exp(-loss) underflows to 0 in dp-accounting's
# get_epsilon_for_delta, which then returns (roughly) the delta-quantile of the
# privacy loss: still an upper bound, but no longer tight, and the "opt"
# values are then no longer lower bounds.
UNDERFLOW_EPS = 700.0


def case_A(sigma, T, fine):
    s_eff = sigma / math.sqrt(T)
    pld = dpa_gauss(sigma, T)
    out, checks = [], []
    for delta in A_DELTAS:
        e_f64 = gauss_eps_f64(s_eff, delta)
        e_mp = gauss_eps_mp(s_eff, delta)
        e_an = dp_accounting.get_epsilon_gaussian(s_eff, delta)
        e_pes = pld.get_epsilon_for_delta(delta)
        e_acc = accountant_eps(dp_accounting.GaussianDpEvent(sigma) if T == 1 else
                               dp_accounting.SelfComposedDpEvent(
                                   dp_accounting.GaussianDpEvent(sigma), T), delta)
        kv = dict(sigma=p(sigma), T=p(T), delta=p(delta),
                  eps_true=v(e_mp),
                  eps_true_f64_reldiff=v(abs(e_f64 - e_mp) / e_mp if e_mp else abs(e_f64)),
                  eps_dpacc_analytic=v(e_an),
                  pes_1e4_selfcompose=v(e_pes),
                  pes_1e4_accountant=v(e_acc))
        if max(e_pes, e_acc) > UNDERFLOW_EPS:
            kv["dpacc_exp_underflow"] = "True"
        out.append(rec("A_EPS", **kv))
        checks.append((f"A sigma={sigma} T={T} delta={delta} selfcompose", e_pes, e_mp))
        checks.append((f"A sigma={sigma} T={T} delta={delta} accountant", e_acc, e_mp))
    for eps in A_EPS:
        with mpmath.workdps(50):
            d_mp = float(gauss_delta_mp(eps, s_eff))
        d_f64 = math.exp(gauss_log_delta_f64(eps, s_eff))
        d_pes = pld.get_delta_for_epsilon(eps)
        out.append(rec("A_DELTA", sigma=p(sigma), T=p(T), eps=p(eps),
                       delta_true=v(d_mp),
                       delta_true_f64_reldiff=v(abs(d_f64 - d_mp) / d_mp if d_mp else abs(d_f64)),
                       pes_1e4_selfcompose=v(d_pes)))
        checks.append((f"A sigma={sigma} T={T} eps={eps} delta", d_pes, d_mp))
    return out, checks


def case_B(rel, q, sigma, T, fine):
    out, checks = [], []
    t0 = time.time()
    e4 = dpa_gauss(sigma, T, 1e-4, q, rel).get_epsilon_for_delta(B_DELTA)
    t4 = time.time() - t0
    ev = dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma))
    if T > 1:
        ev = dp_accounting.SelfComposedDpEvent(ev, T)
    e4_acc = accountant_eps(ev, B_DELTA, rel)
    kv = dict(relation=REL_NAME[rel], q=p(q), sigma=p(sigma), T=p(T),
              delta=p(B_DELTA), pes_1e4=v(e4), pes_1e4_accountant=v(e4_acc))
    if e4 > UNDERFLOW_EPS:
        kv["dpacc_exp_underflow"] = "True"

    lower = None
    if fine:
        e5 = dpa_gauss(sigma, T, 1e-5, q, rel).get_epsilon_for_delta(B_DELTA)
        o5 = dpa_gauss(sigma, T, 1e-5, q, rel, pessimistic=False
                       ).get_epsilon_for_delta(B_DELTA)
        kv.update(pes_1e5=v(e5), opt_1e5=v(o5))
        lower = o5
        checks.append((f"B {REL_NAME[rel]} q={q} sigma={sigma} T={T} pes1e5>=opt1e5", e5, o5))
        checks.append((f"B {REL_NAME[rel]} q={q} sigma={sigma} T={T} pes1e4>=opt1e5", e4, o5))
    if T == 1:
        if rel == AOR:
            er = subsampled_gauss_eps_mp(sigma, q, B_DELTA, "remove")
            ea = subsampled_gauss_eps_mp(sigma, q, B_DELTA, "add")
            ex = max(er, ea)
            kv.update(eps_exact=v(ex), eps_exact_remove=v(er), eps_exact_add=v(ea))
        else:
            ex = subsampled_gauss_eps_mp(sigma, q, B_DELTA, "replace")
            kv.update(eps_exact=v(ex))
        checks.append((f"B {REL_NAME[rel]} q={q} sigma={sigma} T=1 pes1e4>=exact", e4, ex))
        if lower is not None:
            checks.append((f"B {REL_NAME[rel]} q={q} sigma={sigma} T=1 exact>=opt1e5", ex, lower))
    kv["seconds_1e4"] = "%.3f" % t4
    out.append(rec("B_EPS", **kv))
    return out, checks


def case_C(b, T, fine):
    out, checks = [], []
    e4 = dpa_laplace(b, T, 1e-4).get_epsilon_for_delta(C_DELTA)
    kv = dict(b=p(b), T=p(T), delta=p(C_DELTA), pes_1e4=v(e4))
    if fine:
        e6 = dpa_laplace(b, T, 1e-6).get_epsilon_for_delta(C_DELTA)
        o6 = dpa_laplace(b, T, 1e-6, pessimistic=False).get_epsilon_for_delta(C_DELTA)
        kv.update(pes_1e6=v(e6), opt_1e6=v(o6))
        checks.append((f"C b={b} T={T} pes1e6>=opt1e6", e6, o6))
        checks.append((f"C b={b} T={T} pes1e4>=opt1e6", e4, o6))
    if T == 1:
        ex = laplace_eps_exact_T1(b, C_DELTA)
        kv.update(eps_exact=v(ex))
        checks.append((f"C b={b} T=1 pes1e4>=exact", e4, ex))
        if fine:
            checks.append((f"C b={b} T=1 exact>=opt1e6", ex, o6))
    out.append(rec("C_EPS", **kv))
    return out, checks


def case_D(a, sens, T, fine):
    pld = pld_lib.from_discrete_laplace_mechanism(
        a, sensitivity=sens, pessimistic_estimate=True,
        value_discretization_interval=1e-4)
    if T > 1:
        pld = pld.self_compose(T)
    e4 = pld.get_epsilon_for_delta(D_DELTA)
    ex = discrete_laplace_eps_exact(a, sens, T, D_DELTA)
    line = rec("D_EPS", a=p(a), sensitivity=p(sens), T=p(T), delta=p(D_DELTA),
               eps_exact=v(ex), pes_1e4=v(e4))
    return [line], [(f"D a={a} sens={sens} T={T} pes1e4>=exact", e4, ex)]


def build_E(dvi, pessimistic):
    g = pld_lib.from_gaussian_mechanism(
        2.0, pessimistic_estimate=pessimistic, value_discretization_interval=dvi,
        use_connect_dots=pessimistic)
    l = pld_lib.from_laplace_mechanism(
        3.0, pessimistic_estimate=pessimistic, value_discretization_interval=dvi,
        use_connect_dots=pessimistic)
    sg = pld_lib.from_gaussian_mechanism(
        1.0, sampling_prob=0.1, pessimistic_estimate=pessimistic,
        value_discretization_interval=dvi, use_connect_dots=pessimistic
    ).self_compose(50)
    return g.compose(l).compose(sg)


def case_E(fine):
    delta = 1e-6
    e4 = build_E(1e-4, True).get_epsilon_for_delta(delta)
    ev = dp_accounting.ComposedDpEvent([
        dp_accounting.GaussianDpEvent(2.0),
        dp_accounting.LaplaceDpEvent(3.0),
        dp_accounting.SelfComposedDpEvent(
            dp_accounting.PoissonSampledDpEvent(0.1, dp_accounting.GaussianDpEvent(1.0)), 50),
    ])
    e4_acc = accountant_eps(ev, delta)
    kv = dict(delta=p(delta), pes_1e4=v(e4), pes_1e4_accountant=v(e4_acc))
    checks = []
    if fine:
        e5 = build_E(1e-5, True).get_epsilon_for_delta(delta)
        o5 = build_E(1e-5, False).get_epsilon_for_delta(delta)
        kv.update(pes_1e5=v(e5), opt_1e5=v(o5))
        checks += [("E pes1e5>=opt1e5", e5, o5), ("E pes1e4>=opt1e5", e4, o5),
                   ("E accountant>=opt1e5", e4_acc, o5)]
    return [rec("E_EPS", **kv)], checks


def case_F_dgauss(s, T, fine):
    K = int(math.ceil(40 * s))
    k, logpmf = discrete_gaussian_log_pmf(s, K)
    upper, lower = shifted_pair(k, logpmf)
    e4 = dpa_two_pmf(upper, lower, T).get_epsilon_for_delta(F_DELTA)
    ex = discrete_gaussian_eps_exact(s, K, T, F_DELTA)
    # Cross-check with dp-accounting's own discrete Gaussian factory (its own
    # truncation: mass outside the support <= 1e-30).
    dg = pld_lib.from_discrete_gaussian_mechanism(
        s, sensitivity=1, pessimistic_estimate=True,
        value_discretization_interval=1e-4)
    if T > 1:
        dg = dg.self_compose(T)
    e4_dg = dg.get_epsilon_for_delta(F_DELTA)
    kv = dict(s=p(s), truncation_K=p(K), T=p(T), delta=p(F_DELTA),
              eps_exact=v(ex), pes_1e4_two_pmf=v(e4),
              pes_1e4_from_discrete_gaussian=v(e4_dg))
    return [rec("F_DGAUSS_EPS", **kv)], [
        (f"F dgauss s={s} T={T} two_pmf>=exact", e4, ex),
        (f"F dgauss s={s} T={T} from_discrete_gaussian>=exact", e4_dg, ex)]


def case_F_skellam(mu, T, fine):
    K = int(math.ceil(40 * math.sqrt(mu)))
    k, logpmf = skellam_log_pmf(mu, K)
    upper, lower = shifted_pair(k, logpmf)
    e4 = dpa_two_pmf(upper, lower, T).get_epsilon_for_delta(F_DELTA)
    kv = dict(mu=p(mu), truncation_K=p(K), T=p(T), delta=p(F_DELTA), pes_1e4_two_pmf=v(e4))
    checks = []
    if T == 1:
        ex = explicit_pmf_eps_exact_T1(upper, lower, F_DELTA)
        kv["eps_exact"] = v(ex)
        checks.append((f"F skellam mu={mu} T=1 pes1e4>=exact", e4, ex))
    if fine:
        e5 = dpa_two_pmf(upper, lower, T, 1e-5).get_epsilon_for_delta(F_DELTA)
        o5 = dpa_two_pmf(upper, lower, T, 1e-5, False).get_epsilon_for_delta(F_DELTA)
        kv.update(pes_1e5_two_pmf=v(e5), opt_1e5_two_pmf=v(o5))
        checks += [(f"F skellam mu={mu} T={T} pes1e5>=opt1e5", e5, o5),
                   (f"F skellam mu={mu} T={T} pes1e4>=opt1e5", e4, o5)]
    return [rec("F_SKELLAM_EPS", **kv)], checks


def case_G(fine):
    """Time / memory of dp-accounting for T=10000, Gaussian sigma=50, 1e-4."""
    sigma, T, delta = 50.0, 10000, 1e-5
    t0 = time.perf_counter()
    single = pld_lib.from_gaussian_mechanism(sigma, value_discretization_interval=1e-4)
    t1 = time.perf_counter()
    comp = single.self_compose(T)
    t2 = time.perf_counter()
    eps = comp.get_epsilon_for_delta(delta)
    t3 = time.perf_counter()
    # Diagnostic only: private attribute, the length of the dense PMF array.
    n_single = single._pmf_remove.size  # pylint: disable=protected-access
    n_comp = comp._pmf_remove.size      # pylint: disable=protected-access
    tracemalloc.start()
    pld_lib.from_gaussian_mechanism(sigma, value_discretization_interval=1e-4
                                    ).self_compose(T).get_epsilon_for_delta(delta)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ex = gauss_eps_mp(sigma / math.sqrt(T), delta)
    line = rec("G_TIMING", sigma=p(sigma), T=p(T), delta=p(delta),
               eps_true=v(ex), pes_1e4=v(eps),
               seconds_construct="%.3f" % (t1 - t0),
               seconds_self_compose="%.3f" % (t2 - t1),
               seconds_get_epsilon="%.3f" % (t3 - t2),
               pmf_len_single=p(n_single), pmf_len_composed=p(n_comp),
               tracemalloc_peak_MiB="%.1f" % (peak / 2 ** 20))
    return [line], [("G sigma=50 T=10000", eps, ex)]


CASE_FUNCS = {"A": case_A, "B": case_B, "C": case_C, "D": case_D, "E": case_E,
              "F_dgauss": case_F_dgauss, "F_skellam": case_F_skellam, "G": case_G}


def run_case(case):
    name, args = case
    return CASE_FUNCS[name](*args)


def is_memory_heavy(case):
    name, args = case
    return name == "C" and args[1] >= 100 and args[2]


def all_cases(fine):
    cases = []
    cases += [("A", (s, T, fine)) for s in A_SIGMAS for T in A_TS]
    cases += [("B", (rel, q, s, T, fine)) for rel in (AOR, R1)
              for q in B_QS for s in B_SIGMAS for T in B_TS]
    cases += [("C", (b, T, fine)) for b in C_BS for T in C_TS]
    cases += [("D", (a, d, T, fine)) for a in D_AS for d in D_SENS for T in D_TS]
    cases += [("E", (fine,))]
    cases += [("F_dgauss", (s, T, fine)) for s in F_S for T in F_TS]
    cases += [("F_skellam", (mu, T, fine)) for mu in F_MU for T in F_TS]
    return cases


NOTES = [
    "dp-accounting version " + importlib.metadata.version("dp-accounting"),
    "API: privacy_loss_distribution.from_gaussian_mechanism / from_laplace_mechanism / "
    "from_discrete_laplace_mechanism / from_discrete_gaussian_mechanism / "
    "from_two_probability_mass_functions(symmetric=False); PrivacyLossDistribution."
    "self_compose(T) / compose / get_epsilon_for_delta / get_delta_for_epsilon; "
    "pld.PLDAccountant(neighboring_relation, value_discretization_interval).compose(event).get_epsilon",
    "pes_* = pessimistic_estimate=True (connect-the-dots for continuous noise, the default); "
    "opt_* = pessimistic_estimate=False (privacy buckets, floor rounding); self_compose "
    "uses the default tail_mass_truncation=1e-15",
    "A: pes_1e4_selfcompose = from_gaussian_mechanism(sigma).self_compose(T); "
    "pes_1e4_accountant = PLDAccountant with SelfComposedDpEvent(GaussianDpEvent(sigma),T), "
    "which internally builds ONE Gaussian PLD with sigma/sqrt(T) (no numeric composition)",
    "A: eps_true = Balle-Wang exact, solved in mpmath at 50 digits and rounded to double; "
    "eps_true_f64_reldiff = |double-precision log_ndtr/brentq solution - eps_true|/eps_true; "
    "eps_dpacc_analytic = dp_accounting.get_epsilon_gaussian (tol 1e-12), cross-check",
    "Neighbouring relations for the Poisson-subsampled Gaussian, sensitivity argument c=1, noise N(0,sigma^2):",
    "  add_or_remove_one (NeighboringRelation.ADD_OR_REMOVE_ONE): two PLDs, eps=max of both: "
    "REMOVE (mu_upper, mu_lower) = (q N(-c) + (1-q) N(0), N(0)); ADD = (N(0), q N(c) + (1-q) N(0))",
    "  replace_one (NeighboringRelation.REPLACE_ONE): one PLD, AdjacencyType.REPLACE: "
    "(mu_upper, mu_lower) = (q N(-c) + (1-q) N(0), q N(+c) + (1-q) N(0)); the two records sit at "
    "-c and +c, i.e. their DIFFERENCE is 2c. At q=1 this is N(-c) vs N(+c) = Gaussian with "
    "sensitivity 2c (equivalently add/remove with sigma/2). Privacy loss = loss_REMOVE(x)+loss_ADD(x).",
    "  (REPLACE_SPECIAL gives the same PLD as ADD_OR_REMOVE_ONE in from_gaussian_mechanism.)",
    "B: eps_exact (T=1 only) = our closed-form level set + mpmath (40 digits) for the pairs above",
    "C: Laplace density exp(-|x|/b)/(2b), sensitivity 1; eps_exact(T=1) = max(0, 1/b + 2 ln(1-delta))",
    "D: from_discrete_laplace_mechanism(parameter=a, sensitivity=d): pmf = tanh(a/2) exp(-a|k|) on Z "
    "(dp-accounting writes Z=(e^a-1)/(e^a+1)); default use_connect_dots=False (privacy buckets); "
    "eps_exact = exact lattice composition (loss in a*Z)",
    "E: Gaussian(sigma=2) o Laplace(b=3) o [PoissonSampled(q=0.1, Gaussian(sigma=1))]^50, add_or_remove_one",
    "F: two_pmf = from_two_probability_mass_functions(upper=mu, lower=mu(.-1), symmetric=False); "
    "discrete Gaussian pmf prop. to exp(-k^2/(2 s^2)) on |k|<=K=ceil(40 s), renormalised; "
    "Skellam = scipy.stats.skellam(mu/2, mu/2).pmf on |k|<=K=ceil(40 sqrt(mu)), renormalised "
    "(underflowed entries dropped); eps_exact for discrete Gaussian = exact lattice composition "
    "(loss (1-2k)/(2s^2)); for Skellam T=1 = exact hockey-stick on the explicit pmfs",
    "SANITY lines: each check is 'upper >= lower' (pessimistic >= exact, pes >= opt, exact >= opt); "
    "SANITY_FAIL rel = (lower-upper)/lower",
    "dpacc_exp_underflow=True: eps > 700, where exp(-loss) underflows in dp-accounting's "
    "get_epsilon_for_delta; it then returns about the delta-quantile of the privacy loss "
    "(a loose upper bound; opt_* values are then NOT lower bounds)",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="skip fine-grid brackets")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    fine = not args.fast

    print(rec("ENV", python=platform.python_version(),
              dp_accounting=importlib.metadata.version("dp-accounting"),
              numpy=np.__version__, scipy=importlib.metadata.version("scipy"),
              mpmath=mpmath.__version__, fine_grids=str(fine)))
    for n in NOTES:
        print("NOTE " + n)
    sys.stdout.flush()

    # Cases that need ~15 GB (Laplace, T=100, 1e-6 grid) run alone in this
    # process after the worker pool has exited; everything else runs in the
    # pool.  Output is printed afterwards in the fixed case order.
    cases = all_cases(fine)
    serial = [i for i, c in enumerate(cases) if is_memory_heavy(c)]
    results = [None] * len(cases)
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.workers) as ex:
        futures = {i: ex.submit(run_case, c) for i, c in enumerate(cases)
                   if i not in serial}
        for i, fut in futures.items():
            results[i] = fut.result()
            print("done", cases[i][0], cases[i][1], file=sys.stderr, flush=True)
    for i in serial:
        results[i] = run_case(cases[i])
        print("done", cases[i][0], cases[i][1], file=sys.stderr, flush=True)
    # Section G runs alone so that its timing is not disturbed by a worker.
    results.append(case_G(fine))

    all_checks = []
    for lines, checks in results:
        for line in lines:
            print(line)
        all_checks += checks

    n_bad = 0
    for label, upper, lower in all_checks:
        # Relative slack of 1e-12 for values that agree to rounding.
        ok = upper >= lower - 1e-12 * max(1.0, abs(lower))
        if not ok:
            n_bad += 1
            print(rec("SANITY_FAIL", check=label.replace(" ", "_"),
                      upper=v(upper), lower=v(lower),
                      rel=v((lower - upper) / abs(lower))))
    print(rec("SANITY", checks=p(len(all_checks)), failures=p(n_bad)))


if __name__ == "__main__":
    main()
