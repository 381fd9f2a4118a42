#!/usr/bin/env python3
"""Reference values for AuthorsReferenceTests.swift from the authors' own accounting code.

The distributed discrete Gaussian (Kairouz, Liu & Steinke, ICML 2021) and the distributed
Skellam mechanism (Agarwal, Kairouz & Liu, NeurIPS 2021) are accounted by their authors in
google-research/federated, distributed_dp/accounting_utils.py, which calls tensorflow-privacy
0.8.0's rdp_accountant.get_privacy_spent. This script imports that file unchanged from a
checkout (see README.md beside it), calls its public functions and prints every case as the
Swift literal AuthorsReferenceTests.swift holds inline. It contains none of the authors' code:

- heuristic_scale_factor, ddgauss_epsilon, skellam_epsilon and compute_rdp_dgaussian give every
  number (scale, sensitivities, tau, RDP, epsilon, optimal order);
- the intermediate values are read off by wrapping the authors' own functions (the wrapper
  records the arguments and result of each call and returns the result unchanged);
- which branch of each `min` is active is decided by comparing values the authors' functions
  return (for the rounding bound and the sampling bound), or, for the terms inside the
  mechanisms' RDP formulas, by evaluating the papers' formulas (Kairouz et al. Proposition 14 /
  Eq. 17; Agarwal et al. Theorem 3.5) in 50-digit arithmetic from the recorded inputs. That
  re-evaluation only names the branch; it is checked against the authors' value to 1e-12.

Usage: python3 authors_distributed_references.py --federated PATH [--tf-privacy PATH]
"""
import argparse
import hashlib
import importlib.util
import math
import sys

import mpmath

AUTHORS_REPOSITORY = 'google-research/federated'
AUTHORS_COMMIT = 'a5af8c4433c9ee2d2b1565f1bcc68c89e2000a6b'
# sha256 of distributed_dp/accounting_utils.py at AUTHORS_COMMIT.
ACCOUNTING_UTILS_SHA256 = (
    'db2f910b1e4ee6cdba44868cdc58b230069608059339594fd500c767437da703')

DELTA = 1e-5
HALF = math.exp(-0.5)  # the authors' default beta for conditional rounding
TIE = 1e-12  # branches this close (relative) are reported as a tie


def load_authors(federated, tf_privacy):
  """The authors' accounting_utils module and the tensorflow_privacy package it calls."""
  path = f'{federated}/distributed_dp/accounting_utils.py'
  with open(path, 'rb') as handle:
    digest = hashlib.sha256(handle.read()).hexdigest()
  if digest != ACCOUNTING_UTILS_SHA256:
    sys.exit(f'{path} is not the file at {AUTHORS_COMMIT} (sha256 {digest})')
  if tf_privacy:
    sys.path.insert(0, tf_privacy)
  # tensorflow_privacy's own switch for standalone scripts: its __init__ then skips every
  # TensorFlow import, and with them the re-exports of rdp_accountant's functions, which are
  # attached here by hand -- the very objects `tensorflow_privacy.get_privacy_spent` names when
  # TensorFlow is installed. rdp_accountant itself needs only numpy and scipy.
  sys.skip_tf_privacy_import = True
  import tensorflow_privacy  # pylint: disable=g-import-not-at-top
  from tensorflow_privacy.privacy.analysis import rdp_accountant  # pylint: disable=g-import-not-at-top
  if tensorflow_privacy.__version__ != '0.8.0':
    sys.exit(f'need tensorflow-privacy 0.8.0, found {tensorflow_privacy.__version__}')
  tensorflow_privacy.get_privacy_spent = rdp_accountant.get_privacy_spent
  tensorflow_privacy.compute_rdp = rdp_accountant.compute_rdp
  spec = importlib.util.spec_from_file_location('accounting_utils', path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module, tensorflow_privacy


class Recorder:
  """Wraps functions of a module so that each call's arguments and result are kept."""

  def __init__(self):
    self.calls = {}
    self.originals = {}

  def wrap(self, module, name):
    original = getattr(module, name)
    self.originals[name] = original

    def recorded(*args, **kwargs):
      result = original(*args, **kwargs)
      self.calls.setdefault(name, []).append((args, kwargs, result))
      return result

    setattr(module, name, recorded)

  def only(self, name):
    (call,) = self.calls[name]
    return call

  def clear(self):
    self.calls.clear()


def active(values, names):
  """The names of the smallest values, ties within TIE joined."""
  smallest = min(values)
  return [name for value, name in zip(values, names)
          if value == smallest or abs(value - smallest) <= TIE * abs(smallest)]


def relative(a, b):
  return 0.0 if a == b else abs(a - b) / abs(b)


def l2_branch(au, scaled_clip, beta, dim, l2_int):
  """Which bound rounded_l2_norm_bound returned: the authors' function at beta = 0 gives the
  unconditional bound alone, so a smaller result is the conditional bound."""
  if beta == 0:
    return '.unconditional'
  unconditional = au.rounded_l2_norm_bound(scaled_clip, 0.0, dim)
  return '.conditional' if l2_int < unconditional else '.plain'


def l1_branch(dim, l2_int):
  # rounded_l1_norm_bound multiplies Delta_2 by the smaller of sqrt(d) and Delta_2.
  return '.l2' if l2_int < math.sqrt(dim) else '.sqrtD'


def sampling_branch(q, per_round, unamplified):
  if q == 1:
    return '.none'
  return '.subsampled' if per_round < unamplified else '.unamplified'


def prop14_terms(order, l1_scale, l2_scale, tau, dim):
  """Kairouz, Liu & Steinke 2021, Proposition 14 (Eq. 17), in 50 digits: the three bounds on
  the RDP of the distributed discrete Gaussian, with l*_scale = Delta_*/(sqrt(n) sigma)."""
  mpmath.mp.dps = 50
  a, p, s, t, d = (mpmath.mpf(v) for v in (order, l1_scale, l2_scale, tau, dim))
  return [a / 2 * s * s + t * d,
          a / 2 * (s * s + 2 * p * t + t * t * d),
          a / 2 * (s + mpmath.sqrt(d) * t) ** 2]


def skellam_terms(order, l1_int, l2_int, variance_int):
  """Agarwal, Kairouz & Liu 2021, Theorem 3.5, in 50 digits and integer units: the Gaussian
  part and the two sides of the min."""
  mpmath.mp.dps = 50
  a, p, s, m = (mpmath.mpf(v) for v in (order, l1_int, l2_int, variance_int))
  return (a * s * s / (2 * m), ((2 * a - 1) * s * s + 6 * p) / (4 * m * m), 3 * p / (2 * m))


def ddg_case(au, tfp, recorder, name, n, d, bits, q, rounds, clip, beta, z):
  local = z * clip / math.sqrt(n)  # the authors' local stddev, original units
  scale = au.heuristic_scale_factor(local, clip, bits, n, d, 4, rho=1.0)  # k = 4 (ddgauss_params)
  recorder.clear()
  epsilon, order = au.ddgauss_epsilon(1.0 / scale, local, n, clip, beta, d, q, rounds, DELTA)
  order = int(order)
  l2_args, _, l2_int = recorder.only('rounded_l2_norm_bound')
  _, _, l1_int = recorder.only('rounded_l1_norm_bound')
  rdp_args, _, _ = recorder.only('compute_rdp_dgaussian')
  orders, rdp = recorder.only('get_privacy_spent')[0][:2]
  _, l1_scale, l2_scale, tau, _, _, _ = rdp_args
  total = float(rdp[list(orders).index(order)])
  compute = recorder.originals['compute_rdp_dgaussian']
  unamplified = float(compute(1, l1_scale, l2_scale, tau, d, 1, [order])[0])
  per_round = float(compute(q, l1_scale, l2_scale, tau, d, 1, [order])[0])
  terms = prop14_terms(order, l1_scale, l2_scale, tau, d)
  assert relative(float(min(terms)), unamplified) <= TIE, (name, terms, unamplified)
  mechanism = active(terms, ['.first', '.second', '.third'])
  return dict(
      name=name, n=n, d=d, bits=bits, q=q, rounds=rounds, clip=clip, beta=beta, z=z,
      scale=scale, localSigma=local * scale, l2=float(l2_int), l1=float(l1_int), tau=tau,
      unamplified=unamplified, perRound=per_round, total=total, epsilon=float(epsilon),
      order=order,
      branches=(l2_branch(au, l2_args[0], beta, d, l2_int), l1_branch(d, l2_int),
                '[' + ', '.join(mechanism) + ']', sampling_branch(q, per_round, unamplified)))


def skellam_case(au, tfp, recorder, name, n, d, bits, q, rounds, clip, beta, z):
  local = z * clip / math.sqrt(n)
  central = local * math.sqrt(n)  # skellam_epsilon takes the central stddev
  scale = au.heuristic_scale_factor(local, clip, bits, n, d, 3, rho=1.0)  # k = 3 (skellam_params)
  recorder.clear()
  epsilon, order = au.skellam_epsilon(scale, central, clip, beta, d, q, rounds, DELTA)
  order = int(order)
  l2_args, _, l2_int = recorder.only('rounded_l2_norm_bound')
  _, _, l1_int = recorder.only('rounded_l1_norm_bound')
  orders, rdp = recorder.only('get_privacy_spent')[0][:2]
  total = float(rdp[list(orders).index(order)])

  def one_round(rate):
    # skellam_epsilon hands the per-order RDP to get_privacy_spent: one round at this order.
    recorder.clear()
    au.skellam_epsilon(scale, central, clip, beta, d, rate, 1, DELTA, orders=[order])
    return float(recorder.only('get_privacy_spent')[0][1][0])

  unamplified = one_round(1.0)
  per_round = one_round(q)
  variance_int = (central * scale) ** 2
  gaussian, tight, simple = skellam_terms(order, l1_int, l2_int, variance_int)
  assert relative(float(gaussian + min(tight, simple)), unamplified) <= TIE, name
  mechanism = active([tight, simple], ['.tight', '.simple'])
  assert len(mechanism) == 1, (name, tight, simple)
  return dict(
      name=name, n=n, d=d, bits=bits, q=q, rounds=rounds, clip=clip, beta=beta, z=z,
      scale=scale, localSigma=local * scale, l2=float(l2_int), l1=float(l1_int),
      variance=variance_int, unamplified=unamplified, perRound=per_round, total=total,
      epsilon=float(epsilon), order=order,
      branches=(l2_branch(au, l2_args[0], beta, d, l2_int), l1_branch(d, l2_int),
                mechanism[0], sampling_branch(q, per_round, unamplified)))


# (name, n, d, bits, q, T, C, beta, z); the comment says which branches the case is for.
DDG_CASES = [
    ('D01', 100, 256, 16, 1.0, 1, 1.0, HALF, 1.0),  # tau underflows to 0: terms tie
    ('D02', 1000, 65536, 12, 0.1, 100, 1.0, HALF, 3.0),  # tau = 0, L1 = L2^2
    ('D03', 1000, 65536, 20, 0.01, 1000, 10.0, HALF, 3.0),  # tau = 0, C = 10
    ('D04', 1000, 65536, 16, 1.0, 1, 1.0, HALF, 1.0),  # tau = 0
    ('D05', 1000, 256, 12, 1.0, 1, 1.0, HALF, 4.0),  # term 2
    ('D06', 1000, 256, 12, 0.1, 100, 10.0, HALF, 4.0),  # term 2, C = 10
    ('D07', 1000, 256, 12, 0.01, 1000, 1.0, HALF, 4.0),  # term 2
    ('D08', 1000, 256, 12, 0.1, 1000, 1.0, HALF, 6.0),  # tau ~ 5.6e-10, term 2
    ('D09', 1000, 256, 12, 0.01, 1, 1.0, HALF, 4.0),  # term 1
    ('D10', 100, 4, 12, 1.0, 1, 1.0, HALF, 1.0),  # term 1
    ('D11', 100, 4, 12, 0.01, 100, 1.0, 1e-4, 1.0),  # L2: sC + sqrt(d)
    ('D12', 100, 4, 12, 0.1, 1, 1.0, 0.0, 1.0),  # beta = 0
    ('D13', 1000, 256, 14, 0.1, 1, 1.0, HALF, 1.0),  # term 2 = term 3
    ('D14', 1000, 256, 14, 1.0, 1, 1.0, HALF, 1.2),  # term 2 = term 3
    ('D15', 1000, 256, 12, 0.9, 10, 1.0, HALF, 4.0),  # unamplified wins
]
SKELLAM_CASES = [
    ('S01', 100, 256, 16, 1.0, 1, 1.0, HALF, 1.0),
    ('S02', 1000, 65536, 12, 0.1, 100, 1.0, HALF, 3.0),  # L1 = L2^2
    ('S03', 1000, 65536, 16, 0.01, 1000, 10.0, HALF, 1.0),  # C = 10
    ('S04', 100, 65536, 20, 0.1, 1, 1.0, HALF, 1.0),
    ('S05', 1000, 256, 20, 0.01, 100, 1.0, HALF, 1.0),
    ('S06', 100, 65536, 12, 0.01, 1000, 1.0, HALF, 3.0),
    ('S07', 1000, 65536, 12, 0.01, 1, 1.0, HALF, 0.5),  # L1 = L2^2
    ('S08', 100, 256, 16, 0.1, 1000, 10.0, HALF, 3.0),
    ('S09', 1000, 4, 12, 0.1, 1, 1.0, HALF, 1.0),  # min: 3 D1/(2 mu)
    ('S10', 1000, 4, 12, 0.01, 1, 1.0, HALF, 1.0),  # min: 3 D1/(2 mu)
    ('S11', 1000, 256, 12, 0.9, 1, 1.0, HALF, 3.0),  # unamplified wins
    ('S12', 1000, 256, 12, 0.9, 10, 1.0, 0.0, 5.0),  # beta = 0
    ('S13', 100, 4, 12, 0.1, 100, 1.0, 1e-4, 2.0),  # L2: sC + sqrt(d)
    ('S14', 1000, 4, 16, 0.01, 1000, 1.0, HALF, 1.0),
]


def literal(value):
  """The shortest decimal that reads back as the same double (Swift parses it identically)."""
  if isinstance(value, int):
    return str(value)
  text = repr(float(value))
  return text[:-2] if text.endswith('.0') else text


def swift(case, kind):
  inputs = ', '.join(f'{key}: {literal(case[key])}'
                     for key in ('n', 'd', 'bits', 'q', 'rounds', 'clip', 'beta', 'z'))
  middle = 'tau' if kind == 'DDG' else 'variance'
  values = ', '.join(f'{key}: {literal(case[key])}'
                     for key in ('scale', 'localSigma', 'l2', 'l1', middle, 'unamplified',
                                 'perRound', 'total', 'epsilon', 'order'))
  return (f'    {kind}(\n      "{case["name"]}", {inputs},\n      {values},\n'
          f'      branches: ({", ".join(case["branches"])})),')


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--federated', required=True,
                      help=f'a checkout of {AUTHORS_REPOSITORY} at {AUTHORS_COMMIT}')
  parser.add_argument('--tf-privacy', default=None,
                      help='a directory holding tensorflow_privacy 0.8.0 (pip --target)')
  arguments = parser.parse_args()
  au, tfp = load_authors(arguments.federated, arguments.tf_privacy)
  recorder = Recorder()
  for name in ('rounded_l2_norm_bound', 'rounded_l1_norm_bound', 'compute_rdp_dgaussian'):
    recorder.wrap(au, name)
  recorder.wrap(tfp, 'get_privacy_spent')
  print(f'  // {AUTHORS_REPOSITORY} @ {AUTHORS_COMMIT}, tensorflow-privacy 0.8.0, '
        f'delta = {DELTA}')
  print('  static let ddgCases: [DDG] = [')
  for case in DDG_CASES:
    print(swift(ddg_case(au, tfp, recorder, *case), 'DDG'))
  print('  ]\n\n  static let skellamCases: [Skellam] = [')
  for case in SKELLAM_CASES:
    print(swift(skellam_case(au, tfp, recorder, *case), 'Skellam'))
  print('  ]')


if __name__ == '__main__':
  main()
