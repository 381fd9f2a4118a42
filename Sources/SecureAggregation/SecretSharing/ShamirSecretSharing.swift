public import AggregationCrypto

/// Shamir's (t, n) secret sharing over the prime field GF(2^61 − 1).
///
/// A secret of any length (up to 65,535 bytes) is cut into 7-byte chunks; each chunk, a 56-bit
/// integer, is a field element below p = 2^61 − 1, so every byte string is encoded exactly —
/// never wrapped or truncated. Each chunk gets its own random polynomial of degree t − 1 whose
/// constant term is the chunk; share *i* holds the polynomials' values at its nonzero id x_i.
/// Any t shares rebuild the secret by Lagrange interpolation at 0; any t − 1 reveal nothing
/// about it.
///
/// Up to 65,535 parties (ids 1...65535) and any threshold 1 ≤ t ≤ n. Field arithmetic on the
/// secret, the coefficients and the share values runs in constant time; only the Lagrange
/// coefficients, which depend on public ids alone, are computed without that care.
///
/// Sharing gives secrecy, not integrity: any t points lie on some polynomial, so a party that
/// alters its share can shift the rebuilt secret undetected when exactly t shares are used.
/// Shares must therefore travel authenticated (the protocol seals each one with
/// XChaCha20-Poly1305 for its recipient, and checks a rebuilt masking key against the owner's
/// advertised public key). ``reconstruct(from:threshold:)`` does check what it can: shares beyond
/// the first t must lie on the same polynomial, and every rebuilt chunk must fit in its 7 bytes.
public enum ShamirSecretSharing {
  /// The most shares a secret can be split into: ids are nonzero 16-bit values.
  public static let maximumShareCount = Int(UInt16.max)
  /// The longest secret that can be shared, in bytes.
  public static let maximumSecretByteCount = Int(UInt16.max)
  /// The bytes of secret per field element.
  static let chunkByteCount = 7

  static func chunkCount(forSecretByteCount byteCount: Int) -> Int {
    (byteCount + chunkByteCount - 1) / chunkByteCount
  }

  /// Splits `secret` into shares for parties `1...shareCount`.
  ///
  /// - Parameters:
  ///   - secret: The secret, 1...65535 bytes.
  ///   - threshold: How many shares rebuild it (1 ≤ threshold ≤ shareCount).
  ///   - shareCount: How many shares to make (at most 65,535).
  ///   - source: Randomness for the polynomials; the system's secure generator by default.
  public static func split(
    _ secret: SecureBytes, threshold: Int, shareCount: Int,
    randomSource source: RandomSource = .system
  ) throws(SecureAggregationError) -> [SecretShare] {
    guard shareCount <= maximumShareCount else {
      throw .tooManyShares(requested: shareCount, maximum: maximumShareCount)
    }
    guard shareCount >= 1 else {
      throw .invalidParameter(name: "shareCount", value: "\(shareCount)", expected: "1...65535")
    }
    let ids = (1...shareCount).map { UInt16(truncatingIfNeeded: $0) }
    return try split(secret, threshold: threshold, shareIDs: ids, randomSource: source)
  }

  /// Splits `secret` into one share for each id in `shareIDs`.
  ///
  /// - Parameters:
  ///   - secret: The secret, 1...65535 bytes.
  ///   - threshold: How many shares rebuild it (1 ≤ threshold ≤ `shareIDs.count`).
  ///   - shareIDs: The recipients' ids: nonzero and distinct.
  ///   - source: Randomness for the polynomials; the system's secure generator by default.
  /// - Throws: ``SecureAggregationError/invalidThreshold(threshold:shareCount:)``,
  ///   ``SecureAggregationError/zeroShareID``, ``SecureAggregationError/duplicateShareID(_:)``,
  ///   ``SecureAggregationError/invalidSecretLength(byteCount:maximum:)``.
  public static func split(
    _ secret: SecureBytes, threshold: Int, shareIDs: [UInt16],
    randomSource source: RandomSource = .system
  ) throws(SecureAggregationError) -> [SecretShare] {
    guard (1...maximumSecretByteCount).contains(secret.count) else {
      throw .invalidSecretLength(byteCount: secret.count, maximum: maximumSecretByteCount)
    }
    guard threshold >= 1, threshold <= shareIDs.count else {
      throw .invalidThreshold(threshold: threshold, shareCount: shareIDs.count)
    }
    try validate(ids: shareIDs)

    let chunks = chunkCount(forSecretByteCount: secret.count)
    // coefficients[c·t + k] is the degree-k coefficient of chunk c's polynomial.
    var coefficients = SecureBytes(zeroedCount: chunks * threshold * 8)
    var randomness = SecureBytes(zeroedCount: chunks * Swift.max(threshold - 1, 0) * 16)
    randomness.withUnsafeMutableBytes { source.fill($0) }
    let constants = encodeChunks(secret)
    coefficients.withUnsafeMutableBytes { out in
      constants.withUnsafeBytes { constantBytes in
        randomness.withUnsafeBytes { random in
          var randomIndex = 0
          for chunk in 0..<chunks {
            out.storeBytes(
              of: UInt64(
                littleEndian: constantBytes.load(fromByteOffset: chunk * 8, as: UInt64.self)),
              toByteOffset: (chunk * threshold) * 8, as: UInt64.self)
            for degree in 1..<threshold {
              let low = random.loadUnaligned(fromByteOffset: randomIndex, as: UInt64.self)
              let high = random.loadUnaligned(fromByteOffset: randomIndex + 8, as: UInt64.self)
              randomIndex += 16
              out.storeBytes(
                of: PrimeField.element(fromRandom: low, high),
                toByteOffset: (chunk * threshold + degree) * 8, as: UInt64.self)
            }
          }
        }
      }
    }

    return shareIDs.map { id in
      var values = SecureBytes(zeroedCount: chunks * 8)
      values.withUnsafeMutableBytes { out in
        coefficients.withUnsafeBytes { coefficientBytes in
          let x = UInt64(id)
          for chunk in 0..<chunks {
            // Horner's rule from the highest degree down.
            let base = chunk * threshold
            var value = coefficientBytes.load(
              fromByteOffset: (base + threshold - 1) * 8, as: UInt64.self)
            for degree in stride(from: threshold - 2, through: 0, by: -1) {
              let coefficient = coefficientBytes.load(
                fromByteOffset: (base + degree) * 8, as: UInt64.self)
              value = PrimeField.add(PrimeField.multiply(value, x), coefficient)
            }
            out.storeBytes(of: value.littleEndian, toByteOffset: chunk * 8, as: UInt64.self)
          }
        }
      }
      return SecretShare(id: id, secretByteCount: secret.count, values: values)
    }
  }

  /// Rebuilds the secret from at least `threshold` shares.
  ///
  /// The first `threshold` shares rebuild the secret; every further share must lie on the same
  /// polynomials, or the call throws ``SecureAggregationError/inconsistentShares``. With exactly
  /// `threshold` shares, an inconsistency shows only when a rebuilt chunk does not fit in its 7
  /// bytes (likely for random changes, not for crafted ones: see the type's discussion).
  ///
  /// - Throws: ``SecureAggregationError/tooFewShares(needed:received:)`` with fewer than
  ///   `threshold` shares; ``SecureAggregationError/duplicateShareID(_:)``,
  ///   ``SecureAggregationError/invalidThreshold(threshold:shareCount:)``, and
  ///   ``SecureAggregationError/malformedShare(reason:)`` for shares of different secrets, and
  ///   ``SecureAggregationError/inconsistentShares``.
  public static func reconstruct(from shares: [SecretShare], threshold: Int)
    throws(SecureAggregationError) -> SecureBytes
  {
    guard threshold >= 1, threshold <= maximumShareCount else {
      throw .invalidThreshold(threshold: threshold, shareCount: shares.count)
    }
    guard shares.count >= threshold else {
      throw .tooFewShares(needed: threshold, received: shares.count)
    }
    try validate(ids: shares.map(\.id))
    let used = Array(shares.prefix(threshold))
    let secretByteCount = used[0].secretByteCount
    guard
      shares.allSatisfy({
        $0.secretByteCount == secretByteCount && $0.elementCount == used[0].elementCount
      })
    else {
      throw .malformedShare(reason: "the shares belong to secrets of different lengths")
    }
    // Shares beyond the first t must be the polynomials' values at their ids (compared in
    // constant time; only the overall verdict is branched on).
    // The barycentric weights of the used ids are computed once (O(t²)); each point then costs
    // O(t), so checking many extra shares stays cheap.
    let ids = used.map { UInt64($0.id) }
    let weights = barycentricWeights(ids: ids)
    for extra in shares.dropFirst(threshold) {
      let expected = interpolate(
        used, coefficients: lagrangeCoefficients(ids: ids, weights: weights, at: UInt64(extra.id)))
      guard expected == extra.values else { throw .inconsistentShares }
    }
    let chunks = used[0].elementCount
    let constants = interpolate(
      used, coefficients: lagrangeCoefficients(ids: ids, weights: weights, at: 0))

    var secret = SecureBytes(zeroedCount: secretByteCount)
    var overflow: UInt64 = 0
    secret.withUnsafeMutableBytes { out in
      constants.withUnsafeBytes { values in
        for chunk in 0..<chunks {
          let value = UInt64(littleEndian: values.load(fromByteOffset: chunk * 8, as: UInt64.self))
          let start = chunk * chunkByteCount
          let width = Swift.min(chunkByteCount, secretByteCount - start)
          overflow |= value >> UInt64(8 * width)
          for byte in 0..<width {
            out[start + byte] = UInt8(truncatingIfNeeded: value >> UInt64(8 * byte))
          }
        }
      }
    }
    guard overflow == 0 else { throw .inconsistentShares }
    return secret
  }

  /// The secret as field elements: 7-byte little-endian chunks, each below 2^56 < p (little
  /// endian, in wiping storage).
  static func encodeChunks(_ secret: SecureBytes) -> SecureBytes {
    let chunks = chunkCount(forSecretByteCount: secret.count)
    var result = SecureBytes(zeroedCount: chunks * 8)
    result.withUnsafeMutableBytes { out in
      secret.withUnsafeBytes { secretBytes in
        for chunk in 0..<chunks {
          var value: UInt64 = 0
          let start = chunk * chunkByteCount
          for byte in start..<Swift.min(start + chunkByteCount, secretBytes.count) {
            value |= UInt64(secretBytes[byte]) << UInt64(8 * (byte - start))
          }
          out.storeBytes(of: value.littleEndian, toByteOffset: chunk * 8, as: UInt64.self)
        }
      }
    }
    return result
  }

  /// The values at `point` of the polynomials through `shares`, one element per chunk (little
  /// endian), in wiping storage. `shares` must have distinct ids, none of them `point`, and equal
  /// lengths.
  static func interpolate(_ shares: [SecretShare], at point: UInt64) -> SecureBytes {
    let ids = shares.map { UInt64($0.id) }
    return interpolate(
      shares,
      coefficients: lagrangeCoefficients(ids: ids, weights: barycentricWeights(ids: ids), at: point)
    )
  }

  /// Σ coefficient_i · share_i, chunk by chunk (little endian), in wiping storage.
  static func interpolate(_ shares: [SecretShare], coefficients: [UInt64]) -> SecureBytes {
    let chunks = shares.first?.elementCount ?? 0
    var result = SecureBytes(zeroedCount: chunks * 8)
    result.withUnsafeMutableBytes { out in
      for chunk in 0..<chunks {
        var value: UInt64 = 0
        for (share, coefficient) in zip(shares, coefficients) {
          value = PrimeField.add(value, PrimeField.multiply(share.element(chunk), coefficient))
        }
        out.storeBytes(of: value.littleEndian, toByteOffset: chunk * 8, as: UInt64.self)
      }
    }
    return result
  }

  /// The barycentric weights w_i = 1 / Π_{j≠i} (x_i − x_j) of distinct public ids: O(t²)
  /// multiplications and one field inversion (batch inversion). Variable-time in the ids only.
  static func barycentricWeights(ids: [UInt64]) -> [UInt64] {
    let count = ids.count
    var denominators = [UInt64](repeating: 1, count: count)
    for i in 0..<count {
      for j in 0..<count where j != i {
        denominators[i] = PrimeField.multiply(denominators[i], PrimeField.subtract(ids[i], ids[j]))
      }
    }
    return batchInverse(denominators)
  }

  /// λ_i(X) = w_i · L(X) / (X − x_i) with L(X) = Π_j (X − x_j), for a point X that is none of
  /// the ids (the first-form barycentric formula): O(t) per point once the weights are known.
  static func lagrangeCoefficients(ids: [UInt64], weights: [UInt64], at point: UInt64)
    -> [UInt64]
  {
    let differences = ids.map { PrimeField.subtract(point, $0) }
    var product: UInt64 = 1
    for difference in differences { product = PrimeField.multiply(product, difference) }
    let inverses = batchInverse(differences)
    return (0..<ids.count).map { i in
      PrimeField.multiply(PrimeField.multiply(weights[i], product), inverses[i])
    }
  }

  /// The inverses of nonzero field elements with one inversion: prefix products, then unwind.
  static func batchInverse(_ values: [UInt64]) -> [UInt64] {
    let count = values.count
    var prefix = [UInt64](repeating: 1, count: count + 1)
    for i in 0..<count { prefix[i + 1] = PrimeField.multiply(prefix[i], values[i]) }
    var inverse = PrimeField.inverse(prefix[count])
    var result = [UInt64](repeating: 0, count: count)
    for i in stride(from: count - 1, through: 0, by: -1) {
      result[i] = PrimeField.multiply(inverse, prefix[i])
      inverse = PrimeField.multiply(inverse, values[i])
    }
    return result
  }

  private static func validate(ids: [UInt16]) throws(SecureAggregationError) {
    guard ids.count <= maximumShareCount else {
      throw .tooManyShares(requested: ids.count, maximum: maximumShareCount)
    }
    var seen = Set<UInt16>(minimumCapacity: ids.count)
    for id in ids {
      guard id != 0 else { throw .zeroShareID }
      guard seen.insert(id).inserted else { throw .duplicateShareID(id) }
    }
  }
}
