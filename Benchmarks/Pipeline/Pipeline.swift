// The differential-privacy client encoder on one update of 100,000 floats: flatten, clip,
// randomized Hadamard rotation (to 131,072), scale, conditional randomized rounding, the
// client's discrete-Gaussian (or Skellam) noise share, mod 2^b — what `UpdateEncoder.encode`
// does before the masking. And the server's decoder on the sum.
//
//   PRIVATE_AGGREGATION_BENCHMARKS=1 swift package benchmark --target Pipeline

import Benchmark
import PrivateAggregation

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput],
    timeUnits: .milliseconds,
    warmupIterations: 2,
    scalingFactor: .one,
    maxDuration: .seconds(3),
    maxIterations: 100
  )
  let dimension = 100_000
  for (mechanism, label) in [
    (PrivacyMode.distributed(.discreteGaussian), "distributed-gaussian"),
    (.distributed(.skellam), "skellam"), (.none, "none"),
  ] {
    let plan: AggregationPlan
    do {
      var configuration = PrivateAggregationConfiguration(
        clientCount: 100, dimension: dimension, clipBound: 1, privacy: mechanism,
        noise: mechanism == .none ? nil : .targetEpsilon(2))
      configuration.bits = 20
      plan = try AggregationPlan(configuration)
    } catch {
      fatalError("benchmark setup failed: \(error)")
    }
    let sessionID: SessionID
    do {
      sessionID = try SessionID(bytes: [UInt8](repeating: 7, count: SessionID.byteCount))
    } catch {
      fatalError("benchmark setup failed: \(error)")
    }
    let update = (0..<dimension).map { Double(($0 * 7919) % 1000) / 1000 - 0.5 }
    let encoder = UpdateEncoder(plan: plan)
    Benchmark("DP client encode \(label) M=10^5 20 bits") { benchmark in
      for _ in benchmark.scaledIterations {
        blackHole(try encoder.encode(update, sessionID: sessionID, randomSource: .system))
      }
    }
    let sum: ModularVector
    do {
      sum = try encoder.encode(update, sessionID: sessionID, randomSource: .system).input
    } catch {
      fatalError("benchmark setup failed: \(error)")
    }
    let decoder = SumDecoder(plan: plan)
    Benchmark("DP server decode \(label) M=10^5 20 bits") { benchmark in
      for _ in benchmark.scaledIterations {
        blackHole(
          try decoder.decode(sum, survivors: 100, sessionID: sessionID, randomSource: .system))
      }
    }
  }
}
