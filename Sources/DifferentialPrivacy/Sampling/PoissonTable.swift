/// An exact sampler of one Poisson(λ) with rational λ = a/b ≤ 2^20, by rejection from a tabulated
/// envelope whose acceptance test is decided with integers (see ``PoissonSampler`` for the
/// method and its exactness argument).
///
/// With m = ⌊λ⌋ (a mode) and j = k − m, the pmf relative to the mode is the rational product
///
///     r(j) = p(m + j) / p(m) = ∏_{i=1..j} λ/(m + i)         (j > 0)
///     r(−J) = ∏_{l=0..J−1} (m − l)/λ                         (J > 0),
///
/// every factor at most 1. The table holds, for the body j ∈ [−L, W] (L = min(W, m)), integer
/// bounds `lo_j ≤ 2^s·r(j) ≤ hi_j` computed once with exact floor/ceiling arithmetic. The
/// envelope is hi_j on the body and, beyond the body, blocks of `w` values whose height halves
/// from block to block (a valid bound because w ≥ λ/W makes w factors multiply to at most 1/2).
struct PoissonTable: Sendable {
  /// λ = numerator / denominator, in lowest terms.
  let numerator: UInt64
  let denominator: UInt64
  /// m = ⌊λ⌋.
  let mode: UInt64
  /// W: the body reaches j = W above the mode.
  let halfWidth: UInt64
  /// L = min(W, m): the body reaches j = −L below the mode.
  let lowerReach: UInt64
  /// s: table values are 2^s·r(j).
  let scaleShift: Int
  /// lo_j for the body cells; cell c holds j = c − L.
  let lowerBounds: [UInt64]
  /// Running sums of the envelope weights: the body's hi_j, then the upper tail, then the lower
  /// tail when the body stops short of k = 0.
  let cumulative: [UInt64]
  /// The number of body cells, L + W + 1.
  let bodyCount: Int
  /// w: values per tail block.
  let tailBlockWidth: UInt64
  /// Bucket b lists the first cell whose running sum exceeds b·2^guideShift (Chen & Asau's guide
  /// table), so finding a cell takes O(1) expected steps.
  let guide: [UInt32]
  let guideShift: UInt64
  /// Whether `lo_j` may accept without the exact computation (tests turn it off to run every
  /// body decision through the exact path).
  let usesSqueeze: Bool

  /// Tail proposals further than this beyond the body are redrawn, so that k stays below 2^41.
  static let maximumTailDistance: UInt64 = 1 << 40

  /// The envelope's total weight.
  var totalWeight: UInt64 { cumulative.last ?? 0 }

  /// The table for λ = `numerator/denominator` (in lowest terms, 0 < λ ≤ 2^20, denominator ≤
  /// 2^52). `halfWidth` overrides W (tests use a narrow body to exercise the tails);
  /// `usesSqueeze: false` sends every body decision through the exact path (for tests).
  init(numerator: UInt64, denominator: UInt64, halfWidth: UInt64? = nil, usesSqueeze: Bool = true) {
    self.numerator = numerator
    self.usesSqueeze = usesSqueeze
    self.denominator = denominator
    let mode = numerator / denominator
    self.mode = mode
    // W ≈ 7 standard deviations (+8 for tiny λ): the tails carry about 10⁻¹¹ of the envelope.
    let halfWidth = max(1, halfWidth ?? 7 * (integerSquareRoot(mode) + 1) + 8)
    self.halfWidth = halfWidth
    let lowerReach = min(halfWidth, mode)
    self.lowerReach = lowerReach
    let bodyCount = Int(lowerReach + halfWidth + 1)
    self.bodyCount = bodyCount
    // w = ⌊m/W⌋ + 1 ≥ λ/W.
    let tailBlockWidth = mode / halfWidth + 1
    self.tailBlockWidth = tailBlockWidth
    // Every weight is at most 2^s, the tails at most 2w·2^s each: the total stays below 2^63.
    let weightBound = UInt64(bodyCount) + 4 * tailBlockWidth
    let scaleShift = 63 - (64 - weightBound.leadingZeroBitCount)
    self.scaleShift = scaleShift

    // Bounds on 2^s·r(j), stepping away from the mode; each step multiplies by a factor ≤ 1
    // with exact rounding down (lo) and up (hi), so lo_j ≤ 2^s·r(j) ≤ hi_j. The fallbacks keep
    // valid bounds should a quotient ever not fit (it always does: the factors are ≤ 1).
    var lower = [UInt64](repeating: 0, count: bodyCount)
    var upper = [UInt64](repeating: 0, count: bodyCount)
    let center = Int(lowerReach)
    lower[center] = 1 << UInt64(scaleShift)
    upper[center] = 1 << UInt64(scaleShift)
    var i: UInt64 = 1
    while i <= halfWidth {
      let cell = center + Int(i)
      // × λ/(m + i) = a / (b·(m + i))
      upper[cell] =
        scaledQuotient(
          upper[cell - 1], times: numerator, 1, dividedBy: denominator, mode + i,
          roundingUp: true) ?? upper[cell - 1]
      lower[cell] =
        scaledQuotient(
          lower[cell - 1], times: numerator, 1, dividedBy: denominator, mode + i,
          roundingUp: false) ?? 0
      i += 1
    }
    i = 1
    while i <= lowerReach {
      let cell = center - Int(i)
      // × (m − i + 1)/λ = b·(m − i + 1) / a
      upper[cell] =
        scaledQuotient(
          upper[cell + 1], times: denominator, mode - i + 1, dividedBy: numerator, 1,
          roundingUp: true) ?? upper[cell + 1]
      lower[cell] =
        scaledQuotient(
          lower[cell + 1], times: denominator, mode - i + 1, dividedBy: numerator, 1,
          roundingUp: false) ?? 0
      i += 1
    }
    lowerBounds = lower

    var cumulative = [UInt64]()
    cumulative.reserveCapacity(bodyCount + 2)
    var sum: UInt64 = 0
    for weight in upper {
      sum += weight
      cumulative.append(sum)
    }
    // Upper tail: blocks b = 0, 1, … of w values with height hi_W·2^(−b): weight 2·w·hi_W.
    sum += 2 * tailBlockWidth * upper[bodyCount - 1]
    cumulative.append(sum)
    if mode > halfWidth {
      // Lower tail, likewise below k = m − W.
      sum += 2 * tailBlockWidth * upper[0]
      cumulative.append(sum)
    }
    self.cumulative = cumulative

    // Guide table: at least as many buckets as cells, a power of two.
    let cellCount = UInt64(cumulative.count)
    let bucketBits = cellCount <= 1 ? 0 : 64 - (cellCount - 1).leadingZeroBitCount
    let totalBits = 64 - (sum - 1).leadingZeroBitCount
    let guideShift = UInt64(max(0, totalBits - bucketBits))
    self.guideShift = guideShift
    let bucketCount = Int((sum - 1) >> guideShift) + 1
    var guide = [UInt32](repeating: 0, count: bucketCount)
    var cell = 0
    for bucket in 0..<bucketCount {
      let threshold = UInt64(bucket) << guideShift
      while cumulative[cell] <= threshold { cell += 1 }
      guide[bucket] = UInt32(cell)
    }
    self.guide = guide
  }

  /// One exact draw of Poisson(λ).
  func draw(from source: inout RandomBitSource)
    -> UInt64
  {
    let total = totalWeight
    while true {
      // A uniform real U in [0, total): its integer part picks the cell, and U minus the cell's
      // start is uniform below the cell's weight.
      let u = source.uniform(below: total)
      var cell = Int(guide[Int(u >> guideShift)])
      while cumulative[cell] <= u { cell += 1 }
      let offset = cell == 0 ? u : u - cumulative[cell - 1]
      if cell < bodyCount {
        if bodyAccepts(cell: cell, offset: offset, using: &source) {
          return mode - lowerReach + UInt64(cell)
        }
        continue
      }
      // A tail proposal: block b with probability 2^(−b−1), a uniform position in it.
      let isUpper = cell == bodyCount
      var block: UInt64 = 0
      while source.nextBit() { block += 1 }
      let position = source.uniform(below: tailBlockWidth)
      let (blockStart, overflow) = block.multipliedReportingOverflow(by: tailBlockWidth)
      guard !overflow, blockStart < Self.maximumTailDistance else { continue }
      // The proposal lies 1 + b·w + position beyond the body's edge.
      let beyond = blockStart + position + 1
      if isUpper {
        if tailAccepts(upper: true, block: block, beyond: beyond, using: &source) {
          return mode + halfWidth + beyond
        }
      } else {
        guard halfWidth + beyond <= mode else { continue }  // k < 0: probability 0
        if tailAccepts(upper: false, block: block, beyond: beyond, using: &source) {
          return mode - halfWidth - beyond
        }
      }
    }
  }

  /// Accepts body cell `cell` with probability 2^s·r(j) / hi_j, given the integer part `offset`
  /// (uniform below hi_j) of the uniform real that chose it: accept when offset + V < 2^s·r(j)
  /// for a fresh uniform V in [0, 1).
  func bodyAccepts(
    cell: Int, offset: UInt64, using source: inout RandomBitSource
  ) -> Bool {
    // offset + V < offset + 1 ≤ lo_j ≤ 2^s·r(j): decided without computing r(j).
    if usesSqueeze && offset < lowerBounds[cell] { return true }
    // Otherwise (probability below about 2^−30 per draw) decide exactly.
    var (value, scale) = scaledRatio(cell: cell)  // 2^s·r(j) = value / scale
    var threshold = scale
    threshold.multiply(by: offset)
    guard threshold < value else { return false }
    value.subtract(threshold)  // now V < value/scale decides
    guard value < scale else { return true }
    return BigUInt.bernoulli(value, over: scale, using: &source)
  }

  /// 2^s·r(j) for body cell `cell`, exactly, as numerator and denominator.
  func scaledRatio(cell: Int) -> (numerator: BigUInt, denominator: BigUInt) {
    var value = BigUInt(1)
    value.shiftLeft(by: scaleShift)
    var scale = BigUInt(1)
    let center = Int(lowerReach)
    if cell > center {
      let count = UInt64(cell - center)
      value.multiply(byEach: repeatElement(numerator, count: Int(count)))
      scale.multiply(byEach: repeatElement(denominator, count: Int(count)))
      scale.multiply(byEach: (1...count).lazy.map { self.mode + $0 })
    } else if cell < center {
      let count = UInt64(center - cell)
      value.multiply(byEach: repeatElement(denominator, count: Int(count)))
      value.multiply(byEach: (0..<count).lazy.map { self.mode - $0 })
      scale.multiply(byEach: repeatElement(numerator, count: Int(count)))
    }
    return (value, scale)
  }

  /// Accepts a tail proposal `beyond` values past the body's edge in block `block` with
  /// probability 2^s·r(j) / (hi_edge·2^(−block)).
  ///
  /// That probability factors into terms that are each at most 1, tested one after the other
  /// with exact Bernoulli trials and stopping at the first failure: 2^s·r(edge)/hi_edge (the
  /// edge cell's own acceptance), then for each of the `block` full blocks 2·(product of its w
  /// factors) ≤ 1, then the product of the remaining factors. No number grows beyond one
  /// block's factors, however far out the proposal is.
  func tailAccepts(
    upper: Bool, block: UInt64, beyond: UInt64, using source: inout RandomBitSource
  ) -> Bool {
    let edgeCell = upper ? bodyCount - 1 : 0
    let edgeWeight = cumulative[edgeCell] - (edgeCell == 0 ? 0 : cumulative[edgeCell - 1])
    guard bodyAccepts(cell: edgeCell, offset: source.uniform(below: edgeWeight), using: &source)
    else { return false }
    var factorIndex: UInt64 = 0
    var blocksLeft = block
    while blocksLeft > 0 {
      var (value, scale) = tailFactors(upper: upper, from: factorIndex, count: tailBlockWidth)
      value.shiftLeft(by: 1)
      guard BigUInt.bernoulli(value, over: scale, using: &source) else { return false }
      factorIndex += tailBlockWidth
      blocksLeft -= 1
    }
    let (value, scale) = tailFactors(
      upper: upper, from: factorIndex, count: beyond - factorIndex)
    return BigUInt.bernoulli(value, over: scale, using: &source)
  }

  /// The product of the tail's factors `first ..< first + count`, counting from the body's
  /// edge: λ/(m + W + 1 + t) above, (m − W − t)/λ below.
  func tailFactors(upper: Bool, from first: UInt64, count: UInt64)
    -> (numerator: BigUInt, denominator: BigUInt)
  {
    var value = BigUInt(1)
    var scale = BigUInt(1)
    guard count > 0 else { return (value, scale) }
    let indices = first..<(first + count)
    if upper {
      value.multiply(byEach: repeatElement(numerator, count: Int(count)))
      scale.multiply(byEach: repeatElement(denominator, count: Int(count)))
      scale.multiply(byEach: indices.lazy.map { self.mode + self.halfWidth + 1 + $0 })
    } else {
      value.multiply(byEach: repeatElement(denominator, count: Int(count)))
      value.multiply(byEach: indices.lazy.map { self.mode - self.halfWidth - $0 })
      scale.multiply(byEach: repeatElement(numerator, count: Int(count)))
    }
    return (value, scale)
  }
}
