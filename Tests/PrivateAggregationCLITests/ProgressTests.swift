import Foundation
import Testing

@testable import PrivateAggregationCLI

/// A clock and an output the tests advance and read; used from one thread at a time.
private final class Recorder: @unchecked Sendable {
  var now = Date(timeIntervalSince1970: 0)
  var written: [String] = []
}

/// The progress lines on stderr: silent for short runs, then round (or runs), counts and time left.
@Suite struct ProgressTests {
  @Test func simulationMeterIsSilentAtFirstThenReportsTimeLeft() {
    let recorder = Recorder()
    let meter = ProgressMeter(
      enabled: true, isTerminal: false, clock: { recorder.now },
      write: { recorder.written.append($0) })
    meter.update(round: "masked-input", completed: 10, total: 100)
    recorder.now += 1
    meter.update(round: "masked-input", completed: 20, total: 100)
    #expect(recorder.written.isEmpty)  // under two seconds: nothing
    recorder.now += 3  // 4 s into the round, 50 of 100 done: about 4 s left
    meter.update(round: "masked-input", completed: 50, total: 100)
    #expect(
      recorder.written == [
        "round masked-input: 50/100 clients, 4.0 s elapsed, ~4.0 s left in this round\n"
      ])
    recorder.now += 1  // within the two-second interval of a non-terminal: no new line
    meter.update(round: "masked-input", completed: 60, total: 100)
    #expect(recorder.written.count == 1)
    meter.finish()  // not a terminal: no closing newline
    #expect(recorder.written.count == 1)
  }

  @Test func quietMeansNoLine() {
    let recorder = Recorder()
    let meter = ProgressMeter(
      enabled: false, isTerminal: true, clock: { recorder.now },
      write: { recorder.written.append($0) })
    recorder.now += 10
    meter.update(round: "unmasking", completed: 1, total: 2)
    meter.finish()
    #expect(recorder.written.isEmpty)
  }

  @Test func sweepProgressEstimatesTheTimeLeft() {
    let recorder = Recorder()
    let progress = SweepProgress(
      enabled: true, total: 40, isTerminal: true, clock: { recorder.now },
      write: { recorder.written.append($0) })
    progress.step("central")
    #expect(recorder.written.isEmpty)  // under a second
    recorder.now += 9  // 10 runs in 10 s: 30 left, ~30 s
    for _ in 0..<9 { progress.step("skellam, 16 bits") }
    recorder.now += 1
    progress.step("skellam, 16 bits")
    #expect(
      recorder.written.last
        == "\r\u{1B}[Ktradeoff: 11/40 runs (skellam, 16 bits), 10 s elapsed, ~26 s left")
    progress.finish()
    #expect(recorder.written.last == "\n")
  }
}
