/// A server that ``RoundDriver`` can drive: ``AggregationServer`` and the servers built on it.
package protocol DrivableServer {
  /// What the round releases.
  associatedtype Result
  /// What its methods throw.
  associatedtype Failure: Error
  /// The session id.
  var sessionID: SessionID { get }
  /// The opening messages (``AggregationServer/start()``).
  func start() -> [ServerMessage]
  /// Takes one client's reply (``AggregationServer/receive(_:)-(ClientMessage)``).
  mutating func receive(_ message: ClientMessage) throws(Failure)
  /// Closes the phase (``AggregationServer/advance()``).
  mutating func advance() throws(Failure) -> RoundStep<Result>
}

/// A client that ``RoundDriver`` can drive: ``AggregationClient`` and the clients built on it.
package protocol DrivableClient {
  /// What ``respond(to:)`` throws.
  associatedtype Failure: Error
  /// Answers one server message (``AggregationClient/respond(to:)``).
  mutating func respond(to message: ServerMessage) throws(Failure) -> ClientMessage
  /// The vector this client masked in its last reply, handed over once (then `nil`), so the
  /// driver can check the sum; `nil` when it masked nothing.
  mutating func takeMaskedInput() -> ModularVector?
  /// The seconds of the last reply that went into preparing the input rather than into the
  /// protocol (encoding an update); 0 by default.
  var preparationSeconds: Double { get }
}

extension DrivableClient {
  /// 0: the client spends nothing outside the protocol.
  package var preparationSeconds: Double { 0 }
}

extension AggregationServer: DrivableServer {}

extension AggregationClient: DrivableClient {
  /// The input, once masked (the client keeps no copy after this).
  package mutating func takeMaskedInput() -> ModularVector? {
    guard phase != .awaitingShareRelay, phase != .awaitingKeyDirectory,
      phase != .awaitingAnnouncement
    else { return nil }
    defer { input = nil }
    return input
  }
}

/// Runs one session in memory: every message crosses between a client and the server as
/// encoded bytes through the wire format, and the driver measures compute time and bytes.
///
/// One loop for every in-memory run (``InMemoryRound`` and the private aggregation's simulation):
/// deliver each of the server's messages as bytes, hand each reply back as bytes, then
/// `advance()`. A client that drops (``DropoutSchedule``) or refuses a message sends nothing; a
/// reply the server refuses leaves the server unchanged and its sender counts as dropped.
package struct RoundDriver<Server: DrivableServer, Client: DrivableClient> {
  /// The session's parameters.
  package let configuration: AggregationConfiguration
  /// Who vanishes when.
  package let dropouts: DropoutSchedule
  /// The server.
  package var server: Server
  /// The clients, by id.
  package var clients: [ParticipantID: Client]
  /// Called before a share relay reaches a client, so the client's input is made only then
  /// (memory grows with the vector length, not with clients × length).
  package var prepare: ((inout Client, ParticipantID, SessionID) -> Void)?
  /// Called after every delivered message.
  package var progress: ((InMemoryRound.Progress) -> Void)?
  /// The sum of the inputs the server accepted (the reference the result is checked against).
  package private(set) var plaintextSum: ModularVector
  /// The clients whose `respond` threw, with the first error each (a refusal: it sent nothing).
  package private(set) var clientFailures: [ParticipantID: any Error] = [:]
  /// Seconds the clients spent preparing inputs (outside the protocol), summed.
  package private(set) var preparationSeconds = 0.0
  /// The clients that prepared an input.
  package private(set) var preparedClients = 0

  private var clientSeconds: [ParticipantID: [ProtocolRound: Double]] = [:]
  private var serverSeconds: [ProtocolRound: Double] = [:]
  private var clientBytes: [ParticipantID: Int] = [:]
  private var serverBytes = 0
  private let clock = ContinuousClock()

  /// A driver for `server` and `clients`.
  package init(
    configuration: AggregationConfiguration, dropouts: DropoutSchedule, server: Server,
    clients: [ParticipantID: Client]
  ) {
    self.configuration = configuration
    self.dropouts = dropouts
    self.server = server
    self.clients = clients
    plaintextSum = ModularVector(
      zeroCount: configuration.vectorLength, modulus: configuration.modulus)
  }

  /// Plays the session to its end: the server's result, or the error that stopped it (an
  /// abort is an outcome of the run, not a failure of the driver).
  package mutating func run() -> Swift.Result<Server.Result, Server.Failure> {
    var messages = server.start()
    var round = ProtocolRound.advertiseKeys
    while true {
      for (index, message) in messages.enumerated() {
        exchange(message, in: round)
        progress?(InMemoryRound.Progress(round: round, completed: index + 1, total: messages.count))
      }
      let start = clock.now
      let step: RoundStep<Server.Result>
      do {
        step = try server.advance()
      } catch {
        serverSeconds[round, default: 0] += seconds(since: start)
        return .failure(error)
      }
      serverSeconds[round, default: 0] += seconds(since: start)
      switch step {
      case .send(let next):
        messages = next
        guard let first = next.first else { return run(after: round) }
        round = Self.replyRound(to: first)
      case .finished(let result):
        return .success(result)
      }
    }
  }

  /// A phase that sent nothing: advance again until the server finishes or fails.
  private mutating func run(after round: ProtocolRound)
    -> Swift.Result<Server.Result, Server.Failure>
  {
    let start = clock.now
    defer { serverSeconds[round, default: 0] += seconds(since: start) }
    do {
      while true {
        if case .finished(let result) = try server.advance() { return .success(result) }
      }
    } catch {
      return .failure(error)
    }
  }

  /// The round a reply to `message` belongs to.
  static func replyRound(to message: ServerMessage) -> ProtocolRound {
    switch message {
    case .sessionAnnouncement: return .advertiseKeys
    case .keyDirectory: return .shareKeys
    case .shareRelay: return .maskedInputCollection
    case .consistencyCheckRequest: return .consistencyCheck
    case .unmaskingRequest: return .unmasking
    }
  }

  /// Delivers one server message to its recipient as bytes and the reply back to the server as
  /// bytes.
  private mutating func exchange(_ message: ServerMessage, in round: ProtocolRound) {
    let id = message.recipient
    guard var client = clients[id] else { return }
    let serverStart = clock.now
    let bytes = message.serializedBytes()
    serverSeconds[round, default: 0] += seconds(since: serverStart)
    serverBytes += bytes.count
    guard dropouts.isActive(id, in: round) else { return }

    // The client's data exists before the session; making it is not protocol compute.
    if case .shareRelay = message { prepare?(&client, id, server.sessionID) }
    let clientStart = clock.now
    let reply: ClientMessage
    do {
      let received = try ServerMessage(serializedBytes: bytes, configuration: configuration)
      reply = try client.respond(to: received)
    } catch {
      clientSeconds[id, default: [:]][round, default: 0] += seconds(since: clientStart)
      if clientFailures[id] == nil { clientFailures[id] = error }
      _ = client.takeMaskedInput()
      clients[id] = client
      return
    }
    let replyBytes = reply.serializedBytes()
    let preparation = round == .maskedInputCollection ? client.preparationSeconds : 0
    preparationSeconds += preparation
    if round == .maskedInputCollection { preparedClients += 1 }
    clientSeconds[id, default: [:]][round, default: 0] +=
      max(seconds(since: clientStart) - preparation, 0)
    let masked = client.takeMaskedInput()
    clients[id] = client
    clientBytes[id, default: 0] += replyBytes.count

    let start = clock.now
    var accepted = false
    do {
      let decoded = try ClientMessage(serializedBytes: replyBytes, configuration: configuration)
      try server.receive(decoded)
      accepted = true
    } catch {
      // A refused reply leaves the server unchanged; its sender counts as dropped.
    }
    serverSeconds[round, default: 0] += seconds(since: start)
    // The reference sum (not part of anyone's compute): inputs the server actually took.
    if accepted, let masked { try? plaintextSum.add(masked) }
  }

  private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  }

  /// The report of the run: the sum (checked against ``plaintextSum``), survivors, timings
  /// and bytes.
  package func report(
    sum: ModularVector?, survivors: [ParticipantID],
    completed: [ProtocolRound: [ParticipantID]], abortReason: SecureAggregationError?
  ) -> RoundReport {
    let rounds = ProtocolRound.allCases.filter {
      configuration.securityMode == .active || $0 != .consistencyCheck
    }
    let phases = rounds.map { round in
      let times = clientSeconds.values.compactMap { $0[round] }
      return RoundReport.PhaseTiming(
        round: round,
        clientMeanSeconds: times.isEmpty ? 0 : times.reduce(0, +) / Double(times.count),
        clientMaxSeconds: times.max() ?? 0, serverSeconds: serverSeconds[round] ?? 0)
    }
    let n = Double(configuration.clientCount)
    let scheduledSurvivors = Set(
      configuration.participantIDs.filter {
        dropouts.isActive($0, in: .maskedInputCollection)
      })
    return RoundReport(
      configuration: configuration, sessionID: server.sessionID, sum: sum,
      exact: sum.map { $0 == plaintextSum } ?? false,
      survivorsAsScheduled: sum != nil && Set(survivors) == scheduledSurvivors,
      abortReason: abortReason,
      survivors: survivors, completed: completed, phases: phases,
      clientSeconds: clientSeconds.values.map { $0.values.reduce(0, +) }.reduce(0, +) / n,
      serverSeconds: serverSeconds.values.reduce(0, +),
      clientBytesSent: Double(clientBytes.values.reduce(0, +)) / n, serverBytesSent: serverBytes)
  }
}
