extension AggregationServer {
  /// The messages that open the session: an announcement for every client of the cohort.
  ///
  /// Calling it again returns the same announcements (for a client that asks again).
  public func start() -> [ServerMessage] {
    configuration.participantIDs.map { .sessionAnnouncement(announcement(for: $0)) }
  }

  /// The announcement addressed to `recipient`: the session's nonce and id.
  public func announcement(for recipient: ParticipantID) -> SessionAnnouncement {
    SessionAnnouncement(nonce: nonce, sessionID: sessionID, recipient: recipient)
  }

  /// Closes the current phase and returns what comes next, whatever the security mode: the
  /// key directories, the share relays, the consistency check (active mode), the unmasking
  /// requests, and after the unmasking phase the result.
  ///
  /// A transport calls it when it stops waiting for the phase's replies (every live client
  /// answered, or a deadline passed); the clients that did not answer count as dropped.
  ///
  /// - Throws: the errors of the phase's close: ``SecureAggregationError/tooFewSurvivors(round:needed:remaining:)``
  ///   when too few clients answered, the recovery errors of ``finish()``, and
  ///   ``SecureAggregationError/unexpectedMessage(received:expected:)`` once the round has
  ///   finished. The server is unchanged when it throws: it may wait for more replies and
  ///   advance again, or give up.
  public mutating func advance() throws(SecureAggregationError) -> RoundStep<AggregationResult> {
    switch phase {
    case .collectingKeys:
      return .send(try closeAdvertiseKeys().map(ServerMessage.keyDirectory))
    case .collectingShares:
      return .send(try closeShareKeys().map(ServerMessage.shareRelay))
    case .collectingMaskedInputs:
      switch try closeMaskedInputs() {
      case .consistencyCheck(let requests):
        return .send(requests.map(ServerMessage.consistencyCheckRequest))
      case .unmasking(let requests): return .send(requests.map(ServerMessage.unmaskingRequest))
      }
    case .collectingSignatures:
      return .send(try closeConsistencyCheck().map(ServerMessage.unmaskingRequest))
    case .collectingUnmaskingResponses:
      return .finished(try finish())
    case .finished:
      throw .unexpectedMessage(received: "advance", expected: "the round has finished")
    }
  }
}
