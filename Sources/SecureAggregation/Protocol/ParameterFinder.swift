import AggregationCrypto

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(ucrt)
  import ucrt
#endif

/// What the adversary of a SecAgg+ aggregation may do, in the terms of Bell et al. (CCS 2020).
///
/// In both models the adversary is the server together with a fraction γ of the clients, which
/// it corrupts before the neighbour graph is drawn.
public enum ThreatModel: String, Sendable, Hashable, CaseIterable {
  /// The server and the corrupted clients follow the protocol but pool everything they see
  /// (honest-but-curious; fcp's `CURIOUS_SERVER`). A client's secrets stay hidden while fewer
  /// than `t` of its neighbours are corrupted.
  case semiHonest = "semi-honest"
  /// The server may also lie about who dropped out, and so ask each honest neighbour of a client
  /// for a share of either the client's masking key or of its self-mask seed (fcp's
  /// `SEMI_MALICIOUS_SERVER`). With `c` corrupted neighbours among `k`, both secrets stay hidden
  /// only if `(t − c) + (t − c) > k − c`, that is `2t > k + c`.
  case semiMalicious = "semi-malicious"
}

/// The neighbour-graph degree and Shamir threshold of one aggregation, as chosen by
/// ``ParameterFinder``.
///
/// ``degree`` counts a client's neighbours **excluding the client itself** — the convention of
/// this library and of fcp's parameter finder. Implementations in which every client also holds
/// a share of its own secrets count one more: fcp's `SecretSharingHararyGraph` degree and
/// Flower's `num_shares` are ``degreeIncludingSelf`` (Flower's `num_shares = 15` is degree 14).
/// The ``threshold`` is the number of shares, held by neighbours, that rebuild a secret; the
/// bounds behind it never count a share a client might keep for itself.
public struct GraphParameters: Sendable, Hashable {
  /// The number of clients n the parameters were computed for.
  public let clientCount: Int
  /// The number of neighbours of every client, excluding itself: an even number below n − 1 for
  /// a Harary graph, or n − 1 for the complete graph.
  public let degree: Int
  /// The Shamir threshold t: how many neighbours' shares rebuild a client's secret, 2 ≤ t ≤
  /// ``degree``.
  public let threshold: Int
  /// c*: the most corrupted clients one neighbourhood holds, except with the security budget's
  /// probability (the hypergeometric bound of event 2). The threshold satisfies t > c*
  /// (semi-honest) or 2t > k + c* (semi-malicious); pass it on as
  /// ``AggregationConfiguration/corruptedNeighborBound``.
  public let corruptedNeighborBound: Int
  /// A = ⌊γn⌋: the corrupted clients the parameters were computed for; pass it on as
  /// ``AggregationConfiguration/corruptedClientBound``.
  public let corruptedClientCount: Int

  /// ``degree`` + 1: the neighbourhood size when a client counts itself, as fcp's
  /// `SecretSharingHararyGraph` (which adds a self-edge) and Flower's `num_shares` do.
  public var degreeIncludingSelf: Int { degree + 1 }

  /// Whether the parameters call for the complete graph (every client neighbours every other),
  /// which ``ParameterFinder`` returns when no sparse graph meets the bounds.
  public var isComplete: Bool { degree == clientCount - 1 }
}

/// Chooses the SecAgg+ neighbour-graph degree k and Shamir threshold t for n clients, from the
/// bounds of Bell et al., *Secure Single-Server Aggregation with (Poly)Logarithmic Overhead*
/// (CCS 2020), in the form Google's fcp implements them (`fcp/secagg/server/
/// graph_parameter_finder.cc`), with which its results agree.
///
/// ## The model
///
/// The graph is a Harary graph H(n, k) — clients on a ring, each joined to the k/2 nearest on
/// either side — whose labels are a uniformly random permutation (``NeighborGraph``). The
/// adversary corrupts A = ⌊γn⌋ clients and D = ⌊δn⌋ clients drop out; because the labels are
/// random, the positions of both sets on the ring are uniformly random, so the number of
/// corrupted neighbours X of a client, and the number of dropped neighbours Z, are
/// hypergeometric: k draws from a population of n with A (or D) marked,
///
///     P[X = x] = C(A, x) · C(n − A, k − x) / C(n, k).
///
/// A degree k works, with threshold t, when three events each stay improbable:
///
/// 1. **Disconnection** (security, 2^−(σ+1)). The honest survivors must stay connected, or the
///    server learns the sum of a part of them. Cutting a Harary graph takes k/2 consecutive
///    removed clients at two places on the ring; there are n(n − k − 1)/2 such pairs of gaps, and
///    each is wholly among the B = A + D corrupted or dropped clients with probability
///    B!/(B − k)! · (n − k)!/n!. The union bound needs
///    n(n − k − 1)/2 · B!(n − k)! / ((B − k)! n!) < 2^−(σ+1).
/// 2. **Too many corrupted neighbours** (security, 2^−(σ+1)). Over all n clients (union bound),
///    n · P[X ≥ t] < 2^−(σ+1). With c* the largest c for which n · P[X ≥ c] ≥ 2^−(σ+1), the
///    semi-honest model needs t ≥ c* + 1 and the semi-malicious one 2t > k + c*, that is
///    t ≥ ⌊(k + c*)/2⌋ + 1.
/// 3. **Too few surviving neighbours** (correctness, 2^−η). Every client must keep t surviving
///    neighbours: n · P[Z > k − t] < 2^−η. With d* the largest d for which n · P[Z ≥ d] ≥ 2^−η,
///    this is t ≤ k − d*.
///
/// The security budget 2^−σ is split evenly between events 1 and 2. The threshold returned is
/// the smallest that meets event 2, and never below 2 (a threshold of 1 would hand every secret
/// to each single neighbour); a degree is accepted when that threshold also meets event 3. The
/// degree returned is the smallest even k (2, 4, …, n − 2) that is accepted.
///
/// ## When no sparse graph fits
///
/// If no even k below n − 1 is accepted — small cohorts, or high rates — the complete graph
/// (k = n − 1, never disconnected) is checked with the same events 2 and 3, and returned if it
/// passes: ``GraphParameters/isComplete`` then says so. When even the complete graph fails, the
/// call throws — always so when γ + δ ≥ 1 (semi-honest) or γ + 2δ ≥ 1 (semi-malicious). Unlike
/// fcp, which refuses γ + δ > 0.9 (or γ + 2δ > 0.9) outright, the search runs for any rates.
///
/// ## Precision and cost
///
/// Counts use ⌊rate · n⌋ with a 10^−12 tolerance, so that a rate such as 0.29 counts 29 of 100
/// clients despite its binary rounding. Probabilities are computed in log space from log-factorials
/// (a Stirling series above 32), so tails far below 2^−1000 neither underflow nor cancel. Each
/// candidate degree costs O(√k) hypergeometric terms, and degrees that provably fail are skipped
/// unevaluated. In a release build, n = 10^6 with γ = δ = 0.45 (k = 6240) takes about a
/// millisecond; rates a hair from infeasible (γ + 2δ = 0.998 at n = 10^6) under a second.
public enum ParameterFinder {
  /// The largest client count the finder accepts. Cohorts in the protocol have at most 65,535
  /// clients (``ParticipantID/maximumCount``); larger counts are for planning only.
  public static let maximumClientCount = 1_000_000

  /// The largest security or correctness parameter accepted, in bits.
  public static let maximumBits = 256.0

  /// The smallest degree and threshold that give n clients statistical security 2^−σ and
  /// failure probability at most 2^−η in `threatModel`; see ``ParameterFinder`` for the bounds.
  ///
  /// - Parameters:
  ///   - clientCount: The number of clients n, 1...1,000,000.
  ///   - dropoutRate: The fraction δ of clients expected to drop out during the protocol, in
  ///     [0, 1).
  ///   - corruptedFraction: The fraction γ of clients the adversary corrupts, in [0, 1).
  ///   - threatModel: Whether the server only observes or may also lie about dropouts.
  ///   - securityBits: σ, the statistical security parameter; 40 by default.
  ///   - correctnessBits: η, the failure-probability parameter; 20 by default.
  /// - Returns: An even degree below n − 1 (a Harary graph), or n − 1 (the complete graph) when
  ///   no sparse graph meets the bounds; and the smallest threshold that is secure for it.
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` for an input
  ///   out of range, or when no graph on n clients, not even the complete one, meets the bounds.
  public static func parameters(
    clientCount: Int, dropoutRate: Double, corruptedFraction: Double, threatModel: ThreatModel,
    securityBits: Double = 40, correctnessBits: Double = 20
  ) throws(SecureAggregationError) -> GraphParameters {
    guard (1...maximumClientCount).contains(clientCount) else {
      throw .invalidParameter(
        name: "clientCount", value: "\(clientCount)", expected: "1...\(maximumClientCount)")
    }
    for (name, rate) in [("dropoutRate", dropoutRate), ("corruptedFraction", corruptedFraction)]
    where !(rate >= 0 && rate < 1) {
      throw .invalidParameter(name: name, value: "\(rate)", expected: "a fraction in [0, 1)")
    }
    for (name, bits) in [("securityBits", securityBits), ("correctnessBits", correctnessBits)]
    where !(bits > 0 && bits <= maximumBits) {
      throw .invalidParameter(
        name: name, value: "\(bits)", expected: "a number of bits in (0, \(Int(maximumBits))]")
    }
    let search = Search(
      clientCount: clientCount, dropoutRate: dropoutRate, corruptedFraction: corruptedFraction,
      threatModel: threatModel, securityBits: securityBits, correctnessBits: correctnessBits)

    var degree = 2
    while degree <= clientCount - 2 {
      switch search.margin(forDegree: degree) {
      case .accepted(let threshold, let corruptedNeighbors):
        return GraphParameters(
          clientCount: clientCount, degree: degree, threshold: threshold,
          corruptedNeighborBound: corruptedNeighbors, corruptedClientCount: search.corruptedCount)
      case .disconnected:
        degree += 2
      case .short(let shortfall):
        // Going from k to k + 2, the largest correct threshold grows by at most 2 and the
        // smallest secure one never shrinks (two more neighbours add at most two survivors and
        // never remove a corrupted one), so the shortfall s falls by at most 2 per step and the
        // next ⌈s/2⌉ − 1 degrees fail too. ⌊s/2⌋ − 1 of them are skipped (one fewer when s is
        // odd, a margin for rounding): the result is that of trying every even degree.
        degree += 2 * max(1, shortfall / 2)
      }
    }
    if case .accepted(let threshold, let corruptedNeighbors) = search.margin(
      forDegree: clientCount - 1)
    {
      return GraphParameters(
        clientCount: clientCount, degree: clientCount - 1, threshold: threshold,
        corruptedNeighborBound: corruptedNeighbors, corruptedClientCount: search.corruptedCount)
    }
    let load =
      threatModel == .semiHonest
      ? corruptedFraction + dropoutRate : corruptedFraction + 2 * dropoutRate
    if load >= 1 {
      let sum =
        threatModel == .semiHonest
        ? "corruptedFraction + dropoutRate" : "corruptedFraction + 2 · dropoutRate"
      throw .invalidParameter(
        name: "corruptedFraction", value: "\(corruptedFraction)",
        expected: "\(sum) < 1 in the \(threatModel.rawValue) model (dropoutRate = \(dropoutRate))")
    }
    throw .invalidParameter(
      name: "clientCount", value: "\(clientCount)",
      expected:
        "more clients: no neighbour graph on \(clientCount) clients, not even the complete one, "
        + "gives a threshold t ≥ 2 with 2^-\(securityBits) security and 2^-\(correctnessBits) "
        + "failure probability at dropoutRate \(dropoutRate), corruptedFraction "
        + "\(corruptedFraction) (\(threatModel.rawValue))")
  }
}

extension ParameterFinder {
  /// c*: the most of `corruptedCount` corrupted clients that one neighbourhood of `degree` drawn
  /// from a uniformly permuted Harary graph on `clientCount` clients holds, except with
  /// probability below 2^−(σ+1) over all clients (event 2 of the bounds, at σ = 40).
  ///
  /// The lowest ``AggregationConfiguration/corruptedNeighborBound`` a configuration accepts: the
  /// bound holds only for a graph whose labels are random to the adversary (see
  /// ``NeighborGraph``); min(n_C, k) holds always.
  public static func likelyCorruptedNeighbors(
    clientCount: Int, corruptedCount: Int, degree: Int, securityBits: Double = 40
  ) -> Int {
    guard clientCount > 1, corruptedCount > 0, degree > 0 else { return 0 }
    let logBudget = -(securityBits + 1) * log(2.0) - log(Double(clientCount))
    return Hypergeometric(
      population: clientCount, marked: min(corruptedCount, clientCount),
      draws: min(degree, clientCount)
    ).largestLikelyCount(logProbability: logBudget)
  }

  /// The dropout rate to design n clients for when a fraction `rate` is expected to drop: `rate`,
  /// raised when needed so that the design counts ⌊rate · n⌉ dropped clients, the nearest whole
  /// number (as ``DropoutSchedule/random(clientCount:fraction:round:seed:)`` drops), not
  /// ⌊rate · n⌋.
  ///
  /// The bounds count D = ⌊δn⌋ dropped clients, so ten clients at 5 % would be designed to lose
  /// nobody, and thirty at 5 % to lose one where 1.5 are expected; a dropout past the design
  /// can stop the round. Plans and the command line pass their expected rate through this;
  /// ``parameters(clientCount:dropoutRate:corruptedFraction:threatModel:securityBits:correctnessBits:)``
  /// itself takes δ as given, as fcp's finder does.
  public static func dropoutRate(designingFor rate: Double, clientCount: Int) -> Double {
    guard rate > 0, clientCount >= 2, rate.isFinite else { return rate }
    let wanted = Int((rate * Double(clientCount)).rounded())
    guard wanted < clientCount, count(rate, of: clientCount) < wanted else { return rate }
    return Double(wanted) / Double(clientCount)
  }

  /// ⌊rate · n⌋, tolerant of the binary rounding of decimal rates (0.29 · 100 is
  /// 28.999999999999996 in floating point, and counts 29 clients here). The tolerance errs
  /// towards more corrupted and more dropped clients.
  static func count(_ rate: Double, of clientCount: Int) -> Int {
    Int(((rate + 1e-12) * Double(clientCount)).rounded(.down))
  }

  /// The acceptance test of one degree, for fixed inputs.
  struct Search {
    let clientCount: Int
    let corruptedCount: Int
    let droppedCount: Int
    let threatModel: ThreatModel
    /// ln 2^−(σ+1): the budget of each of the two security events.
    let logSecurityBudget: Double
    /// ln(2^−(σ+1) / n): the per-client budget for too many corrupted neighbours.
    let logCorruptionBudgetPerClient: Double
    /// ln(2^−η / n): the per-client budget for too few surviving neighbours.
    let logCorrectnessBudgetPerClient: Double

    init(
      clientCount: Int, dropoutRate: Double, corruptedFraction: Double,
      threatModel: ThreatModel, securityBits: Double, correctnessBits: Double
    ) {
      self.clientCount = clientCount
      corruptedCount = ParameterFinder.count(corruptedFraction, of: clientCount)
      droppedCount = ParameterFinder.count(dropoutRate, of: clientCount)
      self.threatModel = threatModel
      let ln2 = log(2.0)
      let logClients = log(Double(clientCount))
      logSecurityBudget = -(securityBits + 1) * ln2
      logCorruptionBudgetPerClient = logSecurityBudget - logClients
      logCorrectnessBudgetPerClient = -correctnessBits * ln2 - logClients
    }

    /// Whether degree `degree` is accepted, and with which threshold. `degree == clientCount − 1`
    /// is the complete graph, which is never disconnected.
    func margin(forDegree degree: Int) -> Outcome {
      if degree < clientCount - 1 {
        let logDisconnected = ParameterFinder.logProbabilityOfDisconnection(
          clientCount: clientCount, degree: degree,
          removedCount: corruptedCount + droppedCount)
        guard logDisconnected < logSecurityBudget else { return .disconnected }
      }
      let corrupted = Hypergeometric(
        population: clientCount, marked: corruptedCount, draws: degree)
      let likelyCorrupted = corrupted.largestLikelyCount(
        logProbability: logCorruptionBudgetPerClient)
      let smallest: Int
      switch threatModel {
      case .semiHonest: smallest = likelyCorrupted + 1
      case .semiMalicious: smallest = (degree + likelyCorrupted) / 2 + 1
      }
      let dropped = Hypergeometric(population: clientCount, marked: droppedCount, draws: degree)
      let largest =
        degree - dropped.largestLikelyCount(logProbability: logCorrectnessBudgetPerClient)
      let threshold = max(smallest, 2)
      return threshold <= largest
        ? .accepted(threshold: threshold, corruptedNeighbors: likelyCorrupted)
        : .short(by: threshold - largest)
    }

    /// The verdict on one degree.
    enum Outcome: Equatable {
      /// Secure and correct with this threshold, given at most this many corrupted neighbours.
      case accepted(threshold: Int, corruptedNeighbors: Int)
      /// Fails the connectivity bound.
      case disconnected
      /// The smallest secure threshold exceeds the largest correct one by this much (≥ 1).
      case short(by: Int)
    }
  }

  /// ln of the union bound on the probability that removing `removedCount` clients at uniformly
  /// random positions disconnects the Harary graph H(n, k) (k even, k < n − 1):
  /// n(n − k − 1)/2 pairs of gaps of k/2 consecutive clients, each wholly removed with probability
  /// B!/(B − k)! · (n − k)!/n!. Minus infinity when fewer than k clients are removed.
  static func logProbabilityOfDisconnection(
    clientCount n: Int, degree k: Int, removedCount b: Int
  ) -> Double {
    guard k <= b else { return -.infinity }
    let logGapPairs = log(Double(n)) + log(Double(n - k - 1)) - log(2.0)
    return logGapPairs + SpecialFunctions.logFactorial(b) - SpecialFunctions.logFactorial(b - k)
      + SpecialFunctions.logFactorial(n - k) - SpecialFunctions.logFactorial(n)
  }
}

/// The hypergeometric distribution: the number of marked items among `draws` drawn without
/// replacement from `population` items of which `marked` are marked.
struct Hypergeometric {
  let population: Int
  let marked: Int
  let draws: Int

  /// The smallest possible count.
  var lowest: Int { max(0, draws - (population - marked)) }
  /// The largest possible count.
  var highest: Int { min(draws, marked) }

  /// ln P[X = x]; minus infinity outside the support.
  func logProbability(of x: Int) -> Double {
    guard x >= lowest, x <= highest else { return -.infinity }
    return SpecialFunctions.logBinomial(marked, x)
      + SpecialFunctions.logBinomial(population - marked, draws - x)
      - SpecialFunctions.logBinomial(population, draws)
  }

  /// ln P[X ≥ x], summed upwards from x until the terms no longer change the sum.
  func logUpperTail(from x: Int) -> Double {
    guard x <= highest else { return -.infinity }
    let start = max(x, lowest)
    // Terms relative to P[X = start]: P[X = j + 1] / P[X = j] =
    // (marked − j)(draws − j) / ((j + 1)(population − marked − draws + j + 1)).
    var term = 1.0
    var sum = 1.0
    var j = start
    while j < highest {
      term *=
        Double(marked - j) * Double(draws - j)
        / (Double(j + 1) * Double(population - marked - draws + j + 1))
      sum += term
      if term < sum * 1e-17 { break }
      j += 1
    }
    return logProbability(of: start) + log(sum)
  }

  /// The largest x with ln P[X ≥ x] ≥ `logProbability` (a negative number): the most marked
  /// items that can still be drawn with that probability. The search starts above the answer,
  /// at Hoeffding's bound P[X ≥ kp + s] ≤ exp(−2s²/k), checks the tail there exactly, and walks
  /// down adding one probability at a time, so it costs O(√k) terms rather than O(k).
  func largestLikelyCount(logProbability threshold: Double) -> Int {
    let mean = Double(draws) * Double(marked) / Double(population)
    let spread = (Double(draws) * -threshold / 2).squareRoot()
    var x = min(highest, max(lowest, Int((mean + spread).rounded(.down)) + 1))
    var logTail = logUpperTail(from: x)
    // Hoeffding puts the start above the answer; should rounding say otherwise, step up.
    while logTail >= threshold {
      if x == highest { return x }
      x += 1
      logTail = logUpperTail(from: x)
    }
    while x > lowest {
      x -= 1
      logTail = SpecialFunctions.logAdd(logTail, logProbability(of: x))
      if logTail >= threshold { return x }
    }
    return lowest
  }
}
