import AggregationCrypto
import Foundation
import Logging
import NIOCore
public import PrivateAggregation
import SQLiteNIO
import SecureAggregation

/// The embedded store: one SQLite file, in write-ahead-log mode, each operation one
/// `BEGIN IMMEDIATE` transaction.
///
/// A process killed at any moment (`kill -9` included) leaves the file at a transaction
/// boundary; so does power loss with `synchronous = FULL` (the default here). `BEGIN IMMEDIATE`
/// takes the write lock at once, so two processes on one file take turns, and the ledger check
/// and charge of one never interleave with another's.
///
/// The noise keys of running rounds are stored in the file: protect it as you protect the
/// server's other keys. A finished round's key is erased with its log's masked inputs.
public actor SQLiteRoundStore: RoundStore {
  private let connection: SQLiteConnection
  /// Held by one operation at a time: the connection runs one transaction at a time.
  private var busy = false
  private var waiting: [CheckedContinuation<Void, Never>] = []
  /// Whether ``close()`` ran.
  private var closed = false

  private init(connection: SQLiteConnection) {
    self.connection = connection
  }

  /// Opens (creating if needed) the store at `path`.
  ///
  /// - Throws: ``AggregationServiceError/store(operation:reason:)`` when the file cannot be
  ///   opened or its schema made.
  public static func open(path: String) async throws(AggregationServiceError) -> SQLiteRoundStore {
    let connection: SQLiteConnection
    do {
      connection = try await SQLiteConnection.open(
        storage: .file(path: path), logger: Logger(label: "private-aggregation.store"))
    } catch {
      throw .store(operation: "open \(path)", reason: "\(error)")
    }
    let store = SQLiteRoundStore(connection: connection)
    try await store.migrate()
    return store
  }

  /// Closes the connection; the store cannot be used afterwards.
  public func close() async {
    guard !closed else { return }
    closed = true
    try? await connection.close()
  }

  /// A store dropped without ``close()`` (a caller that left on an error, say) still closes its
  /// connection: every transaction is committed or rolled back already, and SQLite's own
  /// close then runs on the connection's thread pool, which keeps it alive until done.
  deinit {
    if !closed { _ = connection.close() }
  }

  // MARK: Schema

  private func migrate() async throws(AggregationServiceError) {
    try await run("set up the store") { () async throws in
      _ = try await connection.query("PRAGMA journal_mode = WAL")
      _ = try await connection.query("PRAGMA synchronous = FULL")
      _ = try await connection.query("PRAGMA busy_timeout = 10000")
      _ = try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS populations (
          name TEXT PRIMARY KEY, ledger BLOB NOT NULL)
        """)
      _ = try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS rounds (
          id TEXT PRIMARY KEY, configuration BLOB NOT NULL, nonce BLOB NOT NULL,
          noise_key BLOB, status TEXT NOT NULL, population TEXT, release BLOB, charge BLOB)
        """)
      // A file made before rounds reserved their privacy (they were charged when they began):
      // its rounds have no `charge`, so their release charges nothing again.
      let columns = try await connection.query("PRAGMA table_info(rounds)")
      if !columns.contains(where: { $0.column("name")?.string == "charge" }) {
        _ = try await connection.query("ALTER TABLE rounds ADD COLUMN charge BLOB")
      }
      _ = try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS round_events (
          round_id TEXT NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL, payload BLOB,
          PRIMARY KEY (round_id, seq))
        """)
      // The service's rounds: created (and checked in to) before they begin in `rounds`.
      _ = try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS service_rounds (
          id TEXT PRIMARY KEY, configuration BLOB NOT NULL, population TEXT,
          budget REAL NOT NULL, created_ms INTEGER NOT NULL,
          check_in_deadline_ms INTEGER NOT NULL, phase_ms INTEGER NOT NULL, failure TEXT)
        """)
      // Only the SHA-256 of each client's credential.
      _ = try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS credentials (
          round_id TEXT NOT NULL, participant INTEGER NOT NULL, token_hash BLOB NOT NULL,
          PRIMARY KEY (round_id, participant))
        """)
      // Active mode: each participant's identity public key, from the operator's directory.
      _ = try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS identity_keys (
          round_id TEXT NOT NULL, participant INTEGER NOT NULL, public_key BLOB NOT NULL,
          PRIMARY KEY (round_id, participant))
        """)
      _ = try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS check_ins (
          round_id TEXT NOT NULL, participant INTEGER NOT NULL, at_ms INTEGER NOT NULL,
          PRIMARY KEY (round_id, participant))
        """)
    }
  }

  // MARK: RoundStore

  /// Begins a round (``RoundStore/beginRound(_:charging:)``) under `BEGIN IMMEDIATE`: the
  /// ledger's and reservations' read and the round's write cannot interleave with another
  /// process's.
  public func beginRound(_ round: RoundRecord, charging charge: RoundCharge?)
    async throws(AggregationServiceError)
  {
    let configuration: [UInt8]
    do {
      configuration = Array(try JSONEncoder().encode(round.configuration))
    } catch {
      throw .store(operation: "encode the configuration", reason: "\(error)")
    }
    var refusal: AggregationServiceError?
    try await transaction("begin round \(round.id)") { () async throws(AggregationServiceError) in
      let existing = try await query("SELECT id FROM rounds WHERE id = ?", [.text(round.id)])
      guard existing.isEmpty else { throw .duplicateRound(round.id) }
      var status = RoundStatus.running
      var reserved: SQLiteData = .null
      if let charge {
        let stored = try await loadLedger(charge.population)
        let ledger = try charge.ledger(from: stored, delta: round.configuration.delta)
        let pending = stored == nil ? [] : try await reservations(of: charge.population)
        refusal = try charge.refusal(paying: ledger, after: pending)
        if refusal == nil {
          reserved = .blob(ByteBuffer(bytes: try charge.storedPrivacy()))
          if stored == nil {
            try await saveLedger(ledger, population: charge.population, isNew: true)
          }
        } else {
          status = .refused
        }
      }
      let key: SQLiteData =
        status == .running
        ? .blob(ByteBuffer(bytes: round.noiseKey.withUnsafeBytes { Array($0) }))
        : .null
      _ = try await query(
        """
        INSERT INTO rounds (id, configuration, nonce, noise_key, status, population, charge)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        [
          .text(round.id), .blob(ByteBuffer(bytes: configuration)),
          .blob(ByteBuffer(bytes: round.nonce)), key, .text(status.rawValue),
          charge.map { .text($0.population) } ?? .null, reserved,
        ])
    }
    if let refusal { throw refusal }
  }

  /// Appends to a running round's log (``RoundStore/append(_:to:)``).
  public func append(_ events: [RoundEvent], to roundID: String)
    async throws(AggregationServiceError)
  {
    try await transaction("append to round \(roundID)") {
      () async throws(AggregationServiceError) in
      try await requireRunning(roundID)
      try await insert(events, into: roundID)
    }
  }

  /// Charges the round's reserved privacy, stores the release and marks the round finished
  /// (``RoundStore/finish(_:appending:release:)``); the log's masked inputs and the noise key
  /// are erased in the same transaction.
  public func finish(_ roundID: String, appending events: [RoundEvent], release: StoredRelease)
    async throws(AggregationServiceError)
  {
    let encoded = release.storageBytes()
    try await transaction("finish round \(roundID)") { () async throws(AggregationServiceError) in
      try await requireRunning(roundID)
      try await chargeReservation(of: roundID)
      try await insert(events, into: roundID)
      _ = try await query(
        """
        UPDATE rounds SET status = ?, release = ?, noise_key = NULL, charge = NULL WHERE id = ?
        """,
        [.text(RoundStatus.finished.rawValue), .blob(ByteBuffer(bytes: encoded)), .text(roundID)])
      // The log's masked inputs could give the sum without the central noise: once the
      // release is stored, only the release is kept.
      _ = try await query("DELETE FROM round_events WHERE round_id = ?", [.text(roundID)])
    }
  }

  /// The round and its log (``RoundStore/round(_:)``).
  public func round(_ id: String) async throws(AggregationServiceError) -> StoredRound? {
    var result: StoredRound?
    try await transaction("read round \(id)") { () async throws(AggregationServiceError) in
      let rows = try await query(
        "SELECT configuration, nonce, noise_key, status, release FROM rounds WHERE id = ?",
        [.text(id)])
      guard let row = rows.first else { return }
      guard let configurationBytes = row.column("configuration")?.blob.map(Self.bytes),
        let configuration = try? JSONDecoder().decode(
          PrivateAggregationConfiguration.self, from: Data(configurationBytes)),
        let nonce = row.column("nonce")?.blob.map(Self.bytes),
        let statusName = row.column("status")?.string,
        let status = RoundStatus(rawValue: statusName)
      else { throw .corruptStore(what: "round \(id)") }
      let key = row.column("noise_key")?.blob.map(Self.bytes) ?? []
      var release: StoredRelease?
      if let bytes = row.column("release")?.blob.map(Self.bytes) {
        guard let decoded = StoredRelease(storageBytes: bytes) else {
          throw .corruptStore(what: "release of round \(id)")
        }
        release = decoded
      }
      var events: [RoundEvent] = []
      for event in try await query(
        "SELECT kind, payload FROM round_events WHERE round_id = ? ORDER BY seq", [.text(id)])
      {
        switch event.column("kind")?.integer {
        case 0: events.append(.advance)
        case 1:
          guard let payload = event.column("payload")?.blob.map(Self.bytes) else {
            throw .corruptStore(what: "event of round \(id)")
          }
          events.append(.message(payload))
        default: throw .corruptStore(what: "event of round \(id)")
        }
      }
      result = StoredRound(
        record: RoundRecord(
          id: id, configuration: configuration, nonce: nonce,
          noiseKey: SymmetricKey(bytes: SecureBytes(key))),
        status: status, events: events, release: release)
    }
    return result
  }

  /// The population's ledger (``RoundStore/ledger(of:)``).
  public func ledger(of population: String) async throws(AggregationServiceError)
    -> PrivacyLedger?
  {
    var ledger: PrivacyLedger?
    try await transaction("read population \(population)") {
      () async throws(AggregationServiceError) in
      ledger = try await loadLedger(population)
    }
    return ledger
  }

  // MARK: The service's rounds

  /// Stores a created round and its credentials' hashes (``RoundStore/createRound(_:credentialHashes:)``).
  public func createRound(_ round: ServiceRoundRecord, credentialHashes: [Int: [UInt8]])
    async throws(AggregationServiceError)
  {
    let configuration: [UInt8]
    do {
      configuration = Array(try JSONEncoder().encode(round.configuration))
    } catch {
      throw .store(operation: "encode the configuration", reason: "\(error)")
    }
    try await transaction("create round \(round.id)") {
      () async throws(AggregationServiceError) in
      let taken = try await query(
        "SELECT id FROM service_rounds WHERE id = ? UNION SELECT id FROM rounds WHERE id = ?",
        [.text(round.id), .text(round.id)])
      guard taken.isEmpty else { throw .duplicateRound(round.id) }
      _ = try await query(
        """
        INSERT INTO service_rounds (id, configuration, population, budget, created_ms,
          check_in_deadline_ms, phase_ms, failure)
        VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
        """,
        [
          .text(round.id), .blob(ByteBuffer(bytes: configuration)),
          round.population.map { .text($0) } ?? .null, .float(round.budget),
          .integer(Int(round.createdMilliseconds)),
          .integer(Int(round.checkInDeadlineMilliseconds)),
          .integer(Int(round.phaseMilliseconds)),
        ])
      for (participant, hash) in credentialHashes.sorted(by: { $0.key < $1.key }) {
        _ = try await query(
          "INSERT INTO credentials (round_id, participant, token_hash) VALUES (?, ?, ?)",
          [.text(round.id), .integer(participant), .blob(ByteBuffer(bytes: hash))])
      }
      for (participant, key) in round.identityDirectory.sorted(by: { $0.key < $1.key }) {
        _ = try await query(
          "INSERT INTO identity_keys (round_id, participant, public_key) VALUES (?, ?, ?)",
          [
            .text(round.id), .integer(Int(participant.rawValue)),
            .blob(ByteBuffer(bytes: key.rawRepresentation)),
          ])
      }
    }
  }

  /// A created round, its check-ins and status (``RoundStore/serviceRound(_:)``).
  public func serviceRound(_ id: String) async throws(AggregationServiceError)
    -> ServiceRoundState?
  {
    var result: ServiceRoundState?
    try await transaction("read round \(id)") { () async throws(AggregationServiceError) in
      result = try await loadServiceRounds(where: "s.id = ?", [.text(id)]).first
    }
    return result
  }

  /// Every created round (``RoundStore/serviceRounds(population:)``).
  public func serviceRounds(population: String?) async throws(AggregationServiceError)
    -> [ServiceRoundState]
  {
    var result: [ServiceRoundState] = []
    try await transaction("list rounds") { () async throws(AggregationServiceError) in
      if let population {
        result = try await loadServiceRounds(where: "s.population = ?", [.text(population)])
      } else {
        result = try await loadServiceRounds(where: "1 = 1", [])
      }
    }
    return result
  }

  /// A credential's hash (``RoundStore/credentialHash(roundID:participant:)``).
  public func credentialHash(roundID: String, participant: Int)
    async throws(AggregationServiceError) -> [UInt8]?
  {
    var hash: [UInt8]?
    try await transaction("read a credential of round \(roundID)") {
      () async throws(AggregationServiceError) in
      let rows = try await query(
        "SELECT token_hash FROM credentials WHERE round_id = ? AND participant = ?",
        [.text(roundID), .integer(participant)])
      hash = rows.first?.column("token_hash")?.blob.map(Self.bytes)
    }
    return hash
  }

  /// Records a check-in (``RoundStore/checkIn(roundID:participant:atMilliseconds:)``).
  public func checkIn(roundID: String, participant: Int, atMilliseconds: Int64)
    async throws(AggregationServiceError) -> Set<Int>
  {
    var checkedIn = Set<Int>()
    try await transaction("check in to round \(roundID)") {
      () async throws(AggregationServiceError) in
      let exists = try await query("SELECT id FROM service_rounds WHERE id = ?", [.text(roundID)])
      guard !exists.isEmpty else { throw .unknownRound(roundID) }
      _ = try await query(
        "INSERT OR IGNORE INTO check_ins (round_id, participant, at_ms) VALUES (?, ?, ?)",
        [.text(roundID), .integer(participant), .integer(Int(atMilliseconds))])
      checkedIn = try await loadCheckIns(roundID)
    }
    return checkedIn
  }

  /// Marks a round failed (``RoundStore/failRound(_:reason:)``).
  public func failRound(_ id: String, reason: String) async throws(AggregationServiceError) {
    try await transaction("fail round \(id)") { () async throws(AggregationServiceError) in
      let exists = try await query("SELECT id FROM service_rounds WHERE id = ?", [.text(id)])
      guard !exists.isEmpty else { throw .unknownRound(id) }
      _ = try await query(
        "UPDATE service_rounds SET failure = ? WHERE id = ?", [.text(reason), .text(id)])
      _ = try await query(
        "UPDATE rounds SET status = ?, noise_key = NULL, charge = NULL WHERE id = ? AND status = ?",
        [.text(RoundStatus.failed.rawValue), .text(id), .text(RoundStatus.running.rawValue)])
      _ = try await query("DELETE FROM round_events WHERE round_id = ?", [.text(id)])
    }
  }

  private func loadServiceRounds(where condition: String, _ binds: [SQLiteData])
    async throws(AggregationServiceError) -> [ServiceRoundState]
  {
    let rows = try await query(
      """
      SELECT s.id AS id, s.configuration AS configuration, s.population AS population,
        s.budget AS budget, s.created_ms AS created_ms,
        s.check_in_deadline_ms AS check_in_deadline_ms, s.phase_ms AS phase_ms,
        s.failure AS failure, r.status AS status
      FROM service_rounds s LEFT JOIN rounds r ON r.id = s.id
      WHERE \(condition) ORDER BY s.created_ms, s.id
      """, binds)
    var result: [ServiceRoundState] = []
    for row in rows {
      guard let id = row.column("id")?.string else { throw .corruptStore(what: "a round") }
      guard let configurationBytes = row.column("configuration")?.blob.map(Self.bytes),
        let configuration = try? JSONDecoder().decode(
          PrivateAggregationConfiguration.self, from: Data(configurationBytes)),
        let budget = row.column("budget")?.double,
        let created = row.column("created_ms")?.integer,
        let checkInDeadline = row.column("check_in_deadline_ms")?.integer,
        let phase = row.column("phase_ms")?.integer
      else { throw .corruptStore(what: "round \(id)") }
      let failure = row.column("failure")?.string
      var status = RoundStatus.checkingIn
      if let name = row.column("status")?.string {
        guard let begun = RoundStatus(rawValue: name) else {
          throw .corruptStore(what: "status of round \(id)")
        }
        status = begun
      } else if failure != nil {
        status = .failed
      }
      result.append(
        ServiceRoundState(
          record: ServiceRoundRecord(
            id: id, configuration: configuration, population: row.column("population")?.string,
            budget: budget, createdMilliseconds: Int64(created),
            checkInDeadlineMilliseconds: Int64(checkInDeadline),
            phaseMilliseconds: Int64(phase), identityDirectory: try await loadIdentityKeys(id)),
          checkedIn: try await loadCheckIns(id), status: status, failure: failure))
    }
    return result
  }

  private func loadIdentityKeys(_ roundID: String) async throws(AggregationServiceError)
    -> [ParticipantID: IdentityPublicKey]
  {
    let rows = try await query(
      "SELECT participant, public_key FROM identity_keys WHERE round_id = ?", [.text(roundID)])
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    for row in rows {
      guard let number = row.column("participant")?.integer,
        let bytes = row.column("public_key")?.blob.map(Self.bytes),
        let entry = IdentityDirectoryEntry(participant: number, publicKey: bytes)
      else { throw .corruptStore(what: "identity key of round \(roundID)") }
      directory[entry.participant] = entry.publicKey
    }
    return directory
  }

  private func loadCheckIns(_ roundID: String) async throws(AggregationServiceError) -> Set<Int> {
    let rows = try await query(
      "SELECT participant FROM check_ins WHERE round_id = ?", [.text(roundID)])
    var result = Set<Int>()
    for row in rows {
      guard let participant = row.column("participant")?.integer else {
        throw .corruptStore(what: "check-in of round \(roundID)")
      }
      result.insert(participant)
    }
    return result
  }

  // MARK: Helpers

  private static func bytes(_ buffer: ByteBuffer) -> [UInt8] {
    Array(buffer.readableBytesView)
  }

  private func loadLedger(_ population: String) async throws(AggregationServiceError)
    -> PrivacyLedger?
  {
    let rows = try await query(
      "SELECT ledger FROM populations WHERE name = ?", [.text(population)])
    guard let row = rows.first else { return nil }
    guard let bytes = row.column("ledger")?.blob.map(Self.bytes),
      let ledger = try? JSONDecoder().decode(PrivacyLedger.self, from: Data(bytes))
    else { throw .corruptStore(what: "ledger of population \(population)") }
    return ledger
  }

  private func saveLedger(_ ledger: PrivacyLedger, population: String, isNew: Bool)
    async throws(AggregationServiceError)
  {
    let bytes: [UInt8]
    do {
      bytes = Array(try JSONEncoder().encode(ledger))
    } catch {
      throw .store(operation: "encode the ledger", reason: "\(error)")
    }
    if isNew {
      _ = try await query(
        "INSERT INTO populations (name, ledger) VALUES (?, ?)",
        [.text(population), .blob(ByteBuffer(bytes: bytes))])
    } else {
      _ = try await query(
        "UPDATE populations SET ledger = ? WHERE name = ?",
        [.blob(ByteBuffer(bytes: bytes)), .text(population)])
    }
  }

  /// The privacy reserved by the population's running rounds.
  private func reservations(of population: String) async throws(AggregationServiceError)
    -> [RoundPrivacy]
  {
    let rows = try await query(
      """
      SELECT id, charge FROM rounds
      WHERE population = ? AND status = ? AND charge IS NOT NULL ORDER BY id
      """, [.text(population), .text(RoundStatus.running.rawValue)])
    var reserved: [RoundPrivacy] = []
    for row in rows {
      let what = "reserved privacy of round \(row.column("id")?.string ?? "?")"
      guard let bytes = row.column("charge")?.blob.map(Self.bytes) else {
        throw .corruptStore(what: what)
      }
      reserved.append(try RoundCharge.privacy(stored: bytes, what: what))
    }
    return reserved
  }

  /// Charges a running round's reserved privacy to its population's ledger (a round with no
  /// reservation charges nothing).
  private func chargeReservation(of roundID: String) async throws(AggregationServiceError) {
    let rows = try await query(
      "SELECT population, charge FROM rounds WHERE id = ?", [.text(roundID)])
    guard let row = rows.first, let bytes = row.column("charge")?.blob.map(Self.bytes) else {
      return
    }
    let what = "reserved privacy of round \(roundID)"
    guard let population = row.column("population")?.string,
      let ledger = try await loadLedger(population)
    else { throw .corruptStore(what: what) }
    try RoundCharge.charge(
      try RoundCharge.privacy(stored: bytes, what: what), to: ledger, population: population)
    try await saveLedger(ledger, population: population, isNew: false)
  }

  private func requireRunning(_ roundID: String) async throws(AggregationServiceError) {
    let rows = try await query("SELECT status FROM rounds WHERE id = ?", [.text(roundID)])
    guard let status = rows.first?.column("status")?.string else {
      throw .unknownRound(roundID)
    }
    guard status == RoundStatus.running.rawValue else {
      throw .roundNotRunning(id: roundID, status: status)
    }
  }

  private func insert(_ events: [RoundEvent], into roundID: String)
    async throws(AggregationServiceError)
  {
    let rows = try await query(
      "SELECT COALESCE(MAX(seq), -1) AS last FROM round_events WHERE round_id = ?",
      [.text(roundID)])
    var seq = Int(rows.first?.column("last")?.integer ?? -1) + 1
    for event in events {
      switch event {
      case .advance:
        _ = try await query(
          "INSERT INTO round_events (round_id, seq, kind, payload) VALUES (?, ?, 0, NULL)",
          [.text(roundID), .integer(numericCast(seq))])
      case .message(let bytes):
        _ = try await query(
          "INSERT INTO round_events (round_id, seq, kind, payload) VALUES (?, ?, 1, ?)",
          [.text(roundID), .integer(numericCast(seq)), .blob(ByteBuffer(bytes: bytes))])
      }
      seq += 1
    }
  }

  private func query(_ sql: String, _ binds: [SQLiteData] = [])
    async throws(AggregationServiceError) -> [SQLiteRow]
  {
    do {
      return try await connection.query(sql, binds)
    } catch {
      throw .store(operation: "run a query", reason: "\(error)")
    }
  }

  /// Runs `body` between `BEGIN IMMEDIATE` and `COMMIT`, rolling back when it throws; one
  /// transaction at a time.
  private func transaction(
    _ operation: String, _ body: () async throws(AggregationServiceError) -> Void
  ) async throws(AggregationServiceError) {
    await acquire()
    defer { release() }
    _ = try await query("BEGIN IMMEDIATE")
    do {
      try await body()
      _ = try await query("COMMIT")
    } catch {
      _ = try? await query("ROLLBACK")
      throw error
    }
  }

  /// Runs `body` outside any transaction, mapping its errors.
  private func run(_ operation: String, _ body: () async throws -> Void)
    async throws(AggregationServiceError)
  {
    await acquire()
    defer { release() }
    do {
      try await body()
    } catch {
      throw .store(operation: operation, reason: "\(error)")
    }
  }

  private func acquire() async {
    if busy {
      await withCheckedContinuation { waiting.append($0) }
    } else {
      busy = true
    }
  }

  private func release() {
    if waiting.isEmpty {
      busy = false
    } else {
      waiting.removeFirst().resume()
    }
  }
}
