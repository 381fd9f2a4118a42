public import DifferentialPrivacy
import Synchronization

/// The privacy spent by the rounds run so far, at a fixed δ, with an optional budget on ε: one
/// shared record per population, safe to use from any task.
///
/// **Composition.** Each round recorded is a ``RoundPrivacy``. While every round has a privacy
/// loss distribution (``RoundPrivacy/privacyLoss``, what a plan accounted by PLD gives), the
/// ledger convolves them — rounds of different mechanisms too — and reports the tight ε of the
/// composition (``accountant`` is `PrivacyAccountant/pld`). It also adds every round's RDP at
/// ``orders`` (Mironov 2017, Proposition 1); from the first round without a distribution on,
/// it reports the RDP total, converted by `RDPAccountant/epsilon(delta:)`, for all rounds
/// (``accountant`` becomes `PrivacyAccountant/rdp`). Both are upper bounds on the true ε. Two
/// totals are kept:
/// - ``epsilon``, the guarantee that holds: each round whose amplification holds
///   (``RoundPrivacy/amplificationHolds``) counts at its cohort's rate, every other round in
///   full;
/// - ``epsilonWithoutAmplification``, every round counted in full: the guarantee against a server
///   that chooses every cohort itself.
///
/// T identical rounds give the ε of the plan's `PrivacyReport` for T rounds, by the same
/// accountant.
///
/// **When a round is charged.** Before it starts: ``record(_:)`` checks the budget and records
/// the round at once, so a round that would exceed the budget never starts, and two rounds
/// sharing the ledger can never both pass a check that only one of them fits.
/// `PrivateAggregationServer` records its round when it is made. A round that then fails stays
/// charged: its noised sum may have been computed, and a refund could only be claimed by trusting
/// that it was not released. ``check(_:)-(RoundPrivacy)`` and ``epsilon(ifRecording:)`` ask without recording.
///
/// **One reference.** The ledger is a class: every holder of it — the caller, each round's
/// server — sees and charges the same budget, so it cannot be reset by keeping an old copy. Its
/// state is guarded by a mutex; ``record(_:)`` holds it while composing. To keep it across
/// processes, encode it (`Codable`, a versioned format, see ``formatVersion``) and decode it on
/// start; the decoder checks what it reads and recomputes every total's ε.
///
/// All rounds must share one neighbouring relation (an ε under add-or-remove-one and one under
/// replace-one do not compose into a single guarantee): the first round recorded fixes it.
public final class PrivacyLedger: Sendable {
  /// One recorded round: what it was and the ε after it. The round's distributions are composed
  /// into the ledger's totals and not kept, so the ledger's size does not grow with them.
  public struct Entry: Sendable, Hashable, Codable {
    /// The round's number, 1-based, in the order recorded.
    public let round: Int
    /// The round's accounting, e.g. "PLD (distributed discrete Gaussian)".
    public let accountant: String
    /// The round's σ_total / C.
    public let noiseMultiplier: Double
    /// How the round's cohort was chosen.
    public let sampling: CohortSampling
    /// The round's neighbouring relation.
    public let relation: NeighboringRelation
    /// Whether the round counted at its cohort's rate in ``PrivacyLedger/epsilon``.
    public let amplificationHolds: Bool
    /// The ε (at the ledger's δ) that held right after this round: the ledger's
    /// ``PrivacyLedger/epsilon`` then.
    public let epsilonAfter: EpsilonAtOrder
  }

  /// The version of the encoded format this library writes and reads, 1.
  public static let formatVersion = 1

  /// The δ of every ε the ledger reports, 0 < δ < 1.
  public let delta: Double
  /// The largest ε allowed, at ``delta``; `nil` for no limit.
  public let budget: Double?
  /// The Rényi orders the ledger tracks; every round recorded must be given at these orders.
  public let orders: [Double]
  /// The grid interval of the privacy loss distributions the ledger composes; every round's
  /// distribution must be on it.
  public let valueDiscretization: Double

  /// The rounds and totals, behind the ledger's lock.
  let state: Mutex<State>

  /// The ledger's totals.
  struct State: Sendable {
    /// The rounds recorded, in order.
    var entries: [Entry]
    /// The summed RDP of the guarantee that holds, at ``PrivacyLedger/orders``.
    var renyi: [Double]
    /// The summed RDP with every round counted in full.
    var renyiWithoutAmplification: [Double]
    /// The composed distribution of the guarantee that holds; `nil` once a round without one
    /// was recorded.
    var privacyLoss: PrivacyLossDistribution?
    /// The composed distribution with every round counted in full; `nil` while it equals
    /// ``privacyLoss`` (no round counted at a rate yet) or once that is `nil`.
    var privacyLossWithoutAmplification: PrivacyLossDistribution?
    /// The ε of the guarantee that holds.
    var epsilon: EpsilonAtOrder
    /// The ε with every round counted in full.
    var epsilonWithoutAmplification: EpsilonAtOrder
  }

  /// An empty ledger.
  ///
  /// - Parameters:
  ///   - delta: the δ of every ε reported, 0 < δ < 1.
  ///   - budget: the largest ε allowed, finite and > 0; `nil` (the default) for no limit.
  ///   - orders: Rényi orders, at least one, each finite and > 1; `RDP/defaultOrders` by
  ///     default.
  ///   - valueDiscretization: the grid interval of the distributions composed, in (0, 1];
  ///     `PrivacyLossDistribution/defaultValueDiscretization` (10⁻⁴, what plans use) by default.
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `delta`, `budget`, `orders` or `valueDiscretization`.
  public init(
    delta: Double,
    budget: Double? = nil,
    orders: [Double] = RDP.defaultOrders,
    valueDiscretization: Double = PrivacyLossDistribution.defaultValueDiscretization
  ) throws(PrivateAggregationError) {
    try Self.validate(delta: delta, budget: budget, orders: orders)
    guard
      let identity = try? PrivacyLossDistribution.identity(
        valueDiscretization: valueDiscretization)
    else {
      throw .invalidParameter(
        name: "valueDiscretization", value: "\(valueDiscretization)",
        expected: "a grid interval in (0, 1], e.g. 1e-4")
    }
    let zeros = [Double](repeating: 0, count: orders.count)
    self.delta = delta
    self.budget = budget
    self.orders = orders
    self.valueDiscretization = valueDiscretization
    let zero = EpsilonAtOrder(epsilon: 0, delta: delta, order: nil)
    state = Mutex(
      State(
        entries: [], renyi: zeros, renyiWithoutAmplification: zeros, privacyLoss: identity,
        privacyLossWithoutAmplification: nil, epsilon: zero, epsilonWithoutAmplification: zero))
  }

  /// A ledger with the given state, checked by the caller (the decoder).
  init(
    delta: Double, budget: Double?, orders: [Double], valueDiscretization: Double, state: State
  ) {
    self.delta = delta
    self.budget = budget
    self.orders = orders
    self.valueDiscretization = valueDiscretization
    self.state = Mutex(state)
  }

  /// The rounds recorded, in order.
  public var entries: [Entry] {
    state.withLock { $0.entries }
  }

  /// The number of rounds recorded.
  public var roundsRecorded: Int {
    state.withLock { $0.entries.count }
  }

  /// The guarantee that holds after the rounds recorded (see ``PrivacyLedger``); ε = 0 before
  /// any round.
  public var epsilon: EpsilonAtOrder {
    state.withLock { $0.epsilon }
  }

  /// The ε, at ``delta``, with every round recorded counted in full, whether or not its
  /// amplification holds; never less than ``epsilon``.
  public var epsilonWithoutAmplification: EpsilonAtOrder {
    state.withLock { $0.epsilonWithoutAmplification }
  }

  /// The accountant of ``epsilon``: `PrivacyAccountant/pld` while every round recorded has a
  /// privacy loss distribution (an empty ledger too), else `PrivacyAccountant/rdp`.
  public var accountant: PrivacyAccountant {
    state.withLock { $0.privacyLoss == nil ? .rdp : .pld }
  }

  /// The ε (at ``delta``) that would hold after recording `round`, without recording it.
  ///
  /// - Throws: ``PrivateAggregationError/invalidParameter(name:value:expected:)`` naming
  ///   `orders` when the round's orders are not the ledger's, `relation` when its relation
  ///   differs from the rounds already recorded, or `privacyLoss` when its distribution is not
  ///   on the ledger's grid.
  public func epsilon(ifRecording round: RoundPrivacy) throws(PrivateAggregationError)
    -> EpsilonAtOrder
  {
    let current = state.withLock { $0 }
    return try Self.composed(current, with: round, ledger: self).epsilon
  }

  /// Checks that `round` fits in the budget, without recording it.
  ///
  /// - Throws: ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` when the
  ///   ε after the round would exceed ``budget`` (with `spent` the current ``epsilon`` and
  ///   `wouldBe` the ε after the round), or the errors of ``epsilon(ifRecording:)``.
  public func check(_ round: RoundPrivacy) throws(PrivateAggregationError) {
    let current = state.withLock { $0 }
    _ = try checked(current, round)
  }

  /// Checks that `rounds`, recorded in order after the rounds already recorded, all fit in the
  /// budget, without recording any: what a service checks before it begins a round while
  /// rounds it admitted earlier have not been charged yet.
  ///
  /// - Throws: ``PrivateAggregationError/privacyBudgetExceeded(budget:spent:wouldBe:)`` for the
  ///   first round that does not fit (with `spent` the ε after the rounds before it, and
  ///   `wouldBe` the ε with it), or the errors of ``epsilon(ifRecording:)``.
  public func check(_ rounds: [RoundPrivacy]) throws(PrivateAggregationError) {
    var current = state.withLock { $0 }
    for round in rounds {
      current = try checked(current, round)
    }
  }

  /// Checks `round` as ``check(_:)-(RoundPrivacy)`` does and records it, atomically: what a server calls before
  /// it starts the round.
  ///
  /// - Throws: the errors of ``check(_:)-(RoundPrivacy)``; the ledger is then unchanged.
  public func record(_ round: RoundPrivacy) throws(PrivateAggregationError) {
    try state.withLock { (current) throws(PrivateAggregationError) in
      current = try checked(current, round)
    }
  }

  /// `current` with `round` added, after checking that the ε after the round is within the
  /// budget.
  private func checked(_ current: State, _ round: RoundPrivacy) throws(PrivateAggregationError)
    -> State
  {
    let next = try Self.composed(current, with: round, ledger: self)
    // `!(≤)` rather than `>` so that an ε of NaN, were one to appear, also stops the round.
    if let budget, !(next.epsilon.epsilon <= budget) {
      throw .privacyBudgetExceeded(
        budget: budget, spent: current.epsilon.epsilon, wouldBe: next.epsilon.epsilon)
    }
    return next
  }

  /// `current` with `round` added, checked against the orders, the relation and the grid (not
  /// the budget).
  private static func composed(
    _ current: State, with round: RoundPrivacy, ledger: PrivacyLedger
  ) throws(PrivateAggregationError) -> State {
    guard round.orders == ledger.orders else {
      throw .invalidParameter(
        name: "orders", value: "\(round.orders.count) orders from \(round.orders.first ?? .nan)",
        expected: "the ledger's \(ledger.orders.count) orders from \(ledger.orders.first ?? .nan)")
    }
    if let first = current.entries.first, first.relation != round.relation {
      throw .invalidParameter(
        name: "relation", value: round.relation.rawValue,
        expected: "\(first.relation.rawValue), the relation of the rounds recorded")
    }
    if let loss = round.privacyLoss, loss.valueDiscretization != ledger.valueDiscretization {
      throw .invalidParameter(
        name: "privacyLoss", value: "grid \(loss.valueDiscretization)",
        expected: "the ledger's grid \(ledger.valueDiscretization)")
    }
    var next = current
    next.renyi = try adding(round.effectiveRDP, to: current.renyi)
    next.renyiWithoutAmplification = try adding(
      round.unsampledRDP, to: current.renyiWithoutAmplification)
    try PrivateAggregationError.liftingPrivacyError { () throws(DifferentialPrivacyError) in
      if let total = current.privacyLoss, let unsampled = round.privacyLoss,
        let effective = round.effectivePrivacyLoss
      {
        next.privacyLoss = try total.composed(with: effective)
        if current.privacyLossWithoutAmplification != nil || round.sampledPrivacyLoss != nil {
          let without = current.privacyLossWithoutAmplification ?? total
          next.privacyLossWithoutAmplification = try without.composed(with: unsampled)
        }
      } else {
        next.privacyLoss = nil
        next.privacyLossWithoutAmplification = nil
      }
      (next.epsilon, next.epsilonWithoutAmplification) = try epsilons(
        of: next, delta: ledger.delta, orders: ledger.orders)
    }
    next.entries.append(
      Entry(
        round: current.entries.count + 1, accountant: round.accountant,
        noiseMultiplier: round.noiseMultiplier, sampling: round.sampling,
        relation: round.relation, amplificationHolds: round.amplificationHolds,
        epsilonAfter: next.epsilon))
    return next
  }

  /// The ε of a state's two totals: by PLD while it has distributions, else by RDP.
  static func epsilons(
    of state: State, delta: Double, orders: [Double]
  ) throws(DifferentialPrivacyError) -> (EpsilonAtOrder, EpsilonAtOrder) {
    if let loss = state.privacyLoss {
      let with = try loss.epsilon(delta: delta)
      let without = try (state.privacyLossWithoutAmplification ?? loss).epsilon(delta: delta)
      return (
        EpsilonAtOrder(epsilon: with, delta: delta, order: nil),
        EpsilonAtOrder(epsilon: without, delta: delta, order: nil)
      )
    }
    return (
      try RDPAccountant.epsilon(orders: orders, rdp: state.renyi, delta: delta),
      try RDPAccountant.epsilon(orders: orders, rdp: state.renyiWithoutAmplification, delta: delta)
    )
  }

  /// `total` plus `values`, order by order.
  private static func adding(
    _ values: [Double], to total: [Double]
  ) throws(PrivateAggregationError) -> [Double] {
    guard values.count == total.count else {
      throw .invalidParameter(
        name: "orders", value: "\(values.count) values", expected: "one per order (\(total.count))")
    }
    return zip(total, values).map { $0 + $1 }
  }

  /// Checks a ledger's δ, budget and orders.
  static func validate(
    delta: Double, budget: Double?, orders: [Double]
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
    try validate(orders: orders)
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
