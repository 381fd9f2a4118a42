import Testing

@testable import SecureAggregation

/// Reed–Solomon decoding of Shamir shares (issue 12, finding 3): up to ⌊(r − t)/2⌋ wrong shares
/// among r are corrected and named.
@Suite struct ErrorCorrectionTests {
  /// `share` with every element moved by `offset` (mod p): a wrong share of the same shape.
  static func corrupted(_ share: SecretShare, by offset: UInt64) -> SecretShare {
    share.tampered(by: offset)
  }

  // Random thresholds, share counts and error positions (seeded): every error count up to the
  // unique-decoding bound is corrected, and exactly the wrong shares are named.
  @Test func correctsUpToTheBoundAndNamesTheWrongShares() throws {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 12)
    for trial in 0..<60 {
      let threshold = Int.random(in: 1...12, using: &random)
      let count = threshold + Int.random(in: 0...12, using: &random)
      let secret = SecureBytes(
        randomCount: Int.random(in: 1...40, using: &random),
        from: .insecureDeterministic(seed: UInt64(trial)))
      let ids = (1...200).map { UInt16($0) }.shuffled(using: &random).prefix(count)
      var shares = try ShamirSecretSharing.split(
        secret, threshold: threshold, shareIDs: Array(ids),
        randomSource: .insecureDeterministic(seed: UInt64(1_000 + trial)))
      let errors = Int.random(in: 0...((count - threshold) / 2), using: &random)
      let positions = Array(shares.indices.shuffled(using: &random).prefix(errors))
      for position in positions {
        shares[position] = Self.corrupted(
          shares[position], by: UInt64.random(in: 1..<PrimeField.modulus, using: &random))
      }
      let decoded = try ShamirSecretSharing.variableTimeReconstructCorrectingErrors(
        from: shares, threshold: threshold)
      #expect(decoded.secret == secret, "trial \(trial): t \(threshold) r \(count) e \(errors)")
      #expect(
        Set(decoded.wrongShareIDs) == Set(positions.map { shares[$0].id }),
        "trial \(trial)")
    }
  }

  // One error more than the bound is never silently "corrected" to the true secret with the
  // wrong culprits: the decoder either refuses or returns another polynomial (which the server's
  // commitment check then refuses).
  @Test func beyondTheBoundItNeverClaimsTheTruth() throws {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 13)
    var refused = 0
    for trial in 0..<40 {
      let threshold = Int.random(in: 2...8, using: &random)
      let count = threshold + 2 * Int.random(in: 0...4, using: &random)
      let errors = (count - threshold) / 2 + 1
      let secret = SecureBytes(randomCount: 32, from: .insecureDeterministic(seed: UInt64(trial)))
      var shares = try ShamirSecretSharing.split(
        secret, threshold: threshold, shareCount: count,
        randomSource: .insecureDeterministic(seed: UInt64(500 + trial)))
      for position in shares.indices.shuffled(using: &random).prefix(errors) {
        shares[position] = Self.corrupted(
          shares[position], by: UInt64.random(in: 1..<PrimeField.modulus, using: &random))
      }
      if let decoded = try? ShamirSecretSharing.variableTimeReconstructCorrectingErrors(
        from: shares, threshold: threshold)
      {
        #expect(decoded.secret != secret, "trial \(trial)")
      } else {
        refused += 1
      }
    }
    // Random errors beyond the bound almost never land on another codeword: most are refused,
    // so this test is not passing by the decoder refusing everything (the test above decodes).
    #expect(refused >= 30)
  }

  // No errors: the decoder agrees with plain reconstruction and names nobody; with r = t it
  // cannot detect anything, which is why the server checks a commitment.
  @Test func withoutRedundancyEveryWordDecodes() throws {
    let secret = SecureBytes(randomCount: 32, from: .insecureDeterministic(seed: 3))
    let shares = try ShamirSecretSharing.split(
      secret, threshold: 4, shareCount: 4, randomSource: .insecureDeterministic(seed: 4))
    let clean = try ShamirSecretSharing.variableTimeReconstructCorrectingErrors(
      from: shares, threshold: 4)
    #expect(clean.secret == secret)
    #expect(clean.wrongShareIDs.isEmpty)
    var bad = shares
    bad[1] = Self.corrupted(bad[1], by: 1)
    if let decoded = try? ShamirSecretSharing.variableTimeReconstructCorrectingErrors(
      from: bad, threshold: 4)
    {
      #expect(decoded.secret != secret)
      #expect(decoded.wrongShareIDs.isEmpty)
    }
    #expect(throws: SecureAggregationError.tooFewShares(needed: 4, received: 3)) {
      try ShamirSecretSharing.variableTimeReconstructCorrectingErrors(
        from: Array(shares.prefix(3)), threshold: 4)
    }
    #expect(throws: SecureAggregationError.duplicateShareID(shares[0].id)) {
      try ShamirSecretSharing.variableTimeReconstructCorrectingErrors(
        from: shares + [shares[0]], threshold: 4)
    }
  }
}
