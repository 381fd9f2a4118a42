#!/usr/bin/env python3
"""Reference values for the Gaussian accountant tests, from dp-accounting 0.6.0 and mpmath.

Prints, as Swift literals, the inline constants of
- RDPAccountantTests.swift: dp-accounting's epsilon and optimal order for the Poisson-subsampled
  Gaussian composed T times on its default orders (`dpAccountingReference`), and its RDP per
  order for a few (z, q) (`dpAccountingRDP`);
- CalibrationTests.swift: one row of that table (z = 1, q = 0.01, T = 100, delta = 1e-5);
- AnalyticGaussianTests.swift: the exact epsilon, delta and sigma of one Gaussian release
  (Balle & Wang 2018, Theorem 8), solved in 50-digit arithmetic (mpmath) and checked against
  dp-accounting's get_epsilon_gaussian / get_sigma_gaussian;
- ZCDPTests.swift: the tight rho-zCDP conversion (Canonne, Kamath & Steinke 2020, Corollary 13),
  minimised over the order in 50-digit arithmetic; the same via dp-accounting on its order grid
  (ZCDpEvent, compute_epsilon); and the standard bound rho + 2 sqrt(rho log(1/delta)).

It calls dp-accounting's public API only (RdpAccountant, its events, rdp, orders,
get_epsilon_and_optimal_order, compute_epsilon, get_epsilon_gaussian, get_sigma_gaussian) and
contains none of its code. The 50-digit closed forms are written from the papers.

Usage: pip install dp-accounting==0.6.0; python3 dp_accounting_references.py
"""
import math

from absl import logging
import dp_accounting
from dp_accounting.rdp import rdp_privacy_accountant as rdp
import mpmath

mpmath.mp.dps = 50
# dp-accounting warns for every fractional order whose series it gives up on (it is then +inf,
# and the Swift tests expect +inf there too); the tables are the output.
logging.set_verbosity(logging.ERROR)


def literal(value):
  """The shortest decimal that reads back as the same double."""
  text = repr(float(value))
  return text[:-2] if text.endswith('.0') else text


def subsampled_gaussian(z, q, orders=None):
  accountant = rdp.RdpAccountant(orders)
  accountant.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)))
  return accountant


def epsilon_table():
  """RDPAccountantTests.dpAccountingReference: (z, q, T, delta, epsilon, optimal order)."""
  print('  // RDPAccountantTests.dpAccountingReference')
  for z in [0.5, 0.8, 1.0, 2.0, 5.0]:
    for q in [0.001, 0.01, 0.1, 1.0]:
      for t in [1, 10, 100, 1000]:
        for d in [1e-5, 1e-6]:
          a = rdp.RdpAccountant()
          a.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)), t)
          e, o = a.get_epsilon_and_optimal_order(d)
          print(f'      ({literal(z)}, {q}, {t}, {d:g}, {literal(e)}, {literal(o)}),')


RDP_ORDERS = [1.1, 1.5, 2, 2.5, 3, 4.7, 8, 10.9, 20, 32, 63, 128, 256, 1024]


def rdp_table():
  """RDPAccountantTests.dpAccountingRDP: one round's RDP at RDP_ORDERS for each (z, q)."""
  print('  // RDPAccountantTests.dpAccountingRDP, orders', RDP_ORDERS)
  for z, q in [(0.5, 0.01), (0.8, 0.1), (1.0, 0.001), (1.0, 0.1), (2.0, 0.01), (5.0, 0.001),
               (5.0, 0.5), (1.5, 1.0)]:
    values = subsampled_gaussian(z, q, RDP_ORDERS).rdp
    print(f'      ({literal(z)}, {q}, [{", ".join(literal(v) for v in values)}]),')


def phi(x):
  return mpmath.ncdf(x)


def gaussian_delta(epsilon, sigma, sensitivity=1):
  """Balle & Wang 2018, Theorem 8: the smallest delta of N(0, sigma^2) noise at epsilon."""
  e, s, c = (mpmath.mpf(v) for v in (epsilon, sigma, sensitivity))
  return phi(c / (2 * s) - e * s / c) - mpmath.exp(e) * phi(-c / (2 * s) - e * s / c)


def bisect(function, low, high, steps=400):
  """The root of a monotone function on [low, high], to 50 digits."""
  low, high = mpmath.mpf(low), mpmath.mpf(high)
  rising = function(high) > function(low)
  for _ in range(steps):
    middle = (low + high) / 2
    if (function(middle) > 0) == rising:
      high = middle
    else:
      low = middle
  return (low + high) / 2


def analytic_gaussian():
  print('  // AnalyticGaussianTests: (sigma, delta, epsilon), sensitivity 1')
  for sigma, delta in [(1.0, 1e-5), (2.0, 1e-5), (0.5, 1e-5), (5.0, 1e-10), (1.0, 1e-100)]:
    log_delta = mpmath.log(mpmath.mpf(delta))
    epsilon = bisect(lambda e, s=sigma: mpmath.log(gaussian_delta(e, s)) - log_delta, 0, 100)
    if delta >= 1e-12:  # dp-accounting's log-cdf route, as a cross-check
      check = dp_accounting.get_epsilon_gaussian(sigma, delta, tol=1e-15)
      assert abs(check - float(epsilon)) <= 1e-12 * float(epsilon), (sigma, check, epsilon)
    print(f'      ({literal(sigma)}, {delta:g}, {literal(epsilon)}),')
  print('  // AnalyticGaussianTests: (epsilon, delta, sigma), sensitivity 1')
  for epsilon, delta in [(1.0, 1e-5), (0.1, 1e-6), (8.0, 1e-9)]:
    log_delta = mpmath.log(mpmath.mpf(delta))
    sigma = bisect(lambda s, e=epsilon: mpmath.log(gaussian_delta(e, s)) - log_delta, 0.01, 1000)
    check = dp_accounting.get_sigma_gaussian(epsilon, delta, tol=1e-15)
    assert abs(check - float(sigma)) <= 1e-12 * float(sigma), (epsilon, check, sigma)
    print(f'      ({literal(epsilon)}, {delta:g}, {literal(sigma)}),')
  print('  // AnalyticGaussianTests: (epsilon, sigma, sensitivity, delta)')
  for epsilon, sigma, sensitivity in [(1.0, 1.0, 1.0), (0.5, 3.0, 2.0), (30.0, 1.0, 1.0)]:
    delta = gaussian_delta(epsilon, sigma, sensitivity)
    print(f'      ({literal(epsilon)}, {literal(sigma)}, {literal(sensitivity)}, '
          f'{literal(delta)}),')


def zcdp():
  print('  // ZCDPTests: (rho, delta, tight epsilon, its order, grid epsilon, grid order, bound)')
  for rho, delta in [(0.01, 1e-5), (0.2, 1e-6), (0.5, 1e-5), (3.0, 1e-5), (0.2, 1e-10)]:
    r, log_delta = mpmath.mpf(rho), mpmath.log(mpmath.mpf(delta))

    def objective(alpha):  # Canonne, Kamath & Steinke 2020, Corollary 13
      return alpha * r + mpmath.log1p(-1 / alpha) - (log_delta + mpmath.log(alpha)) / (alpha - 1)

    # The objective falls then rises in alpha: find where its derivative changes sign, in
    # log(alpha - 1) for a bracket from 1 + 1e-12 to 1 + 1e12.
    t = bisect(lambda u: mpmath.diff(objective, 1 + mpmath.exp(u)), -27, 27)
    alpha = 1 + mpmath.exp(t)
    accountant = rdp.RdpAccountant()
    accountant.compose(dp_accounting.ZCDpEvent(rho))
    grid, grid_order = accountant.get_epsilon_and_optimal_order(delta)
    bound = r + 2 * mpmath.sqrt(r * -log_delta)
    print(f'      ({literal(rho)}, {delta:g}, {literal(objective(alpha))}, {literal(alpha)}, '
          f'{literal(grid)}, {literal(grid_order)}, {literal(bound)}),')


def main():
  epsilon_table()
  rdp_table()
  analytic_gaussian()
  zcdp()


if __name__ == '__main__':
  main()
