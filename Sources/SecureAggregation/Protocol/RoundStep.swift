/// What a server's `advance()` gives after closing a phase: the next messages to deliver, or,
/// after the last phase, the round's result.
///
/// The same type serves the protocol's ``AggregationServer`` and the servers built on it, so
/// that one loop drives a round at either layer.
public enum RoundStep<Result> {
  /// Deliver these messages, one per recipient (``ServerMessage/recipient``), pass the replies
  /// to the server's `receive`, then call `advance()` again.
  case send([ServerMessage])
  /// The round is over.
  case finished(Result)
}

extension RoundStep: Sendable where Result: Sendable {}
