// The samplers draw from the crypto layer's randomness (RandomSource, ChaChaRandomNumberGenerator),
// which appears in this module's API, and AggregationCrypto is not a product of its own:
// re-export it so that `import DifferentialPrivacy` is all a user writes.
@_exported public import AggregationCrypto
