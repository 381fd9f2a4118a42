import AggregationCrypto
import Testing

@testable import SecureAggregation

@Suite struct ShamirSecretSharingTests {
  private func subsets<T>(of items: [T], size: Int) -> [[T]] {
    guard size > 0 else { return [[]] }
    guard items.count >= size else { return [] }
    let first = items[0]
    let rest = Array(items.dropFirst())
    return subsets(of: rest, size: size - 1).map { [first] + $0 } + subsets(of: rest, size: size)
  }

  // Every t-subset of n = 7 shares rebuilds the secret, for every threshold; t − 1 do not.
  @Test(arguments: 1...7)
  func everyThresholdSubsetReconstructs(threshold: Int) throws {
    let secret = SecureBytes(randomCount: 32)
    let shares = try ShamirSecretSharing.split(secret, threshold: threshold, shareCount: 7)
    #expect(shares.map(\.id) == Array(1...7))
    for subset in subsets(of: shares, size: threshold) {
      #expect(try ShamirSecretSharing.reconstruct(from: subset, threshold: threshold) == secret)
      #expect(
        try ShamirSecretSharing.reconstruct(from: subset.reversed(), threshold: threshold) == secret
      )
    }
    for subset in subsets(of: shares, size: threshold - 1) {
      #expect(
        throws: SecureAggregationError.tooFewShares(needed: threshold, received: threshold - 1)
      ) {
        try ShamirSecretSharing.reconstruct(from: subset, threshold: threshold)
      }
    }
  }

  // t − 1 shares reveal nothing: for any candidate secret there is a t-th share that, with them,
  // rebuilds exactly that candidate (so every secret is equally consistent with what they hold).
  @Test(arguments: [(2, 5), (3, 5), (5, 9), (10, 10)])
  func fewerThanThresholdSharesAreConsistentWithAnySecret(threshold: Int, shareCount: Int) throws {
    let source = RandomSource.insecureDeterministic(seed: UInt64(threshold * 100 + shareCount))
    let secret = SecureBytes(randomCount: 32, from: source)
    let shares = try ShamirSecretSharing.split(
      secret, threshold: threshold, shareCount: shareCount, randomSource: source)
    let held = Array(shares.prefix(threshold - 1))
    let freshID = UInt16(shareCount + 1)
    for _ in 0..<5 {
      let candidate = SecureBytes(randomCount: 32, from: source)
      let anchor = SecretShare(
        id: 0, secretByteCount: 32, values: ShamirSecretSharing.encodeChunks(candidate))
      let completion = SecretShare(
        id: freshID, secretByteCount: 32,
        values: ShamirSecretSharing.interpolate([anchor] + held, at: UInt64(freshID)))
      let rebuilt = try ShamirSecretSharing.reconstruct(
        from: held + [completion], threshold: threshold)
      #expect(rebuilt == candidate)
      #expect(rebuilt != secret)
    }
  }

  // Property test: random (n, t) up to n = 1000, random secret lengths, random share subsets.
  @Test func randomParametersReconstruct() throws {
    let random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 2017)
    var generator = random
    for trial in 0..<12 {
      let shareCount = trial == 0 ? 1000 : Int.random(in: 1...1000, using: &generator)
      let threshold = trial == 0 ? 1000 : Int.random(in: 1...shareCount, using: &generator)
      let length = Int.random(in: 1...48, using: &generator)
      let secret = SecureBytes(randomCount: length, from: .insecureDeterministic(random))
      let shares = try ShamirSecretSharing.split(
        secret, threshold: threshold, shareCount: shareCount,
        randomSource: .insecureDeterministic(random))
      let chosen = Array(shares.shuffled(using: &generator).prefix(threshold))
      #expect(try ShamirSecretSharing.reconstruct(from: chosen, threshold: threshold) == secret)
      #expect(
        throws: SecureAggregationError.tooFewShares(needed: threshold, received: threshold - 1)
      ) {
        try ShamirSecretSharing.reconstruct(from: Array(chosen.dropLast()), threshold: threshold)
      }
    }
  }

  @Test func arbitraryIDsAndTheLargestCohort() throws {
    let secret = SecureBytes([0xff, 0x00, 0x7f])
    let ids: [UInt16] = [65535, 3, 40_000, 1, 777]
    let shares = try ShamirSecretSharing.split(secret, threshold: 3, shareIDs: ids)
    #expect(shares.map(\.id) == ids)
    #expect(
      try ShamirSecretSharing.reconstruct(from: [shares[4], shares[0], shares[2]], threshold: 3)
        == secret)
    let many = try ShamirSecretSharing.split(secret, threshold: 2, shareCount: 65535)
    #expect(many.count == 65535)
    #expect(
      try ShamirSecretSharing.reconstruct(from: [many[65534], many[0]], threshold: 2) == secret)
  }

  @Test func invalidParametersAreTypedErrors() {
    let secret = SecureBytes(randomCount: 32)
    #expect(throws: SecureAggregationError.invalidThreshold(threshold: 0, shareCount: 5)) {
      try ShamirSecretSharing.split(secret, threshold: 0, shareCount: 5)
    }
    #expect(throws: SecureAggregationError.invalidThreshold(threshold: 6, shareCount: 5)) {
      try ShamirSecretSharing.split(secret, threshold: 6, shareCount: 5)
    }
    #expect(throws: SecureAggregationError.tooManyShares(requested: 65536, maximum: 65535)) {
      try ShamirSecretSharing.split(secret, threshold: 2, shareCount: 65536)
    }
    #expect(throws: SecureAggregationError.zeroShareID) {
      try ShamirSecretSharing.split(secret, threshold: 2, shareIDs: [1, 0, 2])
    }
    #expect(throws: SecureAggregationError.duplicateShareID(2)) {
      try ShamirSecretSharing.split(secret, threshold: 2, shareIDs: [1, 2, 2])
    }
    #expect(throws: SecureAggregationError.invalidSecretLength(byteCount: 0, maximum: 65535)) {
      try ShamirSecretSharing.split(SecureBytes(zeroedCount: 0), threshold: 1, shareCount: 1)
    }
  }

  @Test func duplicateAndMismatchedSharesAreRejected() throws {
    let shares = try ShamirSecretSharing.split(
      SecureBytes(randomCount: 32), threshold: 3, shareCount: 5)
    #expect(throws: SecureAggregationError.duplicateShareID(1)) {
      try ShamirSecretSharing.reconstruct(from: [shares[0], shares[1], shares[0]], threshold: 3)
    }
    let other = try ShamirSecretSharing.split(
      SecureBytes(randomCount: 16), threshold: 3, shareCount: 5)
    #expect(
      throws: SecureAggregationError.malformedShare(
        reason: "the shares belong to secrets of different lengths")
    ) {
      try ShamirSecretSharing.reconstruct(from: [shares[0], shares[1], other[2]], threshold: 3)
    }
  }

  @Test func serializationRoundTripsAndRejectsMalformedBytes() throws {
    let shares = try ShamirSecretSharing.split(
      SecureBytes(randomCount: 32), threshold: 2, shareCount: 3)
    let bytes = shares[1].serialized
    #expect(bytes.count == 6 + 5 * 8)
    #expect(try SecretShare(serialized: bytes) == shares[1])
    // The description names the id and length only: no element appears in any common notation.
    for text in ["\(shares[1])", String(reflecting: shares[1])] {
      #expect(text == "SecretShare(id: 2, secret: 32 bytes, value redacted)")
      for element in 0..<5 {
        let value = shares[1].element(element)
        #expect(!text.contains(String(value)))
        #expect(!text.lowercased().contains(String(value, radix: 16)))
      }
    }

    func tampered(_ change: (inout [UInt8]) -> Void) -> SecureBytes {
      var raw = bytes.unprotectedArray
      change(&raw)
      return SecureBytes(raw)
    }
    #expect(throws: SecureAggregationError.self) {
      try SecretShare(serialized: SecureBytes([1, 2]))
    }
    #expect(throws: SecureAggregationError.self) {
      try SecretShare(serialized: tampered { $0.removeLast() })
    }
    #expect(throws: SecureAggregationError.zeroShareID) {
      try SecretShare(
        serialized: tampered {
          $0[0] = 0
          $0[1] = 0
        })
    }
    #expect(throws: SecureAggregationError.self) {
      try SecretShare(serialized: tampered { $0[5] = 36 })  // claims a 36-byte (6-chunk) secret
    }
    // An element equal to p = 2^61 − 1, and one above 2^61, are not field elements.
    #expect(throws: SecureAggregationError.self) {
      try SecretShare(
        serialized: tampered { raw in
          for index in 0..<8 { raw[6 + index] = index < 7 ? 0xff : 0x1f }
        })
    }
    #expect(throws: SecureAggregationError.self) {
      try SecretShare(serialized: tampered { $0[13] = 0xff })
    }
  }

  @Test func inconsistentSharesAreDetected() throws {
    let source = RandomSource.insecureDeterministic(seed: 99)
    let secret = SecureBytes(randomCount: 32, from: source)
    let shares = try ShamirSecretSharing.split(
      secret, threshold: 3, shareCount: 4, randomSource: source)
    // Move the last element of share 3 by ±2^40. With ids 1, 2, 3 its Lagrange coefficient at 0
    // is 1, so the rebuilt last chunk (the secret's last 4 bytes) moves by ±2^40 mod p and no
    // longer fits in 32 bits. (Detection is a consistency check, not authentication: in the
    // protocol, shares travel in authenticated encryption.)
    var raw = shares[2].serialized.unprotectedArray
    raw[raw.count - 3] ^= 0x01
    let forged = try SecretShare(serialized: SecureBytes(raw))
    #expect(throws: SecureAggregationError.inconsistentShares) {
      try ShamirSecretSharing.reconstruct(from: [shares[0], shares[1], forged], threshold: 3)
    }
    // With a fourth, honest share the forged one is caught whatever it holds: a crafted change
    // that keeps every chunk in range (here +1 in the lowest chunk, whose Lagrange coefficient
    // for ids 1, 2, 3 is 1) passes with three shares but not against the extra share.
    var subtle = shares[2].serialized.unprotectedArray
    subtle[6] ^= 0x01
    let crafted = try SecretShare(serialized: SecureBytes(subtle))
    #expect(throws: Never.self) {
      try ShamirSecretSharing.reconstruct(from: [shares[0], shares[1], crafted], threshold: 3)
    }
    #expect(throws: SecureAggregationError.inconsistentShares) {
      try ShamirSecretSharing.reconstruct(
        from: [shares[0], shares[1], crafted, shares[3]], threshold: 3)
    }
    #expect(
      try ShamirSecretSharing.reconstruct(
        from: [shares[3], shares[1], shares[0], shares[2]], threshold: 3)
        == secret)
  }

  @Test func deterministicSourcesReproduceShares() throws {
    let secret = SecureBytes(randomCount: 20)
    let first = try ShamirSecretSharing.split(
      secret, threshold: 3, shareCount: 5, randomSource: .insecureDeterministic(seed: 1))
    let second = try ShamirSecretSharing.split(
      secret, threshold: 3, shareCount: 5, randomSource: .insecureDeterministic(seed: 1))
    let third = try ShamirSecretSharing.split(secret, threshold: 3, shareCount: 5)
    #expect(first == second)
    #expect(first != third)
  }
}
