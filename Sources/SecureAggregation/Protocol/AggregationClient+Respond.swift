extension AggregationClient {
  /// Answers one server message: the client's half of a round, whatever the phase and mode.
  ///
  /// The announcement gets the client's keys, the key directory its encrypted shares, the share
  /// relay its masked ``input``, the consistency check (active mode) its signature, and the
  /// unmasking request the shares that unmask the survivors' sum.
  ///
  /// - Throws: the error of the matching round method (``advertiseKeys(for:)``,
  ///   ``shareKeys(for:)``, ``maskInput(for:input:)``, ``signSurvivors(for:)``,
  ///   ``revealShares(for:)``), and
  ///   ``SecureAggregationError/invalidParameter(name:value:expected:)`` for a share relay
  ///   when ``input`` is `nil`. The client is unchanged when it throws.
  public mutating func respond(to message: ServerMessage) throws(SecureAggregationError)
    -> ClientMessage
  {
    switch message {
    case .sessionAnnouncement(let announcement):
      return .keyAdvertisement(try advertiseKeys(for: announcement))
    case .keyDirectory(let directory):
      return .keyShares(try shareKeys(for: directory))
    case .shareRelay(let relay):
      try checkDeliverable(message)
      guard let input else {
        throw .invalidParameter(
          name: "input", value: "nil",
          expected: "the client's input (AggregationClient.input), set before the share relay")
      }
      return .maskedInput(try maskInput(for: relay, input: input))
    case .consistencyCheckRequest(let request):
      return .consistencySignature(try signSurvivors(for: request))
    case .unmaskingRequest(let request):
      return .unmaskingResponse(try revealShares(for: request))
    }
  }

  /// Checks that `message` is for this client, of its session and of the round it is in,
  /// without changing anything — so a caller can refuse a misdirected or replayed message before
  /// doing any work for it (the private client checks a relay before encoding its update).
  ///
  /// - Throws: ``SecureAggregationError/unexpectedMessage(received:expected:)``,
  ///   ``SecureAggregationError/sessionMismatch`` and
  ///   ``SecureAggregationError/wrongRecipient(expected:received:)``.
  package func checkDeliverable(_ message: ServerMessage) throws(SecureAggregationError) {
    let expected: Phase
    let name: String
    switch message {
    case .sessionAnnouncement:
      expected = .awaitingAnnouncement
      name = "session announcement"
    case .keyDirectory:
      expected = .awaitingKeyDirectory
      name = "key directory"
    case .shareRelay:
      expected = .awaitingShareRelay
      name = "share relay"
    case .consistencyCheckRequest:
      expected = .awaitingSurvivors
      name = "consistency-check request"
    case .unmaskingRequest:
      expected =
        configuration.securityMode == .active ? .awaitingUnmaskingRequest : .awaitingSurvivors
      name = "unmasking request"
    }
    try expect(expected, for: name)
    switch message {
    case .sessionAnnouncement(let announcement):
      guard announcement.recipient == id else {
        throw .wrongRecipient(expected: id, received: announcement.recipient)
      }
    case .keyDirectory(let directory):
      try checkEnvelope(sessionID: directory.sessionID, recipient: directory.recipient)
    case .shareRelay(let relay):
      try checkEnvelope(sessionID: relay.sessionID, recipient: relay.recipient)
    case .consistencyCheckRequest(let request):
      try checkEnvelope(sessionID: request.sessionID, recipient: request.recipient)
    case .unmaskingRequest(let request):
      try checkEnvelope(sessionID: request.sessionID, recipient: request.recipient)
    }
  }
}
