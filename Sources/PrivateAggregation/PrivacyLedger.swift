public import DifferentialPrivacy

/// One round's privacy, as a ``PrivacyLedger`` records it: the round's RDP at the ledger's
/// orders, with and without amplification by sampling.
///
/// The round is given by its mechanism's unsampled RDP curve — a `DistributedDiscreteGaussian`,
/// a `DistributedSkellam` or `RDP/gaussian(noiseMultiplier:order:)`, say — which must already
/// use the sensitivity of `relation` (2C for replace-one). The curve is evaluated once, here: the
/// value keeps only the numbers, so it is `Sendable` and `Hashable`.
public struct RoundPrivacy: Sendable, Hashable {
  /// A name for the accounting used, e.g. "RDP (distributed discrete Gaussian)".
  public let accountant: String
  /// The standard deviation of the round's total noise over the clip bound (σ_total / C), for
  /// display; the accounting uses the curve.
  public let noiseMultiplier: Double
  /// How the round's cohort is chosen.
  public let sampling: CohortSampling
  /// Which datasets the round's guarantee makes indistinguishable.
  public let relation: NeighboringRelation
  /// The Rényi orders at which ``unsampledRDP`` and ``sampledRDP`` are given.
  public let orders: [Double]
  /// The mechanism's own RDP at each of ``orders``: the round counted in full, as if the client
  /// took part in it.
  public let unsampledRDP: [Double]
  /// The RDP at each of ``orders`` with amplification by Poisson sampling at the cohort's rate
  /// (the general bound of `RDP/poissonSubsampled(samplingRate:orders:curve:)`), never more
  /// than ``unsampledRDP``. It is a guarantee only when ``amplificationHolds``.
  public let sampledRDP: [Double]
  /// Whether ``sampledRDP`` is a valid guarantee: true only for a `CohortSampling/poisson(rate:)`
  /// cohort under `NeighboringRelation/addOrRemoveOne` — the rule of
  /// `PrivacyReport/amplificationHolds`.
  public let amplificationHolds: Bool

  /// Evaluates one round's RDP curve at `orders`, with and without amplification by sampling.
  ///
  /// - Parameters:
  ///   - accountant: a name for the accounting, e.g. "RDP (distributed discrete Gaussian)".
  ///   - noiseMultiplier: σ_total / C, finite and > 0, for display.
  ///   - sampling: the cohort sampling; its rate is in [0, 1].
  ///   - relation: the neighbouring relation the curve's sensitivities were computed for;
  ///     add-or-remove-one by default.
  ///   - orders: Rényi orders, each finite and > 1; `RDP/defaultOrders` by default. They must
  ///     be the orders of the ledger the round is recorded in.
  ///   - curve: the round's RDP at an order α, without sampling; ≥ 0 (+∞ allowed). When the
  ///     rate is below 1 it is also evaluated at the integer orders 2 … ⌈max(orders)⌉.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `noiseMultiplier`, `sampling`, `orders` or `curve(α)`, or
  ///   ``PrivateAggregationError/differentialPrivacy(_:)`` with the curve's own error.
  public init(
    accountant: String,
    noiseMultiplier: Double,
    sampling: CohortSampling,
    relation: NeighboringRelation = .addOrRemoveOne,
    orders: [Double] = RDP.defaultOrders,
    curve: (Double) throws(DifferentialPrivacyError) -> Double
  ) throws(PrivateAggregationError) {
    guard noiseMultiplier.isFinite, noiseMultiplier > 0 else {
      throw .invalidParameter(
        name: "noiseMultiplier", value: "\(noiseMultiplier)", expected: "a finite number > 0")
    }
    guard sampling.rate >= 0, sampling.rate <= 1 else {
      throw .invalidParameter(
        name: "sampling", value: "\(sampling)", expected: "a rate (or fraction) in [0, 1]")
    }
    try PrivacyLedger.validate(orders: orders)
    var unsampled: [Double] = []
    unsampled.reserveCapacity(orders.count)
    for order in orders {
      let value: Double
      do throws(DifferentialPrivacyError) {
        value = try curve(order)
      } catch {
        throw .differentialPrivacy(error)
      }
      guard value >= 0 else {
        throw .invalidParameter(
          name: "curve(\(order))", value: "\(value)", expected: "a Rényi divergence ≥ 0")
      }
      unsampled.append(value)
    }
    let sampled: [Double]
    do throws(DifferentialPrivacyError) {
      sampled = try RDP.poissonSubsampled(
        samplingRate: sampling.rate, orders: orders, curve: curve)
    } catch {
      throw .differentialPrivacy(error)
    }
    self.accountant = accountant
    self.noiseMultiplier = noiseMultiplier
    self.sampling = sampling
    self.relation = relation
    self.orders = orders
    self.unsampledRDP = unsampled
    self.sampledRDP = sampled
    switch sampling {
    case .poisson: self.amplificationHolds = relation == .addOrRemoveOne
    case .chosenByServer: self.amplificationHolds = false
    }
  }

  /// The RDP this round adds to the guarantee that holds: ``sampledRDP`` when
  /// ``amplificationHolds``, else ``unsampledRDP``.
  var effectiveRDP: [Double] {
    amplificationHolds ? sampledRDP : unsampledRDP
  }
}

/// The privacy spent by the rounds run so far, at a fixed δ, with an optional budget on ε.
///
/// The ledger adds the rounds' RDP at a fixed grid of orders (composition, Mironov 2017,
/// Proposition 1) and converts the total to (ε, δ)-DP with the tighter conversion of
/// `RDPAccountant/epsilon(delta:)`. Two totals are kept:
/// - ``epsilon``, the guarantee that holds: each round whose amplification holds
///   (``RoundPrivacy/amplificationHolds``) contributes its ``RoundPrivacy/sampledRDP``, every
///   other round its ``RoundPrivacy/unsampledRDP``;
/// - ``epsilonWithoutAmplification``, every round counted in full: the guarantee against a server
///   that chooses every cohort itself.
///
/// T identical rounds give the ε of `PrivacyReport/mechanism(accountant:noiseMultiplier:sampling:rounds:delta:relation:orders:curve:)`
/// for T rounds. A server calls ``check(_:)`` before it starts a round, and ``record(_:)`` once
/// the round's noised sum is released.
///
/// All rounds must share one neighbouring relation (an ε under add-or-remove-one and one under
/// replace-one do not compose into a single guarantee): the first round recorded fixes it.
///
/// The ledger is a value: ``record(_:)`` is `mutating` and leaves it unchanged when it throws.
public struct PrivacyLedger: Sendable, Hashable {
  /// One recorded round.
  public struct Entry: Sendable, Hashable {
    /// The round's number, 1-based, in the order recorded.
    public let round: Int
    /// The round's privacy.
    public let privacy: RoundPrivacy
    /// The ε (at the ledger's δ, with its optimal order) that holds after this round: the
    /// ledger's ``PrivacyLedger/epsilon`` right after recording it.
    public let epsilonAfter: EpsilonAtOrder
  }

  /// The δ of every ε the ledger reports, 0 < δ < 1.
  public let delta: Double
  /// The largest ε allowed, at ``delta``; `nil` for no limit.
  public let budget: Double?
  /// The Rényi orders the ledger tracks; every round recorded must be given at these orders.
  public let orders: [Double]
  /// The rounds recorded, in order.
  public private(set) var entries: [Entry]
  /// The guarantee that holds after the rounds recorded (see ``PrivacyLedger``).
  ///
  /// Before any round the RDP is 0 at every order, so the KL bound on the total variation,
  /// √(1 − e^{−0}) = 0, is below any δ and ε = 0: `RDPAccountant/epsilon(orders:rdp:delta:)`
  /// gives ε = 0 at the first of ``orders`` (the first order at which the minimum is reached).
  public private(set) var epsilon: EpsilonAtOrder
  /// The ε, at ``delta``, with every round recorded counted in full (its
  /// ``RoundPrivacy/unsampledRDP``), whether or not its amplification holds; never less than
  /// ``epsilon``. Before any round it is ε = 0, as ``epsilon``.
  public private(set) var epsilonWithoutAmplification: EpsilonAtOrder

  /// The summed RDP of the guarantee that holds.
  private var spent: RDPAccountant
  /// The summed RDP with every round counted in full.
  private var spentWithoutAmplification: RDPAccountant

  /// The ledger's sums and their ε with one more round added.
  private struct Totals {
    /// The summed RDP of the guarantee that holds.
    var spent: RDPAccountant
    /// The summed RDP with every round counted in full.
    var spentWithoutAmplification: RDPAccountant
    /// The ε of ``spent``.
    var epsilon: EpsilonAtOrder
    /// The ε of ``spentWithoutAmplification``.
    var epsilonWithoutAmplification: EpsilonAtOrder
  }

  /// An empty ledger.
  ///
  /// - Parameters:
  ///   - delta: the δ of every ε reported, 0 < δ < 1.
  ///   - budget: the largest ε allowed, finite and > 0; `nil` (the default) for no limit.
  ///   - orders: Rényi orders, at least one, each finite and > 1; `RDP/defaultOrders` by
  ///     default.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `delta`, `budget` or `orders`.
  public init(
    delta: Double,
    budget: Double? = nil,
    orders: [Double] = RDP.defaultOrders
  ) throws(PrivateAggregationError) {
    guard delta > 0, delta < 1 else {
      throw .invalidParameter(name: "delta", value: "\(delta)", expected: "0 < δ < 1")
    }
    if let budget {
      guard budget.isFinite, budget > 0 else {
        throw .invalidParameter(
          name: "budget", value: "\(budget)", expected: "a finite ε > 0, or nil for no limit")
      }
    }
    try Self.validate(orders: orders)
    let empty: RDPAccountant
    let zero: EpsilonAtOrder
    do throws(DifferentialPrivacyError) {
      empty = try RDPAccountant(orders: orders)
      zero = try empty.epsilon(delta: delta)
    } catch {
      throw .differentialPrivacy(error)
    }
    self.delta = delta
    self.budget = budget
    self.orders = orders
    self.entries = []
    self.epsilon = zero
    self.epsilonWithoutAmplification = zero
    self.spent = empty
    self.spentWithoutAmplification = empty
  }

  /// The number of rounds recorded.
  public var roundsRecorded: Int {
    entries.count
  }

  /// The ε (at ``delta``) that would hold after recording `round`, without recording it.
  ///
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `orders` when the round's orders are not the ledger's, or `relation` when its relation
  ///   differs from the rounds already recorded.
  public func epsilon(ifRecording round: RoundPrivacy) throws(PrivateAggregationError)
    -> EpsilonAtOrder
  {
    try composed(with: round).epsilon
  }

  /// Checks that `round` fits in the budget: what a server calls before it starts the round.
  ///
  /// - Throws: ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` when the
  ///   ε after the round would exceed ``budget`` (with `spent` the current ``epsilon`` and
  ///   `wouldBe` the ε after the round), or the errors of ``epsilon(ifRecording:)``.
  public func check(_ round: RoundPrivacy) throws(PrivateAggregationError) {
    _ = try checked(round)
  }

  /// Checks `round` as ``check(_:)`` does, then records it.
  ///
  /// - Throws: the errors of ``check(_:)``; the ledger is then unchanged.
  public mutating func record(_ round: RoundPrivacy) throws(PrivateAggregationError) {
    let next = try checked(round)
    entries.append(Entry(round: entries.count + 1, privacy: round, epsilonAfter: next.epsilon))
    spent = next.spent
    spentWithoutAmplification = next.spentWithoutAmplification
    epsilon = next.epsilon
    epsilonWithoutAmplification = next.epsilonWithoutAmplification
  }

  /// The ledger's totals with `round` added, checked against the orders and the relation (not
  /// the budget); the ledger itself is not changed.
  private func composed(with round: RoundPrivacy) throws(PrivateAggregationError) -> Totals {
    guard round.orders == orders else {
      throw .invalidParameter(
        name: "orders", value: "\(round.orders.count) orders from \(round.orders.first ?? .nan)",
        expected: "the ledger's \(orders.count) orders from \(orders.first ?? .nan)")
    }
    if let first = entries.first, first.privacy.relation != round.relation {
      throw .invalidParameter(
        name: "relation", value: round.relation.rawValue,
        expected: "\(first.privacy.relation.rawValue), the relation of the rounds recorded")
    }
    let spent = try Self.adding(round.effectiveRDP, to: self.spent)
    let spentWithoutAmplification = try Self.adding(
      round.unsampledRDP, to: self.spentWithoutAmplification)
    let after: EpsilonAtOrder
    let afterWithoutAmplification: EpsilonAtOrder
    do throws(DifferentialPrivacyError) {
      after = try spent.epsilon(delta: delta)
      afterWithoutAmplification = try spentWithoutAmplification.epsilon(delta: delta)
    } catch {
      throw .differentialPrivacy(error)
    }
    return Totals(
      spent: spent, spentWithoutAmplification: spentWithoutAmplification, epsilon: after,
      epsilonWithoutAmplification: afterWithoutAmplification)
  }

  /// The ledger's totals with `round` added, as ``composed(with:)`` gives them, after checking
  /// that the ε after the round is within the budget.
  private func checked(_ round: RoundPrivacy) throws(PrivateAggregationError) -> Totals {
    let next = try composed(with: round)
    // `!(≤)` rather than `>` so that an ε of NaN, were one to appear, also stops the round.
    if let budget, !(next.epsilon.epsilon <= budget) {
      throw .privacyBudgetExceeded(
        budget: budget, spent: epsilon.epsilon, wouldBe: next.epsilon.epsilon)
    }
    return next
  }

  /// `accountant` with the per-order values `values` (one per order, in order) composed once.
  private static func adding(
    _ values: [Double],
    to accountant: RDPAccountant
  ) throws(PrivateAggregationError) -> RDPAccountant {
    var result = accountant
    let orders = accountant.orders
    do throws(DifferentialPrivacyError) {
      try result.compose { (order) throws(DifferentialPrivacyError) -> Double in
        guard let index = orders.firstIndex(of: order), values.indices.contains(index) else {
          throw .invalidParameter(
            name: "orders", value: "\(order)", expected: "one of the ledger's orders")
        }
        return values[index]
      }
    } catch {
      throw .differentialPrivacy(error)
    }
    return result
  }

  /// Requires at least one order, each finite and > 1.
  static func validate(orders: [Double]) throws(PrivateAggregationError) {
    guard !orders.isEmpty else {
      throw .invalidParameter(name: "orders", value: "[]", expected: "at least one order")
    }
    for order in orders {
      guard order.isFinite, order > 1 else {
        throw .invalidParameter(
          name: "orders", value: "\(order)", expected: "finite Rényi orders α > 1")
      }
    }
  }
}
