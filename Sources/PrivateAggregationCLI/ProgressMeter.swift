import Foundation
import SecureAggregation

/// A progress line on stderr for long simulations: round, messages done, time left in the round.
///
/// Silent for the first two seconds (short runs print nothing) and at most four updates a second;
/// on a terminal the line is redrawn in place, otherwise a line is written every two seconds.
final class ProgressMeter {
  private let enabled: Bool
  private let isTerminal: Bool
  private let clock: () -> Date
  private let write: (String) -> Void
  private let start: Date
  private var roundStart: Date
  private var round: String?
  private var lastPrint = Date.distantPast
  private var printed = false

  /// A meter on stderr; `isTerminal`, `clock` and `write` are for tests.
  init(
    enabled: Bool, isTerminal: Bool = isatty(STDERR_FILENO) != 0,
    clock: @escaping () -> Date = Date.init,
    write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
  ) {
    self.enabled = enabled
    self.isTerminal = isTerminal
    self.clock = clock
    self.write = write
    start = clock()
    roundStart = start
  }

  func update(_ progress: InMemoryRound.Progress) {
    update(round: progress.round.name, completed: progress.completed, total: progress.total)
  }

  func update(round name: String, completed: Int, total: Int) {
    guard enabled else { return }
    let now = clock()
    if name != round {
      round = name
      roundStart = now
    }
    let interval = isTerminal ? 0.25 : 2.0
    guard now.timeIntervalSince(start) >= 2, now.timeIntervalSince(lastPrint) >= interval else {
      return
    }
    lastPrint = now
    let elapsed = now.timeIntervalSince(roundStart)
    let rate = Double(completed) / max(elapsed, 1e-9)
    let left = Double(total - completed) / max(rate, 1e-9)
    let line = String(
      format: "round %@: %d/%d clients, %.1f s elapsed, ~%.1f s left in this round",
      name, completed, total, now.timeIntervalSince(start), left)
    write((isTerminal ? "\r\u{1B}[K" : "") + line + (isTerminal ? "" : "\n"))
    printed = true
  }

  func finish() {
    if enabled, printed, isTerminal { write("\n") }
  }
}
