import Foundation
import GRPCCore
import PrivateAggregation
import SecureAggregation

typealias ServiceAPI = PrivateAggregation_Service_V1_AggregationService

/// The generated service protocol, implemented over a ``RoundRegistry``: authentication, the
/// mapping between messages and rounds, and errors as `RPCError`s with no secret in them.
struct ServiceHandler: ServiceAPI.ServiceProtocol {
  let store: any RoundStore
  let registry: RoundRegistry
  let operatorTokenHash: [UInt8]
  let limits: RoundService.Limits
  /// The client messages held at once, against ``RoundService/Limits/maximumPendingBytes``.
  let pending: PendingMessageBytes

  // MARK: Operator

  func createRound(
    request: ServerRequest<PrivateAggregation_Service_V1_CreateRoundRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<PrivateAggregation_Service_V1_CreateRoundResponse> {
    try await answering {
      try authenticateOperator(request.metadata)
      let message = request.message
      let id = try Self.roundID(message.roundID)
      let configuration: PrivateAggregationConfiguration
      do {
        configuration = try JSONDecoder().decode(
          PrivateAggregationConfiguration.self, from: message.configurationJson)
      } catch {
        throw ServiceFault.invalidArgument("configuration_json is not a configuration")
      }
      let plan: AggregationPlan
      do {
        plan = try AggregationPlan(configuration)
      } catch {
        throw ServiceFault.invalidArgument("the configuration has no plan: \(error)")
      }
      let clients = plan.secureAggregation.clientCount
      guard clients <= limits.maximumClients else {
        throw ServiceFault.invalidArgument(
          "\(clients) clients; this server takes at most \(limits.maximumClients)")
      }
      let identityDirectory = try Self.identityDirectory(
        message.identityKeys, mode: configuration.securityMode, clients: clients)
      let population = message.population.isEmpty ? nil : message.population
      if let population {
        guard message.budget.isFinite, message.budget > 0 else {
          throw ServiceFault.invalidArgument("a population needs a positive, finite budget")
        }
        if let ledger = try await serviceCall({ () async throws(AggregationServiceError) in
          try await store.ledger(of: population)
        }), ledger.budget != message.budget || ledger.delta != configuration.delta {
          throw ServiceFault.invalidArgument(
            "population \(population) has budget \(ledger.budget.map { "\($0)" } ?? "none") "
              + "and δ \(ledger.delta); a population's budget and δ are fixed by its first round")
        }
      }
      let now = registry.clock()
      let checkIn = Self.milliseconds(message.deadlines.checkInMs, default: limits.checkIn)
      let phase = Self.milliseconds(message.deadlines.phaseMs, default: limits.phase)
      let record = ServiceRoundRecord(
        id: id, configuration: configuration, population: population, budget: message.budget,
        createdMilliseconds: now, checkInDeadlineMilliseconds: now + checkIn,
        phaseMilliseconds: phase, identityDirectory: identityDirectory)
      var tokens: [(participant: Int, token: String)] = []
      var hashes: [Int: [UInt8]] = [:]
      for participant in 1...clients {
        let credential = Credentials.makeToken(participant: participant)
        tokens.append((participant, credential.token))
        hashes[participant] = credential.hash
      }
      let round = try await serviceCall { () async throws(AggregationServiceError) in
        try await RoundActor.create(
          record: record, plan: plan, credentialHashes: hashes, store: store,
          clock: registry.clock, logger: registry.logger)
      }
      await registry.add(round)
      var response = PrivateAggregation_Service_V1_CreateRoundResponse()
      response.round = await Self.summary(of: round)
      response.credentials = tokens.map { participant, token in
        var credential = PrivateAggregation_Service_V1_ClientCredential()
        credential.participant = UInt32(participant)
        credential.token = token
        return credential
      }
      return response
    }
  }

  func listRounds(
    request: ServerRequest<PrivateAggregation_Service_V1_ListRoundsRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<PrivateAggregation_Service_V1_ListRoundsResponse> {
    try await answering {
      try authenticateOperator(request.metadata)
      let population = request.message.population.isEmpty ? nil : request.message.population
      let states = try await serviceCall { () async throws(AggregationServiceError) in
        try await store.serviceRounds(population: population)
      }
      var response = PrivateAggregation_Service_V1_ListRoundsResponse()
      for state in states {
        // A round in memory knows its open phase; the store alone does not.
        if let round = try await serviceCall({ () async throws(AggregationServiceError) in
          try await registry.round(state.record.id)
        }) {
          response.rounds.append(await Self.summary(of: round))
        }
      }
      return response
    }
  }

  func getResult(
    request: ServerRequest<PrivateAggregation_Service_V1_GetResultRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<PrivateAggregation_Service_V1_GetResultResponse> {
    try await answering {
      try authenticateOperator(request.metadata)
      let round = try await knownRound(request.message.roundID)
      await round.waitUntilOver(wait: await wait(request.message.waitMs))
      if !(await round.isOver) { try await refuseWhenStopping() }
      var response = PrivateAggregation_Service_V1_GetResultResponse()
      response.round = await Self.summary(of: round)
      if let release = await round.release {
        var result = PrivateAggregation_Service_V1_RoundResult()
        result.sum = release.sum
        result.mean = release.mean
        result.survivors = release.survivors.map { UInt32(clamping: $0) }
        response.result = result
      }
      if let population = round.record.population,
        let ledger = try await serviceCall({ () async throws(AggregationServiceError) in
          try await store.ledger(of: population)
        })
      {
        response.populationEpsilon = ledger.epsilon.epsilon
      }
      return response
    }
  }

  // MARK: Clients

  func checkIn(
    request: ServerRequest<PrivateAggregation_Service_V1_CheckInRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<PrivateAggregation_Service_V1_CheckInResponse> {
    try await answering {
      let (round, participant) = try await authenticateClient(
        request.metadata, roundID: request.message.roundID)
      let status = try await serviceCall { () async throws(AggregationServiceError) in
        try await round.checkIn(participant: participant)
      }
      var response = PrivateAggregation_Service_V1_CheckInResponse()
      response.participant = UInt32(participant)
      response.status = Self.status(status)
      do {
        response.configurationJson = try JSONEncoder().encode(round.record.configuration)
      } catch {
        throw ServiceFault(code: .internalError, message: "the configuration does not encode")
      }
      return response
    }
  }

  func next(
    request: ServerRequest<PrivateAggregation_Service_V1_NextRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<PrivateAggregation_Service_V1_NextResponse> {
    try await answering {
      let (round, participant) = try await authenticateClient(
        request.metadata, roundID: request.message.roundID)
      let outcome = await round.next(
        participant: participant, answeredPhases: Int(request.message.answeredPhases),
        wait: await wait(request.message.waitMs))
      if outcome == .pending { try await refuseWhenStopping() }
      var response = PrivateAggregation_Service_V1_NextResponse()
      switch outcome {
      case .message(let bytes, let phase):
        registry.metrics.sent(bytes: bytes.count)
        response.serverMessage = Data(bytes)
        response.phase = UInt32(clamping: phase)
      case .pending:
        response.pending = true
      case .dropped:
        response.dropped = true
      case .ended(let status):
        response.ended = Self.status(status)
      }
      return response
    }
  }

  func submit(
    request: ServerRequest<PrivateAggregation_Service_V1_SubmitRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<PrivateAggregation_Service_V1_SubmitResponse> {
    try await answering {
      registry.metrics.received(bytes: request.message.clientMessage.count)
      let (round, participant) = try await authenticateClient(
        request.metadata, roundID: request.message.roundID)
      let size = request.message.clientMessage.count
      guard pending.reserve(size) else {
        registry.metrics.submissionDeferred()
        throw ServiceFault(
          code: .unavailable,
          message: "the service holds \(pending.current) bytes of messages (at most "
            + "\(pending.limit)); retry")
      }
      defer { pending.release(size) }
      let receipt = try await round.submit(
        participant: participant, bytes: Array(request.message.clientMessage))
      var response = PrivateAggregation_Service_V1_SubmitResponse()
      response.duplicate = receipt == .duplicate
      return response
    }
  }

  func health(
    request: ServerRequest<PrivateAggregation_Service_V1_HealthRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<PrivateAggregation_Service_V1_HealthResponse> {
    var response = PrivateAggregation_Service_V1_HealthResponse()
    response.serving = true
    do {
      _ = try await store.serviceRound("")
      response.storeOk = true
    } catch {
      response.storeOk = false
    }
    return ServerResponse(message: response)
  }

  // MARK: Authentication

  /// Requires the operator's token, compared by hash in constant time.
  private func authenticateOperator(_ metadata: Metadata) throws(ServiceFault) {
    guard let token = Credentials.bearerToken(in: metadata),
      Credentials.matches(token, hash: operatorTokenHash)
    else { throw .unauthenticated("an operator credential is required") }
  }

  /// Requires a client token of round `roundID`: returns the round and the token's participant.
  private func authenticateClient(_ metadata: Metadata, roundID: String) async throws
    -> (RoundActor, Int)
  {
    let refusal = ServiceFault.unauthenticated(
      "a valid client credential of this round is required")
    guard let token = Credentials.bearerToken(in: metadata),
      let participant = Credentials.participant(in: token)
    else { throw refusal }
    let id = try Self.roundID(roundID)
    let stored = try await serviceCall { () async throws(AggregationServiceError) in
      try await store.credentialHash(roundID: id, participant: participant)
    }
    // An unknown round or participant is refused like a wrong token, so a caller without a
    // credential learns nothing about which rounds exist.
    guard let stored, Credentials.matches(token, hash: stored) else { throw refusal }
    return (try await knownRound(id), participant)
  }

  // MARK: Helpers

  private func knownRound(_ id: String) async throws -> RoundActor {
    let id = try Self.roundID(id)
    guard
      let round = try await serviceCall({ () async throws(AggregationServiceError) in
        try await registry.round(id)
      })
    else { throw ServiceFault.notFound("no round \(id)") }
    return round
  }

  /// A long-poll cut short by the service stopping answers `unavailable`, so that its client
  /// backs off and asks the next server.
  private func refuseWhenStopping() async throws(ServiceFault) {
    guard await registry.isStopping else { return }
    throw ServiceFault(code: .unavailable, message: "the service is stopping; retry")
  }

  /// How long a long-poll may wait: what the caller asked, up to the service's limit; not at
  /// all once the service is stopping.
  private func wait(_ milliseconds: UInt32) async -> Duration {
    guard !(await registry.isStopping) else { return .zero }
    return min(.milliseconds(Int64(milliseconds)), limits.longestWait)
  }

  /// Runs a store or round call, turning its error into a ``ServiceFault``.
  private func serviceCall<T>(_ body: () async throws(AggregationServiceError) -> T)
    async throws(ServiceFault) -> T
  {
    do {
      return try await body()
    } catch {
      throw ServiceFault(error)
    }
  }

  /// Runs a method's body, answering its result, or its fault as an `RPCError`. Any other
  /// error becomes `internal` with a fixed message, so nothing unplanned reaches the caller.
  private func answering<Response>(_ body: () async throws -> Response) async throws
    -> ServerResponse<Response>
  {
    do {
      return ServerResponse(message: try await body())
    } catch let fault as ServiceFault {
      throw fault.rpcError
    } catch is CancellationError {
      throw RPCError(code: .cancelled, message: "the call was cancelled")
    } catch {
      throw RPCError(code: .internalError, message: "the service failed")
    }
  }

  /// A round id: 1...128 characters of letters, digits, `-`, `_` and `.`.
  private static func roundID(_ id: String) throws(ServiceFault) -> String {
    guard (1...128).contains(id.utf8.count),
      id.unicodeScalars.allSatisfy({
        $0.isASCII
          && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
            || "-_.".unicodeScalars.contains($0))
      })
    else {
      throw .invalidArgument("a round id is 1 to 128 letters, digits, '-', '_' or '.'")
    }
    return id
  }

  /// The identity directory an operator gave with a round: in active mode, a valid Ed25519
  /// public key for each participant 1...`clients` and nothing else; none in semi-honest mode.
  static func identityDirectory(
    _ keys: [UInt32: Data], mode: AggregationConfiguration.SecurityMode, clients: Int
  ) throws(ServiceFault) -> [ParticipantID: IdentityPublicKey] {
    guard mode == .active else {
      guard keys.isEmpty else {
        throw .invalidArgument("identity_keys are for active rounds; this round is semi-honest")
      }
      return [:]
    }
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    for (participant, key) in keys {
      guard participant >= 1, participant <= clients,
        let entry = IdentityDirectoryEntry(participant: Int(participant), publicKey: Array(key))
      else {
        throw .invalidArgument(
          "identity_keys[\(participant)] is not a valid 32-byte Ed25519 public key of a "
            + "participant 1...\(clients)")
      }
      directory[entry.participant] = entry.publicKey
    }
    guard directory.count == clients else {
      throw .invalidArgument(
        "an active round needs identity_keys for every participant 1...\(clients); "
          + "\(directory.count) given")
    }
    return directory
  }

  private static func milliseconds(_ value: UInt32, default fallback: Duration) -> Int64 {
    value > 0 ? Int64(value) : fallback.wholeMilliseconds
  }

  static func status(_ status: RoundStatus) -> PrivateAggregation_Service_V1_RoundStatus {
    switch status {
    case .checkingIn: return .checkingIn
    case .running: return .running
    case .finished: return .finished
    case .refused: return .refused
    case .failed: return .failed
    }
  }

  static func summary(of round: RoundActor) async -> PrivateAggregation_Service_V1_RoundSummary {
    var summary = PrivateAggregation_Service_V1_RoundSummary()
    summary.roundID = round.id
    summary.population = round.record.population ?? ""
    summary.status = status(await round.status)
    summary.phase = UInt32(clamping: await round.phase)
    summary.clients = UInt32(clamping: round.plan.secureAggregation.clientCount)
    summary.checkedIn = UInt32(clamping: await round.checkedIn.count)
    summary.failure = await round.failure ?? ""
    summary.answered = UInt32(clamping: await round.answeredCount)
    return summary
  }
}
