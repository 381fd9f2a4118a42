// Mask expansion throughput compared with the raw ChaCha20 keystream it is built on.
//
// Every benchmark consumes the same number of keystream bytes per iteration
// (`keystreamByteCount`), so `keystreamByteCount × throughput` (iterations/s) is the keystream
// rate in bytes/s and the benchmarks compare directly. The limit itself is named just "ChaCha20"
// (package-benchmark's `--filter` matches whole names):
//
//   PRIVATE_AGGREGATION_BENCHMARKS=1 swift package benchmark --filter ChaCha20        # the limit
//   PRIVATE_AGGREGATION_BENCHMARKS=1 swift package benchmark --filter 'ChaCha20.*'    # all
//
// See Benchmarks/README.md for how to read the results.

import AggregationCrypto
import Benchmark

/// Keystream bytes consumed by one iteration of every benchmark: 4 MiB.
let keystreamByteCount = 4 << 20
/// The name suffix that states `keystreamByteCount`.
let sizeLabel = "\(keystreamByteCount >> 20) MiB"

/// A zero-filled buffer that lives for the whole (short-lived) benchmark process; it is allocated,
/// and its pages touched, at registration, outside every measured region.
func zeroedBuffer<Element: FixedWidthInteger>(
  of _: Element.Type, count: Int
) -> UnsafeMutableBufferPointer<Element> {
  let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: count)
  buffer.initialize(repeating: 0)
  return buffer
}

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    // .cpuTotal is left out: on Linux it ticks in 10 ms steps, longer than one iteration.
    metrics: [.wallClock, .throughput],
    timeUnits: .microseconds,
    warmupIterations: 3,
    scalingFactor: .one,
    maxDuration: .seconds(2),
    maxIterations: 500
  )

  let key = SymmetricKey(randomByteCount: 32)
  let nonce = [UInt8](repeating: 0, count: ChaCha20.nonceByteCount)
  let modulus32: Modulus
  let modulusPrime: Modulus
  do {
    modulus32 = try Modulus(bitWidth: 32)
    modulusPrime = try Modulus(2_147_483_647)  // 2^31 − 1: not a power of two
  } catch {
    fatalError("benchmark setup failed: \(error)")
  }

  // 1. The limit: libsodium's IETF ChaCha20 keystream XORed in place over N bytes.
  let rawBytes = UnsafeMutableRawBufferPointer(
    zeroedBuffer(of: UInt8.self, count: keystreamByteCount))
  // Named "ChaCha20" alone so that `--filter ChaCha20` selects exactly the limit.
  Benchmark("ChaCha20") { benchmark in
    for _ in benchmark.scaledIterations {
      try ChaCha20.xorKeystream(into: rawBytes, key: key, nonce: nonce, initialCounter: 0)
    }
    blackHole(rawBytes[0])
  }

  // 2. The common case: add a mod-2^32 mask into 32-bit elements (4 keystream bytes each).
  let add32 = zeroedBuffer(of: UInt32.self, count: keystreamByteCount / 4)
  Benchmark("ChaCha20 MaskGenerator add UInt32 mod 2^32 \(sizeLabel)") { benchmark in
    let generator = try MaskGenerator(key: key, modulus: modulus32)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      try generator.apply(.add, to: add32)
    }
    benchmark.stopMeasurement()
    blackHole(add32[0])
  }

  // 3. The same mask added into 64-bit elements: twice the output memory traffic.
  let add64 = zeroedBuffer(of: UInt64.self, count: keystreamByteCount / 4)
  Benchmark("ChaCha20 MaskGenerator add UInt64 mod 2^32 \(sizeLabel)") { benchmark in
    let generator = try MaskGenerator(key: key, modulus: modulus32)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      try generator.apply(.add, to: add64)
    }
    benchmark.stopMeasurement()
    blackHole(add64[0])
  }

  // 4. Writing the mask itself (no read of the previous contents).
  let overwrite32 = zeroedBuffer(of: UInt32.self, count: keystreamByteCount / 4)
  Benchmark("ChaCha20 MaskGenerator overwrite UInt32 mod 2^32 \(sizeLabel)") { benchmark in
    let generator = try MaskGenerator(key: key, modulus: modulus32)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      try generator.apply(.overwrite, to: overwrite32)
    }
    benchmark.stopMeasurement()
    blackHole(overwrite32[0])
  }

  // 5. A non-power-of-two modulus: 16 keystream bytes per element, a 128-bit multiply-high
  //    per element and a constant-time modular add, so N/16 elements.
  let addPrime = zeroedBuffer(of: UInt32.self, count: keystreamByteCount / 16)
  Benchmark("ChaCha20 MaskGenerator add UInt32 mod 2^31-1 \(sizeLabel)") { benchmark in
    let generator = try MaskGenerator(key: key, modulus: modulusPrime)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      try generator.apply(.add, to: addPrime)
    }
    benchmark.stopMeasurement()
    blackHole(addPrime[0])
  }
}
