import DifferentialPrivacy
import Testing

@testable import PrivateAggregation

/// The per-round Gaussian curve the tests account: z = 1.1.
private func gaussianCurve(_ order: Double) throws(DifferentialPrivacyError) -> Double {
  try RDP.gaussian(noiseMultiplier: 1.1, order: order)
}

/// One round of the Gaussian with z = 1.1 at the given sampling.
private func gaussianRound(
  _ sampling: CohortSampling,
  relation: NeighboringRelation = .addOrRemoveOne,
  orders: [Double] = RDP.defaultOrders
) throws -> RoundPrivacy {
  try RoundPrivacy(
    accountant: "RDP (Gaussian)", noiseMultiplier: 1.1, sampling: sampling, relation: relation,
    orders: orders, curve: gaussianCurve)
}

/// Whether `actual` is within `tolerance` of `expected`, relative to `expected`.
private func isClose(_ actual: Double, _ expected: Double, relative tolerance: Double) -> Bool {
  abs(actual - expected) <= tolerance * max(abs(expected), .leastNormalMagnitude)
}

@Suite struct PrivacyLedgerTests {
  static let delta = 1e-5

  @Test(arguments: [1, 10, 100])
  func poissonRoundsMatchThePrivacyReport(rounds: Int) throws {
    let sampling = CohortSampling.poisson(rate: 0.01)
    let round = try gaussianRound(sampling)
    #expect(round.amplificationHolds)
    let ledger = try PrivacyLedger(delta: Self.delta)
    for _ in 0..<rounds {
      try ledger.record(round)
    }
    let report = try PrivacyReport.mechanism(
      accountant: "RDP (Gaussian)", noiseMultiplier: 1.1, sampling: sampling, rounds: rounds,
      delta: Self.delta, relation: .addOrRemoveOne, curve: gaussianCurve)
    #expect(ledger.roundsRecorded == rounds)
    #expect(isClose(ledger.epsilon.epsilon, report.epsilon.epsilon, relative: 1e-9))
    #expect(ledger.epsilon.order == report.epsilon.order)
    #expect(ledger.epsilon.delta == Self.delta)
    #expect(
      isClose(
        ledger.epsilonWithoutAmplification.epsilon, report.epsilonWithoutAmplification.epsilon,
        relative: 1e-9))
    #expect(ledger.epsilon.epsilon < ledger.epsilonWithoutAmplification.epsilon)
    #expect(ledger.entries.last?.epsilonAfter == ledger.epsilon)
    #expect(ledger.entries.map(\.round) == Array(1...rounds))
  }

  @Test(arguments: [1, 10, 100])
  func serverChosenRoundsClaimNoAmplification(rounds: Int) throws {
    let sampling = CohortSampling.chosenByServer(fraction: 0.01)
    let round = try gaussianRound(sampling)
    #expect(!round.amplificationHolds)
    let ledger = try PrivacyLedger(delta: Self.delta)
    for _ in 0..<rounds {
      try ledger.record(round)
    }
    let report = try PrivacyReport.mechanism(
      accountant: "RDP (Gaussian)", noiseMultiplier: 1.1, sampling: sampling, rounds: rounds,
      delta: Self.delta, relation: .addOrRemoveOne, curve: gaussianCurve)
    #expect(ledger.epsilon == ledger.epsilonWithoutAmplification)
    #expect(isClose(ledger.epsilon.epsilon, report.epsilon.epsilon, relative: 1e-9))
    #expect(
      isClose(
        ledger.epsilonWithoutAmplification.epsilon, report.epsilonWithoutAmplification.epsilon,
        relative: 1e-9))
  }

  @Test func replaceOneClaimsNoAmplification() throws {
    let round = try gaussianRound(.poisson(rate: 0.01), relation: .replaceOne)
    #expect(!round.amplificationHolds)
    let ledger = try PrivacyLedger(delta: Self.delta)
    try ledger.record(round)
    #expect(ledger.epsilon == ledger.epsilonWithoutAmplification)
  }

  @Test func emptyLedgerHasZeroEpsilon() throws {
    let ledger = try PrivacyLedger(delta: Self.delta, budget: 1)
    #expect(ledger.roundsRecorded == 0)
    #expect(ledger.entries.isEmpty)
    #expect(ledger.accountant == .pld)
    #expect(ledger.epsilon == EpsilonAtOrder(epsilon: 0, delta: Self.delta, order: nil))
    #expect(ledger.epsilonWithoutAmplification == ledger.epsilon)
  }

  @Test func epsilonIfRecordingDoesNotRecord() throws {
    let round = try gaussianRound(.poisson(rate: 0.01))
    let ledger = try PrivacyLedger(delta: Self.delta)
    let predicted = try ledger.epsilon(ifRecording: round)
    #expect(ledger.roundsRecorded == 0)
    try ledger.record(round)
    #expect(ledger.epsilon == predicted)
  }

  @Test func budgetStopsTheSixthRoundAndLeavesTheLedgerUnchanged() throws {
    let round = try gaussianRound(.poisson(rate: 0.01))
    let unlimited = try PrivacyLedger(delta: Self.delta)
    for _ in 0..<5 {
      try unlimited.record(round)
    }
    let afterFive = unlimited.epsilon.epsilon
    let afterSix = try unlimited.epsilon(ifRecording: round).epsilon
    #expect(afterFive < afterSix)
    let budget = (afterFive + afterSix) / 2

    let ledger = try PrivacyLedger(delta: Self.delta, budget: budget)
    for _ in 0..<5 {
      try ledger.check(round)
      try ledger.record(round)
    }
    #expect(ledger.epsilon.epsilon == afterFive)
    let before = (epsilon: ledger.epsilon, entries: ledger.entries)
    let expected = PrivateAggregationError.privacyBudgetExceeded(
      budget: budget, spent: afterFive, wouldBe: afterSix)
    #expect(throws: expected) { try ledger.check(round) }
    #expect(throws: expected) { try ledger.record(round) }
    #expect(ledger.entries.count == 5)
    #expect(ledger.epsilon == before.epsilon)
    #expect(ledger.entries == before.entries)
  }

  @Test func epsilonNeverDecreases() throws {
    let rounds = [
      try gaussianRound(.poisson(rate: 0.01)),
      try gaussianRound(.chosenByServer(fraction: 0.01)),
      try gaussianRound(.poisson(rate: 0.1)),
      try gaussianRound(.poisson(rate: 0)),
    ]
    let ledger = try PrivacyLedger(delta: Self.delta)
    var previous = ledger.epsilon.epsilon
    var previousWithout = ledger.epsilonWithoutAmplification.epsilon
    for index in 0..<40 {
      try ledger.record(rounds[index % rounds.count])
      #expect(ledger.epsilon.epsilon >= previous)
      #expect(ledger.epsilonWithoutAmplification.epsilon >= previousWithout)
      #expect(ledger.epsilon.epsilon <= ledger.epsilonWithoutAmplification.epsilon)
      previous = ledger.epsilon.epsilon
      previousWithout = ledger.epsilonWithoutAmplification.epsilon
    }
  }

  @Test func mixedLedgerLiesBetweenAllAmplifiedAndAllUnamplified() throws {
    let poisson = try gaussianRound(.poisson(rate: 0.01))
    let server = try gaussianRound(.chosenByServer(fraction: 0.01))
    let amplified = try PrivacyLedger(delta: Self.delta)
    let unamplified = try PrivacyLedger(delta: Self.delta)
    let mixed = try PrivacyLedger(delta: Self.delta)
    for index in 0..<20 {
      try amplified.record(poisson)
      try unamplified.record(server)
      try mixed.record(index.isMultiple(of: 4) ? server : poisson)
    }
    #expect(amplified.epsilon.epsilon < mixed.epsilon.epsilon)
    #expect(mixed.epsilon.epsilon < unamplified.epsilon.epsilon)
    #expect(
      isClose(
        mixed.epsilonWithoutAmplification.epsilon, unamplified.epsilon.epsilon, relative: 1e-12))
  }

  @Test func invalidDeltaNamesDelta() {
    for delta in [0, 1, -0.1, 1.5, Double.nan, .infinity] {
      #expect(invalidParameterName { _ = try PrivacyLedger(delta: delta) } == "delta")
    }
  }

  @Test func invalidBudgetNamesBudget() {
    for budget in [0, -1, Double.nan, .infinity] {
      #expect(
        invalidParameterName { _ = try PrivacyLedger(delta: 1e-5, budget: budget) } == "budget")
    }
  }

  @Test func invalidOrdersNameOrders() {
    for orders in [[], [1], [0.5, 2], [2, .nan], [2, .infinity]] as [[Double]] {
      #expect(
        invalidParameterName { _ = try PrivacyLedger(delta: 1e-5, orders: orders) } == "orders")
      #expect(
        invalidParameterName {
          _ = try RoundPrivacy(
            accountant: "RDP", noiseMultiplier: 1, sampling: .poisson(rate: 0.1), orders: orders,
            curve: gaussianCurve)
        } == "orders")
    }
  }

  @Test func mismatchedOrdersNameOrders() throws {
    let ledger = try PrivacyLedger(delta: Self.delta)
    let round = try gaussianRound(.poisson(rate: 0.01), orders: [2, 3, 4, 8, 16, 32])
    #expect(invalidParameterName { _ = try ledger.epsilon(ifRecording: round) } == "orders")
    #expect(invalidParameterName { try ledger.check(round) } == "orders")
    #expect(invalidParameterName { try ledger.record(round) } == "orders")
    #expect(ledger.roundsRecorded == 0)
  }

  @Test func mixedRelationsNameRelation() throws {
    let ledger = try PrivacyLedger(delta: Self.delta)
    try ledger.record(try gaussianRound(.poisson(rate: 0.01)))
    let replace = try gaussianRound(.poisson(rate: 0.01), relation: .replaceOne)
    #expect(invalidParameterName { try ledger.record(replace) } == "relation")
    #expect(ledger.roundsRecorded == 1)
  }

  @Test func invalidRoundParametersNameTheParameter() {
    #expect(
      invalidParameterName {
        _ = try RoundPrivacy(
          accountant: "RDP", noiseMultiplier: 0, sampling: .poisson(rate: 0.1),
          curve: gaussianCurve)
      } == "noiseMultiplier")
    #expect(
      invalidParameterName {
        _ = try RoundPrivacy(
          accountant: "RDP", noiseMultiplier: 1, sampling: .poisson(rate: 1.5),
          curve: gaussianCurve)
      } == "sampling")
    #expect(
      invalidParameterName {
        _ = try RoundPrivacy(
          accountant: "RDP", noiseMultiplier: 1, sampling: .poisson(rate: 0.1), orders: [2, 3]
        ) { order throws(DifferentialPrivacyError) in order == 3 ? -1 : 0 }
      } == "curve(3.0)")
  }

  @Test func curveErrorsAreWrapped() {
    let failure = DifferentialPrivacyError.invalidParameter(
      name: "scale", value: "0", expected: "> 0")
    #expect(throws: PrivateAggregationError.differentialPrivacy(failure)) {
      _ = try RoundPrivacy(
        accountant: "RDP", noiseMultiplier: 1, sampling: .poisson(rate: 0.1)
      ) { _ throws(DifferentialPrivacyError) in throw failure }
    }
  }
}
