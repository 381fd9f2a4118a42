import Foundation
import PrivateAggregation

@testable import AggregationService

/// A test store over SQLite that forwards every call it does not define itself: the wrappers
/// that lose acknowledgements (`LosingStore`) or hold writes at a gate (`GatedStore`) define
/// only the writes they change.
protocol ForwardingStore: RoundStore {
  /// The store every other call goes to.
  var inner: SQLiteRoundStore { get }
}

extension ForwardingStore {
  func beginRound(_ round: RoundRecord, charging charge: RoundCharge?)
    async throws(AggregationServiceError)
  { try await inner.beginRound(round, charging: charge) }

  func append(_ events: [RoundEvent], to roundID: String) async throws(AggregationServiceError) {
    try await inner.append(events, to: roundID)
  }

  func finish(_ roundID: String, appending events: [RoundEvent], release: StoredRelease)
    async throws(AggregationServiceError)
  { try await inner.finish(roundID, appending: events, release: release) }

  func round(_ id: String) async throws(AggregationServiceError) -> StoredRound? {
    try await inner.round(id)
  }

  func ledger(of population: String) async throws(AggregationServiceError) -> PrivacyLedger? {
    try await inner.ledger(of: population)
  }

  func createRound(_ round: ServiceRoundRecord, credentialHashes: [Int: [UInt8]])
    async throws(AggregationServiceError)
  { try await inner.createRound(round, credentialHashes: credentialHashes) }

  func serviceRound(_ id: String) async throws(AggregationServiceError) -> ServiceRoundState? {
    try await inner.serviceRound(id)
  }

  func serviceRounds(population: String?) async throws(AggregationServiceError)
    -> [ServiceRoundState]
  { try await inner.serviceRounds(population: population) }

  func credentialHash(roundID: String, participant: Int) async throws(AggregationServiceError)
    -> [UInt8]?
  { try await inner.credentialHash(roundID: roundID, participant: participant) }

  func checkIn(roundID: String, participant: Int, atMilliseconds: Int64)
    async throws(AggregationServiceError) -> Set<Int>
  {
    try await inner.checkIn(
      roundID: roundID, participant: participant, atMilliseconds: atMilliseconds)
  }

  func failRound(_ id: String, reason: String) async throws(AggregationServiceError) {
    try await inner.failRound(id, reason: reason)
  }

  func close() async { await inner.close() }
}
