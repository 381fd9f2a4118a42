public import AggregationCrypto
public import PrivateAggregation
public import SecureAggregation

/// Where a round's durable state lives: its configuration, nonce and noise key, the log of what
/// its server accepted, its release, and each population's privacy ledger.
///
/// Every method is one transaction: it happens whole or not at all, so a process killed at any
/// moment leaves the store at a transaction boundary, and ``DurableRound/resume(id:store:identityDirectory:)``
/// rebuilds the round from there.
public protocol RoundStore: Sendable {
  /// Begins a round in one transaction: when `charge` is given, checks that the population's
  /// ledger can pay for every round of the population that is running (reserved, not yet
  /// released) and then for this one (making the population with the charge's budget and the
  /// configuration's δ on its first round), then stores the round as running with its privacy
  /// reserved. Nothing is charged yet: ``finish(_:appending:release:)`` charges it. A round the
  /// budget cannot pay is stored as refused, nothing is reserved, and
  /// ``AggregationServiceError/budgetExceeded(population:budget:spent:wouldBe:)`` is thrown.
  func beginRound(_ round: RoundRecord, charging charge: RoundCharge?)
    async throws(AggregationServiceError)

  /// Appends `events` to the round's log, in order, in one transaction.
  func append(_ events: [RoundEvent], to roundID: String) async throws(AggregationServiceError)

  /// Appends `events`, charges the round's reserved privacy to its population's ledger, and
  /// stores the release, marking the round finished, all in one transaction: the release is
  /// never readable uncharged, and a round is charged once.
  ///
  /// - Throws: ``AggregationServiceError/budgetExceeded(population:budget:spent:wouldBe:)`` when
  ///   the ledger cannot pay (only a store changed outside this library gets there: the
  ///   round's reservation was admitted); nothing is then written.
  func finish(_ roundID: String, appending events: [RoundEvent], release: StoredRelease)
    async throws(AggregationServiceError)

  /// The round, with its log in order; `nil` when there is no such round.
  func round(_ id: String) async throws(AggregationServiceError) -> StoredRound?

  /// The population's ledger; `nil` when no round of it has begun.
  func ledger(of population: String) async throws(AggregationServiceError) -> PrivacyLedger?

  // MARK: The service's rounds (before and around ``beginRound(_:charging:)``)

  /// Stores a round the service created, and the hashes of its clients' credentials, in one
  /// transaction; the round waits for check-ins and is not begun.
  ///
  /// - Throws: ``AggregationServiceError/duplicateRound(_:)`` when the id is taken, and the
  ///   store's errors.
  func createRound(_ round: ServiceRoundRecord, credentialHashes: [Int: [UInt8]])
    async throws(AggregationServiceError)

  /// A created round with its check-ins and status; `nil` when the service never created it.
  func serviceRound(_ id: String) async throws(AggregationServiceError) -> ServiceRoundState?

  /// Every created round (of `population`, when given), in creation order.
  func serviceRounds(population: String?) async throws(AggregationServiceError)
    -> [ServiceRoundState]

  /// The SHA-256 of the credential issued to `participant` of round `roundID`; `nil` when there
  /// is none.
  func credentialHash(roundID: String, participant: Int) async throws(AggregationServiceError)
    -> [UInt8]?

  /// Records that `participant` checked in to round `roundID` (again: no change) and returns
  /// everyone checked in so far.
  func checkIn(roundID: String, participant: Int, atMilliseconds: Int64)
    async throws(AggregationServiceError) -> Set<Int>

  /// Marks the round failed with `reason`, in one transaction: a round that had begun stops
  /// taking messages, its log and noise key are erased, and its reservation ends. Nothing is
  /// charged: nothing about the clients' data was released.
  func failRound(_ id: String, reason: String) async throws(AggregationServiceError)

  /// Closes the store's connections; the store takes no call afterwards.
  func close() async
}

/// What an operator asked for when creating a round through the service: the round's
/// configuration, who pays for it, and its deadlines.
public struct ServiceRoundRecord: Sendable, Equatable {
  /// The round's id, unique in the store.
  public let id: String
  /// The configuration.
  public let configuration: PrivateAggregationConfiguration
  /// The population whose ledger pays, and its budget in ε; `nil` charges nothing.
  public let population: String?
  /// The population's budget in ε (fixed by its first round); ignored without a population.
  public let budget: Double
  /// When it was created, in milliseconds since 1970.
  public let createdMilliseconds: Int64
  /// When check-in closes, in milliseconds since 1970.
  public let checkInDeadlineMilliseconds: Int64
  /// How long each phase stays open, in milliseconds.
  public let phaseMilliseconds: Int64
  /// Active mode: every participant's identity public key, from the operator's directory.
  /// The server checks signatures against these stored keys only. Empty in semi-honest mode.
  public let identityDirectory: [ParticipantID: IdentityPublicKey]

  /// A record.
  public init(
    id: String, configuration: PrivateAggregationConfiguration, population: String?,
    budget: Double, createdMilliseconds: Int64, checkInDeadlineMilliseconds: Int64,
    phaseMilliseconds: Int64, identityDirectory: [ParticipantID: IdentityPublicKey] = [:]
  ) {
    self.id = id
    self.configuration = configuration
    self.population = population
    self.budget = budget
    self.createdMilliseconds = createdMilliseconds
    self.checkInDeadlineMilliseconds = checkInDeadlineMilliseconds
    self.phaseMilliseconds = phaseMilliseconds
    self.identityDirectory = identityDirectory
  }
}

/// A created round as stored: the record, who checked in, and where it is.
public struct ServiceRoundState: Sendable {
  /// What the operator asked for.
  public let record: ServiceRoundRecord
  /// The participants (1...n) who checked in.
  public let checkedIn: Set<Int>
  /// ``RoundStatus/checkingIn`` until it begins; then the begun round's status.
  public let status: RoundStatus
  /// Why it failed or was refused.
  public let failure: String?
}

/// What a round is made from, stored when it begins.
public struct RoundRecord: Sendable {
  /// The round's id, unique in the store.
  public let id: String
  /// The configuration (the plan is built from it again on every resume, and validated again).
  public let configuration: PrivateAggregationConfiguration
  /// The session's 32-byte nonce.
  public let nonce: [UInt8]
  /// The round's 32-byte central-noise key (a secret: whoever has it knows the central noise).
  public let noiseKey: SymmetricKey

  /// A round record.
  public init(
    id: String, configuration: PrivateAggregationConfiguration, nonce: [UInt8],
    noiseKey: SymmetricKey
  ) {
    self.id = id
    self.configuration = configuration
    self.nonce = nonce
    self.noiseKey = noiseKey
  }
}

/// The privacy a round reserves in its population's budget when it begins, and charges to the
/// population's ledger when it releases.
public struct RoundCharge: Sendable {
  /// The population whose ledger pays.
  public let population: String
  /// The population's budget in ε, fixed by its first round.
  public let budget: Double
  /// The round's privacy.
  public let privacy: RoundPrivacy

  /// A charge.
  public init(population: String, budget: Double, privacy: RoundPrivacy) {
    self.population = population
    self.budget = budget
    self.privacy = privacy
  }
}

/// One entry of a round's log: what its server accepted, in order.
public enum RoundEvent: Sendable, Equatable {
  /// A client message the server accepted, as its wire bytes.
  case message([UInt8])
  /// The server closed a phase (`PrivateAggregationServer/advance()`).
  case advance
}

/// Where a round is.
public enum RoundStatus: String, Sendable, Codable, CaseIterable {
  /// Created by the service and waiting for its clients; not begun.
  case checkingIn = "checking-in"
  /// Taking messages.
  case running
  /// Released its result.
  case finished
  /// Its population's budget could not pay for it; it never started.
  case refused
  /// It stopped without a release: too few clients checked in or answered.
  case failed
}

/// A round as stored.
public struct StoredRound: Sendable {
  /// What it was made from.
  public let record: RoundRecord
  /// Where it is.
  public let status: RoundStatus
  /// Its log, in order.
  public let events: [RoundEvent]
  /// Its release, once finished.
  public let release: StoredRelease?
}

/// What a finished round released: the decoded noised sum and mean, who is in it, and the ε its
/// population had spent with it.
public struct StoredRelease: Sendable, Codable, Equatable {
  /// The decoded sum.
  public let sum: [Double]
  /// The decoded mean.
  public let mean: [Double]
  /// The ids (1...n) of the clients in the sum.
  public let survivors: [Int]

  /// A release.
  public init(sum: [Double], mean: [Double], survivors: [Int]) {
    self.sum = sum
    self.mean = mean
    self.survivors = survivors
  }
}
