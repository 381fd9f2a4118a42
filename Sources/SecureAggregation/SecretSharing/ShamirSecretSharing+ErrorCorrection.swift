public import AggregationCrypto

extension ShamirSecretSharing {
  /// Rebuilds the secret from r ≥ t shares of which up to ⌊(r − t)/2⌋ may be wrong, and names the
  /// wrong ones.
  ///
  /// Shamir shares of a secret are a Reed–Solomon codeword: the values at the share ids of
  /// polynomials of degree below t. Each chunk's polynomial is decoded with Gao's algorithm
  /// (Gao, *A New Algorithm for Decoding Reed-Solomon Codes*, 2003): interpolate the received
  /// points, run the extended Euclidean algorithm against Π(X − x_i) until the remainder's degree
  /// falls below (r + t)/2, and divide. Decoding is unique up to ⌊(r − t)/2⌋ wrong shares; a
  /// share is wrong when any of its chunks is off the decoded polynomial. With more wrong shares,
  /// or with r = t (no redundancy), the call cannot tell which share is wrong and throws.
  ///
  /// The caller must still check the secret against what it knows of it (a commitment, a public
  /// key): with r = t every set of shares decodes (to whatever polynomial they lie on), and more
  /// than ⌊(r − t)/2⌋ wrong shares can decode to another polynomial.
  ///
  /// - Important: Variable time in the share values (polynomial degrees steer the algorithm),
  ///   and O(r²) field operations per 7-byte chunk. Use it after ``reconstruct(from:threshold:)``
  ///   has failed, on shares the caller is meant to learn anyway. Memory is O(r) per chunk.
  ///   Intermediate polynomials are overwritten with zeros before the call returns.
  /// - Parameters:
  ///   - shares: at least `threshold` shares of one secret, distinct ids.
  ///   - threshold: t.
  /// - Returns: The secret and the ids of the shares that are off the decoded polynomials, in
  ///   the order given.
  /// - Throws: ``SecureAggregationError/tooFewShares(needed:received:)``,
  ///   ``SecureAggregationError/duplicateShareID(_:)``,
  ///   ``SecureAggregationError/malformedShare(reason:)`` for shares of different secrets, and
  ///   ``SecureAggregationError/inconsistentShares`` when the shares cannot be decoded.
  public static func variableTimeReconstructCorrectingErrors(
    from shares: [SecretShare], threshold: Int
  ) throws(SecureAggregationError) -> (secret: SecureBytes, wrongShareIDs: [UInt16]) {
    guard threshold >= 1, threshold <= maximumShareCount else {
      throw .invalidThreshold(threshold: threshold, shareCount: shares.count)
    }
    guard shares.count >= threshold else {
      throw .tooFewShares(needed: threshold, received: shares.count)
    }
    var seen = Set<UInt16>()
    for share in shares {
      guard share.id != 0 else { throw .zeroShareID }
      guard seen.insert(share.id).inserted else { throw .duplicateShareID(share.id) }
    }
    let first = shares[0]
    guard
      shares.allSatisfy({
        $0.secretByteCount == first.secretByteCount && $0.elementCount == first.elementCount
      })
    else {
      throw .malformedShare(reason: "the shares belong to secrets of different lengths")
    }
    let ids = shares.map { UInt64($0.id) }
    let vanishing = Polynomial.vanishing(at: ids)
    let weights = barycentricWeights(ids: ids)
    let chunks = first.elementCount
    // The received word of every chunk, interpolated: Σ_i y_i · w_i · Π_{j≠i}(X − x_j). Each
    // basis polynomial is made once and added to every chunk, so memory stays O(r · chunks).
    var interpolated = [Polynomial](
      repeating: Polynomial(zeroDegree: shares.count - 1), count: chunks)
    defer { for index in interpolated.indices { interpolated[index].wipe() } }
    for (index, share) in shares.enumerated() {
      let basis = vanishing.dividedByLinear(root: ids[index])
      for chunk in 0..<chunks {
        interpolated[chunk].add(
          basis, times: PrimeField.multiply(share.element(chunk), weights[index]))
      }
    }
    var wrong = [Bool](repeating: false, count: shares.count)
    var constants = [UInt64](repeating: 0, count: chunks)
    for chunk in 0..<chunks {
      guard
        var decoded = Polynomial.gaoDecode(
          interpolated[chunk], vanishing: vanishing, received: shares.count, threshold: threshold)
      else {
        constants.wipe()
        throw .inconsistentShares
      }
      constants[chunk] = decoded.coefficient(0)
      for (index, id) in ids.enumerated()
      where decoded.evaluate(at: id) != shares[index].element(chunk) {
        wrong[index] = true
      }
      decoded.wipe()
    }
    defer { constants.wipe() }
    var secret = SecureBytes(zeroedCount: first.secretByteCount)
    var overflow: UInt64 = 0
    secret.withUnsafeMutableBytes { out in
      for (chunk, value) in constants.enumerated() {
        let start = chunk * chunkByteCount
        let width = Swift.min(chunkByteCount, first.secretByteCount - start)
        overflow |= value >> UInt64(8 * width)
        for byte in 0..<width {
          out[start + byte] = UInt8(truncatingIfNeeded: value >> UInt64(8 * byte))
        }
      }
    }
    guard overflow == 0 else { throw .inconsistentShares }
    return (secret, zip(shares, wrong).filter(\.1).map(\.0.id))
  }
}

/// A polynomial over GF(2^61 − 1), coefficients from the constant term up, for the decoder.
struct Polynomial {
  /// coefficients[i] multiplies X^i; the last one is nonzero unless the polynomial is zero.
  private(set) var coefficients: [UInt64]

  init(coefficients: [UInt64]) {
    self.coefficients = coefficients
    trim()
  }

  /// The zero polynomial with room for degree `degree`.
  init(zeroDegree degree: Int) {
    coefficients = [UInt64](repeating: 0, count: Swift.max(degree + 1, 1))
  }

  /// Π (X − root).
  static func vanishing(at roots: [UInt64]) -> Polynomial {
    var result = [UInt64](repeating: 0, count: roots.count + 1)
    result[0] = 1
    for (count, root) in roots.enumerated() {
      // Multiply the degree-`count` polynomial by (X − root), from the top down.
      for degree in stride(from: count + 1, through: 1, by: -1) {
        result[degree] = PrimeField.subtract(
          result[degree - 1], PrimeField.multiply(root, result[degree]))
      }
      result[0] = PrimeField.subtract(0, PrimeField.multiply(root, result[0]))
    }
    return Polynomial(coefficients: result)
  }

  /// The degree; −1 for the zero polynomial.
  var degree: Int {
    coefficients.lastIndex { $0 != 0 } ?? -1
  }

  func coefficient(_ index: Int) -> UInt64 {
    index < coefficients.count ? coefficients[index] : 0
  }

  /// This polynomial divided by (X − root), which must divide it (synthetic division).
  func dividedByLinear(root: UInt64) -> Polynomial {
    let top = degree
    guard top >= 1 else { return Polynomial(coefficients: [0]) }
    var quotient = [UInt64](repeating: 0, count: top)
    var carry: UInt64 = 0
    for degree in stride(from: top, through: 1, by: -1) {
      carry = PrimeField.add(coefficients[degree], PrimeField.multiply(carry, root))
      quotient[degree - 1] = carry
    }
    return Polynomial(coefficients: quotient)
  }

  /// self += other · factor.
  mutating func add(_ other: Polynomial, times factor: UInt64) {
    // In place: the addend is held by its own reference, so adding a polynomial to itself
    // still reads the old coefficients.
    let addend = other.coefficients
    if coefficients.count < addend.count {
      coefficients += [UInt64](repeating: 0, count: addend.count - coefficients.count)
    }
    for index in addend.indices {
      coefficients[index] = PrimeField.add(
        coefficients[index], PrimeField.multiply(addend[index], factor))
    }
  }

  func evaluate(at point: UInt64) -> UInt64 {
    var value: UInt64 = 0
    for coefficient in coefficients.reversed() {
      value = PrimeField.add(PrimeField.multiply(value, point), coefficient)
    }
    return value
  }

  static func - (lhs: Polynomial, rhs: Polynomial) -> Polynomial {
    var result = lhs
    result.add(rhs, times: PrimeField.subtract(0, 1))
    result.trim()
    return result
  }

  static func * (lhs: Polynomial, rhs: Polynomial) -> Polynomial {
    guard lhs.degree >= 0, rhs.degree >= 0 else { return Polynomial(coefficients: [0]) }
    var result = [UInt64](repeating: 0, count: lhs.degree + rhs.degree + 1)
    for i in 0...lhs.degree {
      for j in 0...rhs.degree {
        result[i + j] = PrimeField.add(
          result[i + j], PrimeField.multiply(lhs.coefficients[i], rhs.coefficients[j]))
      }
    }
    return Polynomial(coefficients: result)
  }

  /// Quotient and remainder of self ÷ divisor (divisor nonzero).
  func divided(by divisor: Polynomial) -> (quotient: Polynomial, remainder: Polynomial) {
    let divisorDegree = divisor.degree
    var remainder = coefficients
    let count = Swift.max(degree - divisorDegree + 1, 1)
    var quotient = [UInt64](repeating: 0, count: count)
    guard divisorDegree >= 0, degree >= divisorDegree else {
      return (Polynomial(coefficients: [0]), self)
    }
    let leadInverse = PrimeField.inverse(divisor.coefficients[divisorDegree])
    for shift in stride(from: degree - divisorDegree, through: 0, by: -1) {
      let factor = PrimeField.multiply(remainder[shift + divisorDegree], leadInverse)
      quotient[shift] = factor
      guard factor != 0 else { continue }
      for index in 0...divisorDegree {
        remainder[shift + index] = PrimeField.subtract(
          remainder[shift + index], PrimeField.multiply(factor, divisor.coefficients[index]))
      }
    }
    return (Polynomial(coefficients: quotient), Polynomial(coefficients: remainder))
  }

  /// Gao's decoder: the polynomial of degree below `threshold` that agrees with the received
  /// word (interpolated as `interpolated`, at the roots of `vanishing`) on all but at most
  /// ⌊(received − threshold)/2⌋ points; `nil` when there is none.
  static func gaoDecode(
    _ interpolated: Polynomial, vanishing: Polynomial, received: Int, threshold: Int
  ) -> Polynomial? {
    // Partial extended Euclid on (g0, g1), keeping only the Bézout coefficient of g1.
    var previous = vanishing
    var current = interpolated
    var previousV = Polynomial(coefficients: [0])
    var currentV = Polynomial(coefficients: [1])
    while 2 * current.degree >= received + threshold {
      let (quotient, remainder) = previous.divided(by: current)
      let nextV = previousV - quotient * currentV
      previous = current
      current = remainder
      previousV = currentV
      currentV = nextV
    }
    defer {
      previous.wipe()
      current.wipe()
      previousV.wipe()
      currentV.wipe()
    }
    guard currentV.degree >= 0 else { return nil }
    var (quotient, remainder) = current.divided(by: currentV)
    defer { remainder.wipe() }
    guard remainder.degree < 0, quotient.degree < threshold else {
      quotient.wipe()
      return nil
    }
    return quotient
  }

  private mutating func trim() {
    while coefficients.count > 1, coefficients.last == 0 { coefficients.removeLast() }
  }

  /// Overwrites the coefficients with zeros.
  mutating func wipe() {
    coefficients.wipe()
  }
}

extension Array where Element == UInt64 {
  /// Overwrites every element with zero in place.
  mutating func wipe() {
    for index in indices { self[index] = 0 }
  }
}
