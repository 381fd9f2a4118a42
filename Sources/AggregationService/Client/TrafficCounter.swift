import Synchronization

/// The protocol bytes clients sent and received: the `ClientMessage` and `ServerMessage` wire
/// bytes of their Submit and Next calls (not the gRPC and HTTP/2 framing around them), every
/// attempt counted. For load tools; share one among many clients.
package final class TrafficCounter: Sendable {
  private let counts = Mutex((sent: 0, received: 0))

  /// A counter at zero.
  package init() {}

  /// Bytes the clients sent (their protocol replies).
  package var sent: Int { counts.withLock { $0.sent } }

  /// Bytes the clients received (the server's protocol messages).
  package var received: Int { counts.withLock { $0.received } }

  func add(sent: Int = 0, received: Int = 0) {
    counts.withLock {
      $0.sent += sent
      $0.received += received
    }
  }
}
