/// Everything a client sends the server; each case is named after the message it carries.
public enum ClientMessage: Sendable, Equatable {
  /// Round 0.
  case keyAdvertisement(KeyAdvertisement)
  /// Round 1.
  case keyShares(KeyShares)
  /// Round 2.
  case maskedInput(MaskedInput)
  /// Round 3 (active mode).
  case consistencySignature(ConsistencySignature)
  /// Round 4.
  case unmaskingResponse(UnmaskingResponse)

  /// The sending client.
  public var sender: ParticipantID {
    switch self {
    case .keyAdvertisement(let message): return message.sender
    case .keyShares(let message): return message.sender
    case .maskedInput(let message): return message.sender
    case .consistencySignature(let message): return message.sender
    case .unmaskingResponse(let message): return message.sender
    }
  }
}

/// Everything the server sends a client; each case is named after the message it carries.
public enum ServerMessage: Sendable, Hashable {
  /// Before round 0.
  case sessionAnnouncement(SessionAnnouncement)
  /// After round 0.
  case keyDirectory(KeyDirectory)
  /// After round 1.
  case shareRelay(ShareRelay)
  /// After round 2 in active mode.
  case consistencyCheckRequest(ConsistencyCheckRequest)
  /// Before round 4.
  case unmaskingRequest(UnmaskingRequest)

  /// The client the message is for.
  public var recipient: ParticipantID {
    switch self {
    case .sessionAnnouncement(let message): return message.recipient
    case .keyDirectory(let message): return message.recipient
    case .shareRelay(let message): return message.recipient
    case .consistencyCheckRequest(let message): return message.recipient
    case .unmaskingRequest(let message): return message.recipient
    }
  }
}

extension AggregationServer {
  /// Routes any client message to the matching `receive` method.
  ///
  /// - Throws: the errors of that method; ``SecureAggregationError/unexpectedMessage(received:expected:)``
  ///   for a message of another round.
  public mutating func receive(_ message: ClientMessage) throws(SecureAggregationError) {
    switch message {
    case .keyAdvertisement(let message): try receive(message)
    case .keyShares(let message): try receive(message)
    case .maskedInput(let message): try receive(message)
    case .consistencySignature(let message): try receive(message)
    case .unmaskingResponse(let message): try receive(message)
    }
  }
}
