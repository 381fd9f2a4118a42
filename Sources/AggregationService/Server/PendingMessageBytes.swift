import Synchronization

/// The bytes of client messages the service holds at once — being decoded, staged, or waiting
/// for their commit — against a limit: back-pressure instead of unbounded buffering.
///
/// A submission reserves its size before the round sees it and releases it when answered; one
/// that would pass the limit is answered `unavailable` at once, and the client retries after
/// its back-off (``RetryPolicy``), so a burst of clients is served at the pace the store
/// commits, not buffered whole.
final class PendingMessageBytes: Sendable {
  /// The most bytes held at once.
  let limit: Int
  private let held = Mutex(0)

  init(limit: Int) {
    self.limit = limit
  }

  /// Reserves `count` bytes, or returns `false` when that would pass the limit (a message
  /// larger than the limit is still taken when nothing else is held, so it is never refused
  /// forever; the round's own size limit bounds it).
  func reserve(_ count: Int) -> Bool {
    held.withLock { held in
      guard held == 0 || count <= limit - held else { return false }
      held += count
      return true
    }
  }

  /// Releases bytes reserved before.
  func release(_ count: Int) {
    held.withLock { $0 = max(0, $0 - count) }
  }

  /// The bytes held now.
  var current: Int { held.withLock { $0 } }
}
