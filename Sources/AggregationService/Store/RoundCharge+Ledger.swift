import Foundation
import PrivateAggregation

extension RoundCharge {
  /// The population's ledger this charge is paid from: `existing` once its budget and δ are
  /// checked to be the charge's, or a new, empty ledger with the charge's budget and `delta`
  /// when the population has none yet.
  ///
  /// - Throws: ``AggregationServiceError/populationMismatch(population:expected:)`` when the
  ///   stored ledger has another budget or δ, and ``AggregationServiceError/refused(_:)`` for a
  ///   budget or δ no ledger takes.
  func ledger(from existing: PrivacyLedger?, delta: Double) throws(AggregationServiceError)
    -> PrivacyLedger
  {
    if let existing {
      guard existing.budget == budget, existing.delta == delta else {
        throw .populationMismatch(
          population: population,
          expected: "budget \(existing.budget.map { "\($0)" } ?? "none"), δ \(existing.delta)")
      }
      return existing
    }
    do throws(PrivateAggregationError) {
      return try PrivacyLedger(delta: delta, budget: budget)
    } catch {
      throw .refused(error)
    }
  }

  /// Whether `ledger` can pay for the rounds it has `reserved` (begun, not yet released) and
  /// then for this one, as ``RoundStore/beginRound(_:charging:)`` admits a round; nothing is
  /// recorded.
  ///
  /// - Returns: `nil` when it can, else the ``AggregationServiceError/budgetExceeded(population:budget:spent:wouldBe:)``
  ///   to throw once the round is stored as refused (its `spent` counts the reserved rounds).
  /// - Throws: ``AggregationServiceError/refused(_:)`` when the round cannot be composed with
  ///   the ledger at all (other orders, relation or grid).
  func refusal(paying ledger: PrivacyLedger, after reserved: [RoundPrivacy])
    throws(AggregationServiceError) -> AggregationServiceError?
  {
    do throws(PrivateAggregationError) {
      try ledger.check(reserved + [privacy])
      return nil
    } catch {
      guard case .privacyBudgetExceeded(let budget, let spent, let wouldBe) = error else {
        throw .refused(error)
      }
      return .budgetExceeded(population: population, budget: budget, spent: spent, wouldBe: wouldBe)
    }
  }

  /// Records `privacy`, a released round's reserved privacy, in its population's `ledger`, as
  /// ``RoundStore/finish(_:appending:release:)`` charges it.
  ///
  /// - Throws: ``AggregationServiceError/budgetExceeded(population:budget:spent:wouldBe:)`` when
  ///   the ledger cannot pay (a round admitted by its reservation always can; only a store
  ///   changed by hand gets here), and ``AggregationServiceError/refused(_:)`` for a round the
  ///   ledger cannot compose; the ledger is then unchanged.
  static func charge(_ privacy: RoundPrivacy, to ledger: PrivacyLedger, population: String)
    throws(AggregationServiceError)
  {
    do throws(PrivateAggregationError) {
      try ledger.record(privacy)
    } catch {
      guard case .privacyBudgetExceeded(let budget, let spent, let wouldBe) = error else {
        throw .refused(error)
      }
      throw .budgetExceeded(population: population, budget: budget, spent: spent, wouldBe: wouldBe)
    }
  }

  /// The charge's privacy as a store keeps it until the round's release.
  func storedPrivacy() throws(AggregationServiceError) -> [UInt8] {
    do {
      return Array(try JSONEncoder().encode(privacy))
    } catch {
      throw .store(operation: "encode the round's privacy", reason: "\(error)")
    }
  }

  /// A round's privacy from its stored form (``storedPrivacy()``).
  ///
  /// - Throws: ``AggregationServiceError/corruptStore(what:)`` naming `what`.
  static func privacy(stored bytes: [UInt8], what: String) throws(AggregationServiceError)
    -> RoundPrivacy
  {
    do {
      return try JSONDecoder().decode(RoundPrivacy.self, from: Data(bytes))
    } catch {
      throw .corruptStore(what: what)
    }
  }
}
