import PrivateAggregation

extension RoundCharge {
  /// Charges this round's privacy to `existing`, the population's stored ledger (a new ledger
  /// with the charge's budget and `delta` when `nil`), as ``RoundStore/beginRound(_:charging:)``
  /// describes.
  ///
  /// - Returns: the ledger with the charge recorded, or, when the budget cannot pay, the ledger
  ///   unchanged and the ``AggregationServiceError/budgetExceeded(population:budget:spent:wouldBe:)``
  ///   to throw once the round is stored as refused.
  /// - Throws: ``AggregationServiceError/populationMismatch(population:expected:)`` when the
  ///   stored ledger has another budget or δ, and ``AggregationServiceError/refused(_:)`` for a
  ///   budget or δ no ledger takes.
  func apply(to existing: PrivacyLedger?, delta: Double) throws(AggregationServiceError)
    -> (ledger: PrivacyLedger, refusal: AggregationServiceError?)
  {
    let ledger: PrivacyLedger
    if let existing {
      guard existing.budget == budget, existing.delta == delta else {
        throw .populationMismatch(
          population: population,
          expected: "budget \(existing.budget.map { "\($0)" } ?? "none"), δ \(existing.delta)")
      }
      ledger = existing
    } else {
      do throws(PrivateAggregationError) {
        ledger = try PrivacyLedger(delta: delta, budget: budget)
      } catch {
        throw .refused(error)
      }
    }
    do throws(PrivateAggregationError) {
      try ledger.record(privacy)
    } catch {
      guard case .privacyBudgetExceeded(let budget, let spent, let wouldBe) = error else {
        throw .refused(error)
      }
      return (
        ledger,
        .budgetExceeded(population: population, budget: budget, spent: spent, wouldBe: wouldBe)
      )
    }
    return (ledger, nil)
  }
}
