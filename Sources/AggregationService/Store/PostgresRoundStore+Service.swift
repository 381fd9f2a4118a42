import NIOCore
import PostgresNIO
import PrivateAggregation
import SecureAggregation

extension PostgresRoundStore {
  /// Stores a created round and its credentials' hashes (``RoundStore/createRound(_:credentialHashes:)``).
  public func createRound(_ round: ServiceRoundRecord, credentialHashes: [Int: [UInt8]])
    async throws(AggregationServiceError)
  {
    let configuration = ByteBuffer(bytes: try Self.encode(round.configuration, "the configuration"))
    try await transaction("create round \(round.id)") { connection in
      let taken = try await rows(
        "SELECT id FROM rounds WHERE id = \(round.id)", on: connection, columns: 1,
        what: "round \(round.id)")
      guard taken.isEmpty else { throw AggregationServiceError.duplicateRound(round.id) }
      // A replica that created the same id meanwhile wins; this one inserts nothing.
      let inserted = try await rows(
        """
        INSERT INTO service_rounds (id, configuration, population, budget, created_ms,
          check_in_deadline_ms, phase_ms, failure)
        VALUES (\(round.id), \(configuration), \(round.population), \(round.budget),
          \(round.createdMilliseconds), \(round.checkInDeadlineMilliseconds),
          \(round.phaseMilliseconds), NULL)
        ON CONFLICT (id) DO NOTHING RETURNING id
        """, on: connection, columns: 1, what: "round \(round.id)")
      guard !inserted.isEmpty else { throw AggregationServiceError.duplicateRound(round.id) }
      for (participant, hash) in credentialHashes.sorted(by: { $0.key < $1.key }) {
        try await connection.query(
          """
          INSERT INTO credentials (round_id, participant, token_hash)
          VALUES (\(round.id), \(participant), \(ByteBuffer(bytes: hash)))
          """, logger: logger)
      }
      for (participant, key) in round.identityDirectory.sorted(by: { $0.key < $1.key }) {
        try await connection.query(
          """
          INSERT INTO identity_keys (round_id, participant, public_key)
          VALUES (\(round.id), \(participant.index), \(ByteBuffer(bytes: key.rawRepresentation)))
          """, logger: logger)
      }
    }
  }

  /// A created round, its check-ins and status (``RoundStore/serviceRound(_:)``).
  public func serviceRound(_ id: String) async throws(AggregationServiceError)
    -> ServiceRoundState?
  {
    try await transaction("read round \(id)", snapshot: true) { connection in
      try await loadServiceRounds(id: id, population: nil, on: connection).first
    }
  }

  /// Every created round (``RoundStore/serviceRounds(population:)``), in creation order.
  public func serviceRounds(population: String?) async throws(AggregationServiceError)
    -> [ServiceRoundState]
  {
    try await transaction("list rounds", snapshot: true) { connection in
      try await loadServiceRounds(id: nil, population: population, on: connection)
    }
  }

  /// A credential's hash (``RoundStore/credentialHash(roundID:participant:)``).
  public func credentialHash(roundID: String, participant: Int)
    async throws(AggregationServiceError) -> [UInt8]?
  {
    try await transaction("read a credential of round \(roundID)") { connection in
      let what = "credential of round \(roundID)"
      let found = try await rows(
        """
        SELECT token_hash FROM credentials
        WHERE round_id = \(roundID) AND participant = \(participant)
        """, on: connection, columns: 1, what: what)
      guard let row = found.first else { return nil }
      guard let hash = try row[0].bytes(what) else {
        throw AggregationServiceError.corruptStore(what: what)
      }
      return hash
    }
  }

  /// Records a check-in (``RoundStore/checkIn(roundID:participant:atMilliseconds:)``).
  public func checkIn(roundID: String, participant: Int, atMilliseconds: Int64)
    async throws(AggregationServiceError) -> Set<Int>
  {
    try await transaction("check in to round \(roundID)") { connection in
      let exists = try await rows(
        "SELECT id FROM service_rounds WHERE id = \(roundID)", on: connection, columns: 1,
        what: "round \(roundID)")
      guard !exists.isEmpty else { throw AggregationServiceError.unknownRound(roundID) }
      try await connection.query(
        """
        INSERT INTO check_ins (round_id, participant, at_ms)
        VALUES (\(roundID), \(participant), \(atMilliseconds))
        ON CONFLICT (round_id, participant) DO NOTHING
        """, logger: logger)
      return try await loadCheckIns(roundID, on: connection)
    }
  }

  /// Marks a round failed (``RoundStore/failRound(_:reason:)``), holding the round's row lock so
  /// that no append lands after its log is erased.
  public func failRound(_ id: String, reason: String) async throws(AggregationServiceError) {
    try await transaction("fail round \(id)") { connection in
      let exists = try await rows(
        "SELECT id FROM service_rounds WHERE id = \(id) FOR UPDATE", on: connection,
        columns: 1, what: "round \(id)")
      guard !exists.isEmpty else { throw AggregationServiceError.unknownRound(id) }
      _ = try await rows(
        "SELECT id FROM rounds WHERE id = \(id) FOR UPDATE", on: connection, columns: 1,
        what: "round \(id)")
      try await connection.query(
        "UPDATE service_rounds SET failure = \(reason) WHERE id = \(id)", logger: logger)
      try await connection.query(
        """
        UPDATE rounds SET status = \(RoundStatus.failed.rawValue), noise_key = NULL, charge = NULL
        WHERE id = \(id) AND status = \(RoundStatus.running.rawValue)
        """, logger: logger)
      try await connection.query("DELETE FROM round_events WHERE round_id = \(id)", logger: logger)
    }
  }

  private func loadServiceRounds(
    id: String?, population: String?, on connection: PostgresConnection
  ) async throws -> [ServiceRoundState] {
    let found = try await rows(
      """
      SELECT s.id, s.configuration, s.population, s.budget, s.created_ms,
        s.check_in_deadline_ms, s.phase_ms, s.failure, r.status
      FROM service_rounds s LEFT JOIN rounds r ON r.id = s.id
      WHERE (\(id)::text IS NULL OR s.id = \(id))
        AND (\(population)::text IS NULL OR s.population = \(population))
      ORDER BY s.created_ms, s.id
      """, on: connection, columns: 9, what: "a round")
    var result: [ServiceRoundState] = []
    for row in found {
      let id = try row[0].value(String.self, "a round")
      let what = "round \(id)"
      guard let configurationBytes = try row[1].bytes(what) else {
        throw AggregationServiceError.corruptStore(what: what)
      }
      let configuration = try Self.decode(
        PrivateAggregationConfiguration.self, configurationBytes, what)
      let failure = try row[7].value(String?.self, what)
      var status = RoundStatus.checkingIn
      if let name = try row[8].value(String?.self, what) {
        guard let begun = RoundStatus(rawValue: name) else {
          throw AggregationServiceError.corruptStore(what: "status of round \(id)")
        }
        status = begun
      } else if failure != nil {
        status = .failed
      }
      result.append(
        ServiceRoundState(
          record: ServiceRoundRecord(
            id: id, configuration: configuration,
            population: try row[2].value(String?.self, what),
            budget: try row[3].value(Double.self, what),
            createdMilliseconds: try row[4].value(Int64.self, what),
            checkInDeadlineMilliseconds: try row[5].value(Int64.self, what),
            phaseMilliseconds: try row[6].value(Int64.self, what),
            identityDirectory: try await loadIdentityKeys(id, on: connection)),
          checkedIn: try await loadCheckIns(id, on: connection), status: status,
          failure: failure))
    }
    return result
  }

  private func loadIdentityKeys(_ roundID: String, on connection: PostgresConnection)
    async throws -> [ParticipantID: IdentityPublicKey]
  {
    let what = "identity key of round \(roundID)"
    let found = try await rows(
      "SELECT participant, public_key FROM identity_keys WHERE round_id = \(roundID)",
      on: connection, columns: 2, what: what)
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    for row in found {
      guard let bytes = try row[1].bytes(what),
        let entry = IdentityDirectoryEntry(
          participant: try row[0].value(Int.self, what), publicKey: bytes)
      else { throw AggregationServiceError.corruptStore(what: what) }
      directory[entry.participant] = entry.publicKey
    }
    return directory
  }

  private func loadCheckIns(_ roundID: String, on connection: PostgresConnection) async throws
    -> Set<Int>
  {
    let what = "check-in of round \(roundID)"
    let found = try await rows(
      "SELECT participant FROM check_ins WHERE round_id = \(roundID)", on: connection,
      columns: 1, what: what)
    var result = Set<Int>()
    for row in found { result.insert(try row[0].value(Int.self, what)) }
    return result
  }
}
