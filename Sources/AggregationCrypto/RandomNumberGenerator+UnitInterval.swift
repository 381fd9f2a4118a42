extension RandomNumberGenerator {
  /// A uniform draw from [0, 1) on the grid of 2⁻⁵³: one 64-bit word's low 53 bits × 2⁻⁵³.
  ///
  /// The same value, from the same words, as the standard library's
  /// `Double.random(in: 0..<1, using:)`, without its generic dispatch, which a caller generic over
  /// its generator pays on every draw (half of a client's encoding time at 10⁵ coordinates).
  /// One word per draw: never rejects, never loops.
  @inlinable
  package mutating func nextUnitInterval() -> Double {
    Double(next() & (1 << 53 - 1)) * 0x1p-53
  }
}
