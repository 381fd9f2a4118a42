import Foundation
public import GRPCCore
import GRPCProtobuf
public import PrivateAggregation
public import SecureAggregation

/// An operator's side of the service: creates rounds, with their clients' credentials, and
/// reads their results. Every call carries the operator's bearer token.
public struct OperatorClient<Transport: ClientTransport>: Sendable {
  private let client: PrivateAggregation_Service_V1_AggregationService.Client<Transport>
  private let metadata: Metadata
  /// How failed calls are retried.
  public var retry: RetryPolicy

  /// A client that makes its calls on `client` (which the caller runs) with `operatorToken`.
  public init(
    wrapping client: GRPCClient<Transport>, operatorToken: String,
    retry: RetryPolicy = RetryPolicy()
  ) {
    self.client = .init(wrapping: client)
    metadata = Credentials.metadata(bearer: operatorToken)
    self.retry = retry
  }

  /// A round as the service reports it.
  public struct Report: Sendable, Equatable {
    /// The round's id.
    public let id: String
    /// Where it is.
    public let status: RoundStatus
    /// The open protocol phase: 0 while checking in, then 1, 2, ….
    public let phase: Int
    /// Its cohort's size.
    public let clients: Int
    /// How many clients checked in.
    public let checkedIn: Int
    /// How many clients answered the open phase.
    public let answered: Int
    /// Why it failed or was refused; empty otherwise.
    public let failure: String
    /// Its release, once finished.
    public let release: StoredRelease?
    /// The ε its population has spent in all (every round of it that began, this one
    /// included); 0 for a round without a population.
    public let populationEpsilon: Double
  }

  /// Creates a round and returns each client's credential (in participant order).
  ///
  /// The service keeps only the credentials' hashes, so they are returned once: when the
  /// answer is lost after the round was stored, a retry is refused as `alreadyExists` and the
  /// round cannot be used (create another with a new id).
  ///
  /// - Parameters:
  ///   - id: the round's id (1 to 128 letters, digits, `-`, `_`, `.`), unique on the server.
  ///   - configuration: the round's configuration.
  ///   - population: the population whose privacy ledger pays, with its budget in ε; `nil`
  ///     charges nothing.
  ///   - checkInDeadline: how long clients may take to check in (`nil`: the server's default).
  ///   - phaseDeadline: how long each phase stays open (`nil`: the server's default).
  ///   - identityDirectory: active mode (required then, for every participant): each
  ///     participant's identity public key, from your own directory. The server checks every
  ///     signature against these; give each client the same directory.
  /// - Throws: ``AggregationServiceError/service(code:message:)`` (`unauthenticated`,
  ///   `invalidArgument`, `alreadyExists`, …) and ``AggregationServiceError/cancelled``.
  public func createRound(
    id: String, configuration: PrivateAggregationConfiguration,
    population: (name: String, budget: Double)? = nil, checkInDeadline: Duration? = nil,
    phaseDeadline: Duration? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:]
  ) async throws(AggregationServiceError) -> [RoundCredential] {
    var request = PrivateAggregation_Service_V1_CreateRoundRequest()
    request.roundID = id
    do {
      request.configurationJson = try JSONEncoder().encode(configuration)
    } catch {
      throw .invalidParameter(
        name: "configuration", value: "\(error)", expected: "an encodable configuration")
    }
    if let population {
      request.population = population.name
      request.budget = population.budget
    }
    request.deadlines.checkInMs = Self.milliseconds(checkInDeadline)
    request.deadlines.phaseMs = Self.milliseconds(phaseDeadline)
    for (participant, key) in identityDirectory {
      request.identityKeys[UInt32(participant.rawValue)] = Data(key.rawRepresentation)
    }
    let response = try await retry.run {
      try await client.createRound(request, metadata: metadata)
    }
    return response.credentials.map {
      RoundCredential(roundID: id, participant: Int($0.participant), token: $0.token)
    }
  }

  /// The round `id`, waiting up to `wait` for it to be over.
  ///
  /// - Throws: as ``createRound(id:configuration:population:checkInDeadline:phaseDeadline:identityDirectory:)``;
  ///   `notFound` for an unknown round.
  public func report(of id: String, wait: Duration = .zero) async throws(AggregationServiceError)
    -> Report
  {
    var request = PrivateAggregation_Service_V1_GetResultRequest()
    request.roundID = id
    request.waitMs = Self.milliseconds(wait)
    let response = try await retry.run {
      try await client.getResult(request, metadata: metadata)
    }
    let summary = response.round
    var release: StoredRelease?
    if response.hasResult {
      release = StoredRelease(
        sum: response.result.sum, mean: response.result.mean,
        survivors: response.result.survivors.map { Int($0) })
    }
    return Report(
      id: summary.roundID, status: try Self.status(summary.status), phase: Int(summary.phase),
      clients: Int(summary.clients), checkedIn: Int(summary.checkedIn),
      answered: Int(summary.answered), failure: summary.failure, release: release,
      populationEpsilon: response.populationEpsilon)
  }

  /// The server's rounds, oldest first (of `population` only, when given), without their
  /// releases (``Report/release`` is `nil` and ``Report/populationEpsilon`` 0: read them with
  /// ``report(of:wait:)``).
  ///
  /// - Throws: as ``createRound(id:configuration:population:checkInDeadline:phaseDeadline:identityDirectory:)``.
  public func rounds(population: String? = nil) async throws(AggregationServiceError)
    -> [Report]
  {
    var request = PrivateAggregation_Service_V1_ListRoundsRequest()
    request.population = population ?? ""
    let response = try await retry.run {
      try await client.listRounds(request, metadata: metadata)
    }
    var reports: [Report] = []
    for summary in response.rounds {
      reports.append(
        Report(
          id: summary.roundID, status: try Self.status(summary.status),
          phase: Int(summary.phase), clients: Int(summary.clients),
          checkedIn: Int(summary.checkedIn), answered: Int(summary.answered),
          failure: summary.failure, release: nil, populationEpsilon: 0))
    }
    return reports
  }

  /// Whether the service and its store answer (no credential needed).
  public func isHealthy() async -> Bool {
    guard
      let response = try? await client.health(PrivateAggregation_Service_V1_HealthRequest())
    else { return false }
    return response.serving && response.storeOk
  }

  private static func milliseconds(_ duration: Duration?) -> UInt32 {
    guard let duration else { return 0 }
    return UInt32(clamping: max(duration.wholeMilliseconds, 0))
  }

  private static func status(_ status: PrivateAggregation_Service_V1_RoundStatus)
    throws(AggregationServiceError) -> RoundStatus
  {
    switch status {
    case .checkingIn: return .checkingIn
    case .running: return .running
    case .finished: return .finished
    case .refused: return .refused
    case .failed: return .failed
    case .unspecified, .UNRECOGNIZED: throw .unexpectedAnswer(what: "an unknown round status")
    }
  }
}
