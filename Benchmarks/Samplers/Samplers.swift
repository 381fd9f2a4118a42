// Throughput of the exact integer noise samplers of DifferentialPrivacy.
//
// Every benchmark fills a buffer of `drawCount` = 100,000 values per iteration — one client's
// noise for one round — from a securely seeded ChaChaRandomNumberGenerator, as production does.
// Draws per second = drawCount × throughput (iterations/s). All names start with "Samplers", and
// package-benchmark's `--filter` must match a whole name:
//
//   PRIVATE_AGGREGATION_BENCHMARKS=1 swift package benchmark --filter 'Samplers.*'
//
// See Benchmarks/README.md for the figures.

import AggregationCrypto
import Benchmark
import DifferentialPrivacy

/// Values drawn per iteration: one client's noise for one round.
let drawCount = 100_000

/// A buffer that lives for the whole (short-lived) benchmark process, allocated and touched at
/// registration, outside every measured region.
func zeroedBuffer(count: Int) -> UnsafeMutableBufferPointer<Int64> {
  let buffer = UnsafeMutableBufferPointer<Int64>.allocate(capacity: count)
  buffer.initialize(repeating: 0)
  return buffer
}

/// Registers a benchmark that fills `drawCount` values from `sampler` per iteration.
func registerFill(
  _ name: String, _ sampler: some IntegerSampler, into buffer: UnsafeMutableBufferPointer<Int64>
) {
  Benchmark(name) { benchmark in
    var generator = ChaChaRandomNumberGenerator()
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      sampler.fill(buffer, using: &generator)
    }
    benchmark.stopMeasurement()
    blackHole(buffer[0])
  }
}

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput],
    timeUnits: .microseconds,
    warmupIterations: 2,
    scalingFactor: .one,
    maxDuration: .seconds(2),
    maxIterations: 200
  )

  let buffer = zeroedBuffer(count: drawCount)
  do {
    for sigma in [1, 10, 100, 1000] {
      let sampler = try DiscreteGaussianSampler(variance: Rational(UInt64(sigma * sigma)))
      registerFill("Samplers DiscreteGaussian sigma=\(sigma) 100k", sampler, into: buffer)
    }
    for scale in [1, 100] {
      let sampler = try DiscreteLaplaceSampler(scale: Rational(UInt64(scale)))
      registerFill("Samplers DiscreteLaplace t=\(scale) 100k", sampler, into: buffer)
    }
    for (label, variance) in [("10^4", 10_000), ("10^6", 1_000_000)] {
      let sampler = try SkellamSampler(variance: Rational(UInt64(variance)))
      registerFill("Samplers Skellam mu=\(label) 100k", sampler, into: buffer)
    }
    let poisson = try PoissonSampler(mean: Rational(500_000))
    registerFill("Samplers Poisson lambda=5x10^5 100k", poisson, into: buffer)
  } catch {
    fatalError("benchmark setup failed: \(error)")
  }

  // The randomness floor: 100,000 words (800,000 bytes) from the generator, in bulk and one by one.
  let words = UnsafeMutableRawBufferPointer(zeroedBuffer(count: drawCount))
  Benchmark("Samplers ChaChaRandomNumberGenerator fill 100k words") { benchmark in
    let generator = ChaChaRandomNumberGenerator()
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      generator.fill(words)
    }
    benchmark.stopMeasurement()
    blackHole(words[0])
  }
  Benchmark("Samplers ChaChaRandomNumberGenerator next() x100k") { benchmark in
    let generator = ChaChaRandomNumberGenerator()
    var sum: UInt64 = 0
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      for _ in 0..<drawCount { sum &+= generator.next() }
    }
    benchmark.stopMeasurement()
    blackHole(sum)
  }

  // One value per call (a fresh bit cache each time), for comparison with fill.
  Benchmark("Samplers DiscreteGaussian sigma=10 sample() x100k") { benchmark in
    guard let sampler = try? DiscreteGaussianSampler(variance: Rational(100)) else { return }
    var generator = ChaChaRandomNumberGenerator()
    var sum: Int64 = 0
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      for _ in 0..<drawCount { sum &+= sampler.sample(using: &generator) }
    }
    benchmark.stopMeasurement()
    blackHole(sum)
  }

  // Construction of a Skellam sampler with μ = 10^6: one Poisson table for λ = 5 × 10^5.
  Benchmark("Samplers Skellam mu=10^6 init") { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(try SkellamSampler(variance: Rational(1_000_000)))
    }
  }
}
