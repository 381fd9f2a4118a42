import Foundation
import SecureAggregation

/// A progress line on stderr for long simulations: round, messages done, time left in the round.
///
/// Silent for the first two seconds (short runs print nothing) and at most four updates a second;
/// on a terminal the line is redrawn in place, otherwise a line is written every two seconds.
final class ProgressMeter {
  private let enabled: Bool
  private let start = Date()
  private var roundStart = Date()
  private var round: ProtocolRound?
  private var lastPrint = Date.distantPast
  private var printed = false
  private let isTerminal = isatty(STDERR_FILENO) != 0

  init(enabled: Bool) {
    self.enabled = enabled
  }

  func update(_ progress: InMemoryRound.Progress) {
    guard enabled else { return }
    let now = Date()
    if progress.round != round {
      round = progress.round
      roundStart = now
    }
    let interval = isTerminal ? 0.25 : 2.0
    guard now.timeIntervalSince(start) >= 2, now.timeIntervalSince(lastPrint) >= interval else {
      return
    }
    lastPrint = now
    let elapsed = now.timeIntervalSince(roundStart)
    let rate = Double(progress.completed) / max(elapsed, 1e-9)
    let left = Double(progress.total - progress.completed) / max(rate, 1e-9)
    let line = String(
      format: "round %@: %d/%d clients, %.1f s elapsed, ~%.1f s left in this round",
      progress.round.name, progress.completed, progress.total, now.timeIntervalSince(start), left)
    FileHandle.standardError.write(
      Data(
        ((isTerminal ? "\r\u{1B}[K" : "") + line
          + (isTerminal ? "" : "\n")).utf8))
    printed = true
  }

  func finish() {
    if enabled, printed, isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
