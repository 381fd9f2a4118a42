import Foundation
import GRPCInProcessTransport
import PrivateAggregation
import Testing

@testable import AggregationService

/// A store whose release charge fails as it would were the population's ledger changed outside
/// this library (a reserved round can otherwise always pay): `finish` throws the refusal and
/// writes nothing.
actor OverspentStore: ForwardingStore {
  nonisolated let inner: SQLiteRoundStore
  private(set) var refusedReleases = 0

  init(_ inner: SQLiteRoundStore) { self.inner = inner }

  func finish(_ roundID: String, appending events: [RoundEvent], release: StoredRelease)
    async throws(AggregationServiceError)
  {
    refusedReleases += 1
    throw .budgetExceeded(population: "P", budget: 1.2, spent: 1.1, wouldBe: 2.1)
  }
}

/// What the service does when the release cannot be charged.
@Suite struct ReleaseChargeTests {
  typealias Support = ServiceTestSupport

  /// A release its population's ledger refuses to pay is never stored or sent: the round fails
  /// (once, not retried for ever), with a failure that says why, and every client is told the
  /// round ended without a release.
  @Test func aReleaseTheLedgerRefusesFailsTheRound() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sqlite = try await SQLiteRoundStore.open(path: path)
    let store = OverspentStore(sqlite)
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      var configuration = Support.configuration()
      configuration.privacy = .central
      // A noise multiplier rather than a target ε: no calibration on each of the eight clients.
      configuration.noise = .noiseMultiplier(2)
      let credentials = try await operatorClient.createRound(
        id: "overspent", configuration: configuration, population: ("P", 10),
        phaseDeadline: .seconds(30))
      let client = AggregationServiceClient(wrapping: grpc)
      // A round that retries the refused release for ever never ends for its clients: the
      // test fails (cancelled) instead of hanging. (The round takes well under a second alone,
      // the watchdog leaves room for a loaded machine.)
      let outcomes = try await Support.contributeAll(
        credentials, through: client, watchdog: .seconds(90))
      #expect(outcomes.count == credentials.count)
      #expect(outcomes.allSatisfy { if case .ended(.failed, _) = $0 { true } else { false } })
      let report = try await operatorClient.report(of: "overspent", wait: .seconds(5))
      #expect(report.status == .failed)
      #expect(report.failure.contains("cannot be charged"))
      #expect(report.release == nil)
      #expect(await store.refusedReleases == 1)
      #expect(try await sqlite.round("overspent")?.status == .failed)
      #expect(try await sqlite.ledger(of: "P")?.roundsRecorded == 0)
    }
    await sqlite.close()
  }
}
