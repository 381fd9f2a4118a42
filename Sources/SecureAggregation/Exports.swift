// The crypto layer's public types (SecureBytes, RandomSource, Modulus, the key types) appear in
// this module's API, and AggregationCrypto is not a product of its own: re-export it so that
// `import SecureAggregation` is all a user writes.
@_exported public import AggregationCrypto
