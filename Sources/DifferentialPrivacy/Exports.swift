// The samplers take any RandomNumberGenerator; the one to use in production is the crypto
// layer's securely seeded ChaChaRandomNumberGenerator, and AggregationCrypto is not a product
// of its own: re-export it so that `import DifferentialPrivacy` is all a user writes.
@_exported public import AggregationCrypto
