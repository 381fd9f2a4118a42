/// The moving parts of one ``InMemoryRound`` run.
struct SimulationState {
  let configuration: AggregationConfiguration
  let dropouts: DropoutSchedule
  let inputSeed: UInt64
  var server: AggregationServer
  var clients: [ParticipantID: AggregationClient]
  var plaintextSum: ModularVector
  var clientSeconds: [ParticipantID: [ProtocolRound: Double]] = [:]
  var serverSeconds: [ProtocolRound: Double] = [:]
  var clientBytes: [ParticipantID: Int] = [:]
  var serverBytes = 0
  let clock = ContinuousClock()
  var progress: ((InMemoryRound.Progress) -> Void)?
  var inputs: ((ParticipantID, SessionID) -> ModularVector)?

  init(configuration: AggregationConfiguration, dropouts: DropoutSchedule, insecureSeed: UInt64?)
    throws(SecureAggregationError)
  {
    self.configuration = configuration
    self.dropouts = dropouts
    inputSeed = insecureSeed ?? 0
    let root = insecureSeed.map { ChaChaRandomNumberGenerator(insecureDeterministicSeed: $0) }
    func source(_ label: String) -> RandomSource {
      root.map { .insecureDeterministic($0.insecureDeterministicChild(label: label)) } ?? .system
    }
    let parties = try SimulatedParties(
      configuration: configuration, identitySource: { source("identity \($0)") }, source: source)
    server = parties.server
    clients = parties.clients
    plaintextSum = ModularVector(
      zeroCount: configuration.vectorLength, modulus: configuration.modulus)
  }

  mutating func run() -> RoundReport {
    do {
      try runRounds()
      let start = clock.now
      let result = try server.finish()
      serverSeconds[.unmasking, default: 0] += seconds(since: start)
      return report(sum: result.sum, completed: result.completed, survivors: result.survivors)
    } catch {
      return report(sum: nil, completed: [:], survivors: [], abortReason: error)
    }
  }

  private mutating func runRounds() throws(SecureAggregationError) {
    // Round 0.
    let announcement = ServerMessage.announcement(server.announcement)
    for (index, id) in configuration.participantIDs.enumerated() {
      try exchange(announcement, with: id, in: .advertiseKeys)
      report(.advertiseKeys, index + 1, of: configuration.clientCount)
    }
    let directories = try serverStep(.advertiseKeys) { server throws(SecureAggregationError) in
      try server.closeAdvertiseKeys().map(ServerMessage.keyDirectory)
    }
    // Round 1.
    for (index, message) in directories.enumerated() {
      try exchange(message, in: .shareKeys)
      report(.shareKeys, index + 1, of: directories.count)
    }
    let relays = try serverStep(.shareKeys) { server throws(SecureAggregationError) in
      try server.closeShareKeys().map(ServerMessage.shareRelay)
    }
    // Round 2.
    for (index, message) in relays.enumerated() {
      try exchange(message, in: .maskedInputCollection)
      report(.maskedInputCollection, index + 1, of: relays.count)
    }
    let requests = try serverStep(.maskedInputCollection) { server throws(SecureAggregationError) in
      switch try server.closeMaskedInputCollection() {
      case .consistencyCheck(let requests): return requests.map(ServerMessage.consistencyCheck)
      case .unmasking(let requests): return requests.map(ServerMessage.unmasking)
      }
    }
    var unmaskingRequests = requests
    if configuration.securityMode == .active {
      // Round 3.
      for (index, message) in requests.enumerated() {
        try exchange(message, in: .consistencyCheck)
        report(.consistencyCheck, index + 1, of: requests.count)
      }
      unmaskingRequests = try serverStep(.consistencyCheck) {
        server throws(SecureAggregationError) in
        try server.closeConsistencyCheck().map(ServerMessage.unmasking)
      }
    }
    // Round 4.
    for (index, message) in unmaskingRequests.enumerated() {
      try exchange(message, in: .unmasking)
      report(.unmasking, index + 1, of: unmaskingRequests.count)
    }
  }

  private func report(_ round: ProtocolRound, _ completed: Int, of total: Int) {
    progress?(InMemoryRound.Progress(round: round, completed: completed, total: total))
  }

  /// Times a server step and counts the bytes of the messages it sends.
  private mutating func serverStep(
    _ round: ProtocolRound,
    _ body: (inout AggregationServer) throws(SecureAggregationError) -> [ServerMessage]
  ) throws(SecureAggregationError) -> [ServerMessage] {
    let start = clock.now
    let messages = try body(&server)
    serverSeconds[round, default: 0] += seconds(since: start)
    return messages
  }

  /// Delivers one server message to its recipient as bytes and the reply back to the server as
  /// bytes. A client that drops in `round`, or that refuses the message, sends nothing.
  private mutating func exchange(
    _ message: ServerMessage, with recipient: ParticipantID? = nil, in round: ProtocolRound
  ) throws(SecureAggregationError) {
    guard let id = recipient ?? message.recipient, var client = clients[id] else { return }
    let serverStart = clock.now
    let bytes = message.serializedBytes()
    serverSeconds[round, default: 0] += seconds(since: serverStart)
    serverBytes += bytes.count
    guard dropouts.isActive(id, in: round) else { return }

    // The client's data exists before the session; making it is not protocol compute.
    var input: ModularVector?
    if case .shareRelay = message {
      input =
        inputs?(id, server.announcement.sessionID)
        ?? SimulationState.input(for: id, seed: inputSeed, configuration: configuration)
    }
    let clientStart = clock.now
    guard let reply = try? respond(&client, to: bytes, input: input) else {
      clientSeconds[id, default: [:]][round, default: 0] += seconds(since: clientStart)
      clients[id] = client
      return
    }
    let replyBytes = reply.message.serializedBytes()
    clientSeconds[id, default: [:]][round, default: 0] += seconds(since: clientStart)
    clients[id] = client
    clientBytes[id, default: 0] += replyBytes.count

    let start = clock.now
    var accepted = false
    do {
      let decoded = try ClientMessage(serializedBytes: replyBytes, configuration: configuration)
      try server.receive(decoded)
      accepted = true
    } catch {
      // A rejected message leaves the server unchanged; its sender counts as dropped.
    }
    serverSeconds[round, default: 0] += seconds(since: start)
    // The reference sum (not part of anyone's compute): inputs the server actually took.
    if accepted, let input = reply.input { try plaintextSum.add(input) }
  }

  /// The client's decoding of the server's bytes and its reply (with the input it masked).
  private func respond(
    _ client: inout AggregationClient, to bytes: [UInt8], input: ModularVector?
  ) throws(SecureAggregationError) -> (message: ClientMessage, input: ModularVector?) {
    switch try ServerMessage(serializedBytes: bytes, configuration: configuration) {
    case .announcement(let announcement):
      return (.advertiseKeys(try client.advertiseKeys(for: announcement)), nil)
    case .keyDirectory(let directory):
      return (.shareKeys(try client.shareKeys(for: directory)), nil)
    case .shareRelay(let relay):
      guard let input else {
        throw .invalidMessage(reason: "a share relay the driver did not expect")
      }
      return (.maskedInput(try client.maskedInput(for: relay, input: input)), input)
    case .consistencyCheck(let request):
      return (.consistencySignature(try client.consistencySignature(for: request)), nil)
    case .unmasking(let request):
      return (.unmaskingResponse(try client.unmaskingResponse(for: request)), nil)
    }
  }

  /// Client `id`'s input: uniform in Z_R^m, a function of the seed and the id.
  static func input(for id: ParticipantID, seed: UInt64, configuration: AggregationConfiguration)
    -> ModularVector
  {
    let generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
      .insecureDeterministicChild(label: "input \(id)")
    var vector = ModularVector(
      zeroCount: configuration.vectorLength, modulus: configuration.modulus)
    var bytes = SecureBytes(zeroedCount: 32)
    bytes.withUnsafeMutableBytes { generator.fill($0) }
    // Expanding a key with the mask generator gives uniform elements of Z_R quickly.
    if let mask = try? MaskGenerator(
      key: SymmetricKey(bytes: bytes), modulus: configuration.modulus)
    {
      try? vector.applyMask(mask, .overwrite)
    }
    return vector
  }

  private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  }

  private func report(
    sum: ModularVector?, completed: [ProtocolRound: [ParticipantID]],
    survivors: [ParticipantID], abortReason: (any Error)? = nil
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
    return RoundReport(
      configuration: configuration, sessionID: server.announcement.sessionID, sum: sum,
      exact: sum.map { $0 == plaintextSum } ?? false,
      abortReason: abortReason as? SecureAggregationError, survivors: survivors,
      completed: completed, phases: phases,
      clientSeconds: clientSeconds.values.map { $0.values.reduce(0, +) }.reduce(0, +) / n,
      serverSeconds: serverSeconds.values.reduce(0, +),
      clientBytesSent: Double(clientBytes.values.reduce(0, +)) / n, serverBytesSent: serverBytes)
  }
}
