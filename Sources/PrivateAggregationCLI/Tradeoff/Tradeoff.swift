import ArgumentParser
import DigitsTraining
import Foundation
import PrivateAggregation

/// `private-aggregation tradeoff`: how much utility privacy costs — a sweep over ε, mechanisms
/// and bit widths, every run through the library's own encoder and decoder.
struct Tradeoff: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Sweep ε, mechanisms and bit widths: MSE of a private mean, or digits accuracy.",
    discussion: """
      Task mean (Kairouz, Liu & Steinke, ICML 2021): n clients hold vectors on the sphere of \
      radius --clip in --dimension dimensions; every client's vector goes through the client \
      encoder (clip, rotate, scale, round, noise share, mod 2^b), the encodings are summed mod \
      2^b, and the server decoder releases the mean. The secure aggregation's masking is skipped: \
      it cancels exactly, so the sum it would release is the same. Each run's MSE is measured \
      against the true mean; repeats use seeds --seed, --seed + 1, …. Task digits: \
      FederatedDigits' training (SecAgg+ masking included) at each ε; final test accuracy. \
      Central and local DP use 32 bits; distributed mechanisms each --bits value. A Markdown \
      table goes to stdout; with --out, a CSV of every run, the table and SVG plots.
      """
  )

  enum Task: String, ExpressibleByArgument, CaseIterable {
    case mean, digits
  }

  @Option(help: "mean (distributed mean estimation) or digits (federated training).")
  var task: Task = .mean

  @Option(help: "Clients n (default: 1000 for mean, 300 for digits).")
  var clients: Int?

  @Option(help: "Task mean: the vectors' dimension d.")
  var dimension = 250

  @Option(help: "Task mean: the sphere's radius c, also the clip bound.")
  var clip = 10.0

  @Option(help: "The δ of every guarantee.")
  var delta = 1e-5

  @Option(
    parsing: .upToNextOption,
    help: "The ε values (default: 0.75 1 1.5 2 3 4 6 for mean, 1 2 4 8 for digits).")
  var epsilons: [Double] = []

  @Option(
    parsing: .upToNextOption,
    help: """
      Mechanisms: central, central-analytic, distributed-gaussian, skellam, local, none \
      (default: all but none for mean; none and distributed-gaussian for digits).
      """)
  var mechanisms: [TradeoffMechanism] = []

  @Option(
    parsing: .upToNextOption,
    help: "Bit widths for the distributed mechanisms (default: 12 14 16 for mean, 16 for digits).")
  var bits: [Int] = []

  @Option(
    name: .customLong("accountant"),
    help:
      "The accountant: pld (privacy loss distributions, tight; the default) or rdp.")
  var accountantOption = AccountantOption.pld

  /// The accountant chosen.
  var accountant: PrivacyAccountant { accountantOption.accountant }

  @Option(help: "Runs (seeds) per point.")
  var repeats = 10

  @Option(help: "The first seed; run r uses seed + r.")
  var seed: UInt64 = 1

  @Option(help: "Task digits: federated rounds.")
  var rounds = 40

  @Option(help: "Write the CSV, the Markdown table and the SVG plots into this directory.")
  var out: String?

  @Flag(help: "No progress line on stderr.")
  var quiet = false

  var clientCount: Int { clients ?? (task == .mean ? 1000 : 300) }

  var epsilonList: [Double] {
    if !epsilons.isEmpty { return epsilons }
    return task == .mean ? [0.75, 1, 1.5, 2, 3, 4, 6] : [1, 2, 4, 8]
  }

  var bitList: [Int] {
    if !bits.isEmpty { return bits }
    return task == .mean ? [12, 14, 16] : [16]
  }

  var mechanismList: [TradeoffMechanism] {
    if !mechanisms.isEmpty { return mechanisms }
    return task == .mean
      ? [.central, .centralAnalytic, .distributedGaussian, .skellam, .local]
      : [.none, .distributedGaussian]
  }

  mutating func validate() throws {
    guard clientCount >= 2, clientCount <= 65_535 else {
      throw ValidationError("--clients must be 2...65535")
    }
    guard dimension >= 1, dimension <= 1 << 20 else {
      throw ValidationError("--dimension must be 1...1048576")
    }
    guard clip.isFinite, clip > 0 else { throw ValidationError("--clip must be > 0") }
    guard delta > 0, delta < 1 else { throw ValidationError("--delta must be in (0, 1)") }
    for epsilon in epsilonList where !(epsilon.isFinite && epsilon > 0) {
      throw ValidationError("--epsilons: \(epsilon) is not a finite ε > 0")
    }
    for width in bitList where !(2...62).contains(width) {
      throw ValidationError("--bits: \(width) is not in 2...62")
    }
    guard repeats >= 2 else {
      throw ValidationError("--repeats must be ≥ 2 (a 95% interval needs two runs)")
    }
    guard rounds >= 1 else { throw ValidationError("--rounds must be ≥ 1") }
    if mechanismList.contains(.centralAnalytic) && task == .digits {
      throw ValidationError(
        "central-analytic is a one-release reference: task digits composes \(rounds) rounds")
    }
  }

  func run() throws {
    let sweep = try makeSweep()
    let progress = SweepProgress(enabled: !quiet, total: sweep.points.count * repeats)
    let runs = try sweep.run(repeats: repeats, seed: seed, progress: progress)
    progress.finish()
    let summary = TradeoffSummary(runs: runs, task: task)
    print(summary.markdown(header: sweep.header))
    if let out { try write(summary, header: sweep.header, to: out) }
  }

  /// The sweep this command describes.
  func makeSweep() throws -> TradeoffSweep {
    var points: [TradeoffPoint] = []
    for mechanism in mechanismList {
      let widths = mechanism.isDistributed ? bitList : [32]
      for width in widths {
        if mechanism == .none {
          points.append(TradeoffPoint(mechanism: mechanism, bits: width, epsilon: nil))
          continue
        }
        for epsilon in epsilonList {
          points.append(TradeoffPoint(mechanism: mechanism, bits: width, epsilon: epsilon))
        }
      }
    }
    switch task {
    case .mean:
      return TradeoffSweep(
        points: points,
        header: """
          Task mean: n = \(clientCount) clients, d = \(dimension), vectors on the sphere of \
          radius \(clip), δ = \(delta), one release; \(repeats) seeds from \(seed). Every vector \
          through the client encoder, the sum through the server decoder; masking skipped (it \
          cancels exactly).
          """,
        kind: .mean(
          MeanTask(
            clients: clientCount, dimension: dimension, clip: clip, delta: delta,
            accountant: accountant)))
    case .digits:
      var training = FederatedTraining.Configuration()
      training.clients = clientCount
      training.rounds = rounds
      training.delta = delta
      training.accountant = accountant
      return TradeoffSweep(
        points: points,
        header: """
          Task digits: FederatedDigits' training (softmax regression, IID split), \
          \(clientCount) clients, Poisson sampling rate \(training.samplingRate), \(rounds) \
          rounds of \(training.localEpochs) local steps, clip \(training.clipBound), server \
          momentum \(training.serverMomentum) and step \(training.serverLearningRate), δ = \
          \(delta), SecAgg+ masking; final test accuracy on the 359 held-out images over \
          \(repeats) seeds from \(seed) (each seed its own split, dealing, cohorts, keys and noise).
          """,
        kind: .digits(DigitsTask(training: training, data: try DigitsDataset.bundled())))
    }
  }

  func write(_ summary: TradeoffSummary, header: String, to directory: String) throws {
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
    let base = (directory as NSString).appendingPathComponent("tradeoff-\(task.rawValue)")
    try Data(summary.csv.utf8).write(to: URL(fileURLWithPath: base + ".csv"))
    try Data(summary.markdown(header: header).utf8).write(to: URL(fileURLWithPath: base + ".md"))
    let plot = summary.plot()
    let plotName = base + (task == .mean ? "-mse.svg" : "-accuracy.svg")
    try Data(plot.utf8).write(to: URL(fileURLWithPath: plotName))
    var written = ["\(base).csv", "\(base).md", plotName]
    if let ratio = summary.ratioPlot() {
      try Data(ratio.utf8).write(to: URL(fileURLWithPath: base + "-ratio.svg"))
      written.append(base + "-ratio.svg")
    }
    if !quiet {
      FileHandle.standardError.write(Data("wrote \(written.joined(separator: ", "))\n".utf8))
    }
  }
}
