/// Everything a client sends the server.
public enum ClientMessage: Sendable, Equatable {
  /// Round 0.
  case advertiseKeys(KeyAdvertisement)
  /// Round 1.
  case shareKeys(KeyShares)
  /// Round 2.
  case maskedInput(MaskedInput)
  /// Round 3 (active mode).
  case consistencySignature(ConsistencySignature)
  /// Round 4.
  case unmaskingResponse(UnmaskingResponse)

  /// The sending client.
  public var sender: ParticipantID {
    switch self {
    case .advertiseKeys(let message): return message.sender
    case .shareKeys(let message): return message.sender
    case .maskedInput(let message): return message.sender
    case .consistencySignature(let message): return message.sender
    case .unmaskingResponse(let message): return message.sender
    }
  }
}

/// Everything the server sends a client.
public enum ServerMessage: Sendable, Hashable {
  /// Before round 0.
  case announcement(SessionAnnouncement)
  /// After round 0.
  case keyDirectory(KeyDirectory)
  /// After round 1.
  case shareRelay(ShareRelay)
  /// After round 2 in active mode.
  case consistencyCheck(ConsistencyCheckRequest)
  /// Before round 4.
  case unmasking(UnmaskingRequest)

  /// The client the message is for.
  public var recipient: ParticipantID {
    switch self {
    case .announcement(let message): return message.recipient
    case .keyDirectory(let message): return message.recipient
    case .shareRelay(let message): return message.recipient
    case .consistencyCheck(let message): return message.recipient
    case .unmasking(let message): return message.recipient
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
    case .advertiseKeys(let message): try receive(message)
    case .shareKeys(let message): try receive(message)
    case .maskedInput(let message): try receive(message)
    case .consistencySignature(let message): try receive(message)
    case .unmaskingResponse(let message): try receive(message)
    }
  }
}
