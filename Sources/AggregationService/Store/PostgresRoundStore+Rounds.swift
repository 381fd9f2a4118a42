import AggregationCrypto
import Foundation
import NIOCore
import PostgresNIO
public import PrivateAggregation

extension PostgresRoundStore {
  /// Begins a round (``RoundStore/beginRound(_:charging:)``): the population's row is locked
  /// with `SELECT … FOR UPDATE` before its ledger and reservations are read, so a replica
  /// beginning or finishing a round of the same population waits for this transaction and then
  /// sees its reservation.
  public func beginRound(_ round: RoundRecord, charging charge: RoundCharge?)
    async throws(AggregationServiceError)
  {
    let configuration = try Self.encode(round.configuration, "the configuration")
    let reserved = try charge.map { charge throws(AggregationServiceError) in
      ByteBuffer(bytes: try charge.storedPrivacy())
    }
    let refusal: AggregationServiceError? = try await transaction("begin round \(round.id)") {
      connection in
      let existing = try await rows(
        "SELECT id FROM rounds WHERE id = \(round.id)", on: connection, columns: 1,
        what: "round \(round.id)")
      guard existing.isEmpty else { throw AggregationServiceError.duplicateRound(round.id) }
      var refusal: AggregationServiceError?
      if let charge {
        refusal = try await admit(charge, delta: round.configuration.delta, on: connection)
      }
      let status: RoundStatus = refusal == nil ? .running : .refused
      let key: ByteBuffer? =
        status == .running
        ? ByteBuffer(bytes: round.noiseKey.withUnsafeBytes { Array($0) }) : nil
      // A replica that inserted the same id meanwhile wins; this transaction then reserves
      // nothing, as it rolls back.
      let inserted = try await rows(
        """
        INSERT INTO rounds (id, configuration, nonce, noise_key, status, population, charge)
        VALUES (\(round.id), \(ByteBuffer(bytes: configuration)), \(ByteBuffer(bytes: round.nonce)),
          \(key), \(status.rawValue), \(charge?.population), \(status == .running ? reserved : nil))
        ON CONFLICT (id) DO NOTHING RETURNING id
        """, on: connection, columns: 1, what: "round \(round.id)")
      guard !inserted.isEmpty else { throw AggregationServiceError.duplicateRound(round.id) }
      return refusal
    }
    if let refusal { throw refusal }
  }

  /// Admits `charge` inside the caller's transaction: locks the population's row until the
  /// transaction ends (making the population, with an empty ledger, on its first round) and
  /// checks that its ledger can pay for its running rounds' reservations and then this round.
  /// Returns the refusal when it cannot (and then writes nothing).
  private func admit(_ charge: RoundCharge, delta: Double, on connection: PostgresConnection)
    async throws -> AggregationServiceError?
  {
    let what = "ledger of population \(charge.population)"
    // Twice at most: a first round of a new population may find that another replica made
    // the population meanwhile; its row is then there to lock.
    for _ in 0..<2 {
      let locked = try await rows(
        "SELECT ledger FROM populations WHERE name = \(charge.population) FOR UPDATE",
        on: connection, columns: 1, what: what)
      var stored: PrivacyLedger?
      if let row = locked.first {
        guard let bytes = try row[0].bytes(what) else {
          throw AggregationServiceError.corruptStore(what: what)
        }
        stored = try Self.decode(PrivacyLedger.self, bytes, what)
      }
      let ledger = try charge.ledger(from: stored, delta: delta)
      if stored != nil {
        let pending = try await reservations(of: charge.population, on: connection)
        return try charge.refusal(paying: ledger, after: pending)
      }
      // A new population has no rounds to reserve anything: its row is made (and locked, by
      // the insert) only when it admits this round.
      if let refusal = try charge.refusal(paying: ledger, after: []) { return refusal }
      let encoded = ByteBuffer(bytes: try Self.encode(ledger, "the ledger"))
      let made = try await rows(
        """
        INSERT INTO populations (name, ledger) VALUES (\(charge.population), \(encoded))
        ON CONFLICT (name) DO NOTHING RETURNING name
        """, on: connection, columns: 1, what: what)
      if !made.isEmpty { return nil }
    }
    throw AggregationServiceError.corruptStore(what: what)
  }

  /// The privacy reserved by the population's running rounds.
  private func reservations(of population: String, on connection: PostgresConnection)
    async throws -> [RoundPrivacy]
  {
    let found = try await rows(
      """
      SELECT id, charge FROM rounds
      WHERE population = \(population) AND status = \(RoundStatus.running.rawValue)
        AND charge IS NOT NULL
      ORDER BY id
      """, on: connection, columns: 2, what: "reservations of population \(population)")
    var reserved: [RoundPrivacy] = []
    for row in found {
      let what = "reserved privacy of round \(try row[0].value(String.self, "a round"))"
      guard let bytes = try row[1].bytes(what) else {
        throw AggregationServiceError.corruptStore(what: what)
      }
      reserved.append(try RoundCharge.privacy(stored: bytes, what: what))
    }
    return reserved
  }

  /// Charges a running round's reserved privacy to its population's ledger inside the caller's
  /// transaction, holding the population's row lock until it ends (a round with no reservation
  /// charges nothing). The caller holds the round's row lock.
  private func chargeReservation(of roundID: String, on connection: PostgresConnection)
    async throws
  {
    let what = "reserved privacy of round \(roundID)"
    let found = try await rows(
      "SELECT population, charge FROM rounds WHERE id = \(roundID)", on: connection, columns: 2,
      what: what)
    guard let row = found.first, let bytes = try row[1].bytes(what) else { return }
    guard let population = try row[0].value(String?.self, what) else {
      throw AggregationServiceError.corruptStore(what: what)
    }
    let ledgerWhat = "ledger of population \(population)"
    let locked = try await rows(
      "SELECT ledger FROM populations WHERE name = \(population) FOR UPDATE", on: connection,
      columns: 1, what: ledgerWhat)
    guard let ledgerBytes = try locked.first?[0].bytes(ledgerWhat) else {
      throw AggregationServiceError.corruptStore(what: ledgerWhat)
    }
    let ledger = try Self.decode(PrivacyLedger.self, ledgerBytes, ledgerWhat)
    try RoundCharge.charge(
      try RoundCharge.privacy(stored: bytes, what: what), to: ledger, population: population)
    let encoded = ByteBuffer(bytes: try Self.encode(ledger, "the ledger"))
    try await connection.query(
      "UPDATE populations SET ledger = \(encoded) WHERE name = \(population)", logger: logger)
  }

  /// Appends to a running round's log (``RoundStore/append(_:to:)``), holding the round's row
  /// lock.
  public func append(_ events: [RoundEvent], to roundID: String)
    async throws(AggregationServiceError)
  {
    try await transaction("append to round \(roundID)") { connection in
      try await lockRunning(roundID, on: connection)
      try await insert(events, into: roundID, on: connection)
    }
  }

  /// Charges the round's reserved privacy (holding its population's row lock), stores the
  /// release and marks the round finished (``RoundStore/finish(_:appending:release:)``); the
  /// log's masked inputs and the noise key are erased in the same transaction.
  public func finish(_ roundID: String, appending events: [RoundEvent], release: StoredRelease)
    async throws(AggregationServiceError)
  {
    let encoded = ByteBuffer(bytes: release.storageBytes())
    try await transaction("finish round \(roundID)") { connection in
      try await lockRunning(roundID, on: connection)
      try await chargeReservation(of: roundID, on: connection)
      try await insert(events, into: roundID, on: connection)
      try await connection.query(
        """
        UPDATE rounds SET status = \(RoundStatus.finished.rawValue), release = \(encoded),
          noise_key = NULL, charge = NULL
        WHERE id = \(roundID)
        """, logger: logger)
      // The log's masked inputs could give the sum without the central noise: once the
      // release is stored, only the release is kept.
      try await connection.query(
        "DELETE FROM round_events WHERE round_id = \(roundID)", logger: logger)
    }
  }

  /// The round and its log (``RoundStore/round(_:)``), read in one snapshot.
  public func round(_ id: String) async throws(AggregationServiceError) -> StoredRound? {
    try await transaction("read round \(id)", snapshot: true) { connection in
      let what = "round \(id)"
      let found = try await rows(
        "SELECT configuration, nonce, noise_key, status, release FROM rounds WHERE id = \(id)",
        on: connection, columns: 5, what: what)
      guard let row = found.first else { return nil }
      guard let configurationBytes = try row[0].bytes(what),
        let nonce = try row[1].bytes(what),
        let status = RoundStatus(rawValue: try row[3].value(String.self, what))
      else { throw AggregationServiceError.corruptStore(what: what) }
      let configuration = try Self.decode(
        PrivateAggregationConfiguration.self, configurationBytes, what)
      let key = try row[2].bytes(what) ?? []
      let release = try row[4].bytes(what).map { bytes throws(AggregationServiceError) in
        guard let release = StoredRelease(storageBytes: bytes) else {
          throw .corruptStore(what: "release of round \(id)")
        }
        return release
      }
      var events: [RoundEvent] = []
      let eventWhat = "event of round \(id)"
      for event in try await rows(
        "SELECT kind, payload FROM round_events WHERE round_id = \(id) ORDER BY seq",
        on: connection, columns: 2, what: eventWhat)
      {
        switch (try event[0].value(Int.self, eventWhat), try event[1].bytes(eventWhat)) {
        case (0, _): events.append(.advance)
        case (1, let payload?): events.append(.message(payload))
        default: throw AggregationServiceError.corruptStore(what: eventWhat)
        }
      }
      return StoredRound(
        record: RoundRecord(
          id: id, configuration: configuration, nonce: nonce,
          noiseKey: SymmetricKey(bytes: SecureBytes(key))),
        status: status, events: events, release: release)
    }
  }

  /// The population's ledger (``RoundStore/ledger(of:)``).
  public func ledger(of population: String) async throws(AggregationServiceError)
    -> PrivacyLedger?
  {
    try await transaction("read population \(population)") { connection in
      let what = "ledger of population \(population)"
      let found = try await rows(
        "SELECT ledger FROM populations WHERE name = \(population)", on: connection,
        columns: 1, what: what)
      guard let row = found.first else { return nil }
      guard let bytes = try row[0].bytes(what) else {
        throw AggregationServiceError.corruptStore(what: what)
      }
      return try Self.decode(PrivacyLedger.self, bytes, what)
    }
  }

  // MARK: Helpers

  /// Locks the round's row until the transaction ends and checks that it is running.
  func lockRunning(_ roundID: String, on connection: PostgresConnection) async throws {
    let found = try await rows(
      "SELECT status FROM rounds WHERE id = \(roundID) FOR UPDATE", on: connection, columns: 1,
      what: "round \(roundID)")
    guard let row = found.first else { throw AggregationServiceError.unknownRound(roundID) }
    let status = try row[0].value(String.self, "round \(roundID)")
    guard status == RoundStatus.running.rawValue else {
      throw AggregationServiceError.roundNotRunning(id: roundID, status: status)
    }
  }

  private func insert(
    _ events: [RoundEvent], into roundID: String, on connection: PostgresConnection
  ) async throws {
    let last = try await rows(
      "SELECT COALESCE(MAX(seq), -1) FROM round_events WHERE round_id = \(roundID)",
      on: connection, columns: 1, what: "log of round \(roundID)")
    guard let previous = try last.first?[0].value(Int64.self, "log of round \(roundID)"),
      previous < Int64.max - Int64(events.count)
    else { throw AggregationServiceError.corruptStore(what: "log of round \(roundID)") }
    var seq = previous + 1
    for event in events {
      switch event {
      case .advance:
        try await connection.query(
          """
          INSERT INTO round_events (round_id, seq, kind, payload)
          VALUES (\(roundID), \(seq), 0, NULL)
          """, logger: logger)
      case .message(let bytes):
        try await connection.query(
          """
          INSERT INTO round_events (round_id, seq, kind, payload)
          VALUES (\(roundID), \(seq), 1, \(ByteBuffer(bytes: bytes)))
          """, logger: logger)
      }
      seq += 1
    }
  }

  static func encode(_ value: some Encodable, _ what: String) throws(AggregationServiceError)
    -> [UInt8]
  {
    do {
      return Array(try JSONEncoder().encode(value))
    } catch {
      throw .store(operation: "encode \(what)", reason: "\(error)")
    }
  }

  static func decode<T: Decodable>(_: T.Type, _ bytes: [UInt8], _ what: String)
    throws(AggregationServiceError) -> T
  {
    do {
      return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch {
      throw .corruptStore(what: what)
    }
  }
}
