// The protocol's hot paths, each masking benchmark beside the keystream limit of the same bytes
// on the same cores:
// - "Masking client …" / "Masking keystream …" (below);
// - "Server unmasking …" / "Server keystream …": the server's `finish()` after every unmasking
//   response of a real session (5 % of the clients dropped before their masked input): Shamir
//   reconstruction, rebuilt masking keys, the dropped clients' pairwise masks and the survivors'
//   self masks removed from the running sum; beside it the raw keystream of as many bytes;
// - "Client round 2 …": a real client's whole `maskInput(for:input:)` (open the shares, k
//   X25519 agreements, k + 1 masks);
// - "Message encode/decode masked input M=10^5", "Shamir split/reconstruct n=… t=…".
//
// "Masking client k=K M=M": what a client does in round 2 with K neighbours — copy its input
// vector of M elements mod 2^32 and combine K + 1 masks into it (its self mask and K pairwise
// masks), chunk by chunk over the cores (`ModularVector.applyMasks`). "Masking keystream k=K
// M=M": the same (K + 1) · 4M bytes of raw libsodium ChaCha20 keystream XORed into a buffer of
// 4M bytes in the same chunks over the same cores — the limit. The ratio of the two medians is
// the masking overhead (goal: ≤ 1.3×).
//
//   PRIVATE_AGGREGATION_BENCHMARKS=1 swift package benchmark --target Protocol

import AggregationCrypto
import Benchmark
import Dispatch
import SecureAggregation

/// A buffer for concurrent tasks that each write only their own disjoint chunk.
struct Chunks: @unchecked Sendable {
  let base: UnsafeMutableRawPointer
  let byteCount: Int
}

let benchmarks: @Sendable () -> Void = {
  maskingBenchmarks()
  sessionBenchmarks()
}

let maskingBenchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput],
    timeUnits: .microseconds,
    warmupIterations: 2,
    scalingFactor: .one,
    maxDuration: .seconds(2),
    maxIterations: 200
  )
  let modulus: Modulus
  do {
    modulus = try Modulus(bitWidth: 32)
  } catch {
    fatalError("benchmark setup failed: \(error)")
  }
  for neighbours in [14, 99] {
    for (elements, label) in [(100_000, "10^5"), (1_000_000, "10^6")] {
      let jobs: [MaskJob]
      do {
        jobs = try (0...neighbours).map { index in
          MaskJob(
            generator: try MaskGenerator(key: SymmetricKey(randomByteCount: 32), modulus: modulus),
            operation: index % 2 == 0 ? .add : .subtract)
        }
      } catch {
        fatalError("benchmark setup failed: \(error)")
      }
      let input = ModularVector(zeroCount: elements, modulus: modulus)
      Benchmark("Masking client k=\(neighbours) M=\(label)") { benchmark in
        for _ in benchmark.scaledIterations {
          var masked = input
          try masked.applyMasks(jobs)
          blackHole(masked)
        }
      }

      let byteCount = elements * 4
      let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
      raw.initializeMemory(as: UInt8.self, repeating: 0)
      let shared = Chunks(base: raw.baseAddress.unsafelyUnwrapped, byteCount: byteCount)
      Benchmark(
        "Masking keystream k=\(neighbours) M=\(label)",
        closure: keystreamLimit(
          byteCount: (neighbours + 1) * byteCount, bufferBytes: byteCount, shared: shared))
    }
  }
}

/// A session driven to the end of round 4 (every unmasking response received), and client 1
/// just before its masked input.
struct PreparedSession {
  let server: AggregationServer
  let client: AggregationClient
  let relay: ShareRelay
  let input: ModularVector
  /// Keystream bytes the server's `finish()` expands: a self mask per survivor and a pairwise
  /// mask per (dropped client, surviving neighbour).
  let finishKeystreamBytes: Int

  init(clients: Int, elements: Int, graph: AggregationConfiguration.Graph, threshold: Int) throws {
    let configuration = try AggregationConfiguration(
      clientCount: clients, vectorLength: elements, modulus: Modulus(bitWidth: 32), graph: graph,
      threshold: threshold)
    var server = try AggregationServer(configuration: configuration)
    // Every 20th client (5 %) vanishes before its masked input; client 1 stays.
    let dropped = Set(configuration.participantIDs.filter { $0.index % 20 == 0 })
    let input = ModularVector(zeroCount: elements, modulus: configuration.modulus)
    var participants: [ParticipantID: AggregationClient] = [:]
    for id in configuration.participantIDs {
      participants[id] = try AggregationClient(configuration: configuration, id: id, input: input)
    }
    // One loop up to the unmasking requests; client 1 and its relay are kept for the benchmark.
    var messages = server.start()
    var firstRelay: ShareRelay?
    var firstClient: AggregationClient?
    while true {
      for message in messages {
        if case .shareRelay(let relay) = message {
          if relay.recipient.index == 1 {
            firstRelay = relay
            firstClient = participants[relay.recipient]?.detachedCopy()
          }
          if dropped.contains(relay.recipient) { continue }
        }
        if let reply = try participants[message.recipient]?.respond(to: message) {
          try server.receive(reply)
        }
      }
      if case .unmaskingRequest = messages.first { break }
      guard case .send(let next) = try server.advance() else {
        throw BenchmarkSetupError.unexpectedRound
      }
      messages = next
    }
    guard let firstRelay, let firstClient else { throw BenchmarkSetupError.missingRelay }
    client = firstClient
    relay = firstRelay
    self.input = input
    let survivors = clients - dropped.count
    let pairwise = dropped.reduce(0) { total, id in
      total + server.graph.neighbors(of: id).filter { !dropped.contains($0) }.count
    }
    finishKeystreamBytes = (survivors + pairwise) * elements * 4
    self.server = server
  }
}

enum BenchmarkSetupError: Error {
  case missingRelay, unexpectedRound
}

/// The limit: the raw keystream of `byteCount` bytes XORed into a buffer of `bufferBytes`, in
/// 32 KiB chunks over the cores, as many passes as it takes. The keys are made here, outside the
/// measured closure it returns.
func keystreamLimit(
  byteCount: Int, bufferBytes: Int, shared: Chunks
) -> @Sendable (Benchmark) -> Void {
  let chunkBytes = ModularVector.maskChunkElementCount * 4
  let passes = (byteCount + bufferBytes - 1) / bufferBytes
  let keys = (0..<passes).map { _ in SymmetricKey(randomByteCount: 32) }
  let nonce = [UInt8](repeating: 0, count: ChaCha20.nonceByteCount)
  let chunkCount = (bufferBytes + chunkBytes - 1) / chunkBytes
  return { benchmark in
    for _ in benchmark.scaledIterations {
      DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
        let start = chunk * chunkBytes
        let slice = UnsafeMutableRawBufferPointer(
          start: shared.base + start, count: min(chunkBytes, bufferBytes - start))
        for key in keys {
          try? ChaCha20.xorKeystream(
            into: slice, key: key, nonce: nonce, initialCounter: UInt32(start / 64))
        }
      }
    }
  }
}

let sessionBenchmarks: @Sendable () -> Void = {
  let elements = 100_000
  let bufferBytes = elements * 4
  let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferBytes, alignment: 64)
  raw.initializeMemory(as: UInt8.self, repeating: 0)
  let shared = Chunks(base: raw.baseAddress.unsafelyUnwrapped, byteCount: bufferBytes)
  let cases: [(label: String, clients: Int, graph: AggregationConfiguration.Graph, t: Int)] = [
    ("N=100 k=14", 100, .harary(degree: 14), 8),
    ("N=100 complete", 100, .complete, 51),
    ("N=1000 k=30", 1000, .harary(degree: 30), 17),
  ]
  for entry in cases {
    let session: PreparedSession
    do {
      session = try PreparedSession(
        clients: entry.clients, elements: elements, graph: entry.graph, threshold: entry.t)
    } catch {
      fatalError("benchmark setup failed: \(error)")
    }
    Benchmark("Server unmasking \(entry.label) M=10^5") { benchmark in
      for _ in benchmark.scaledIterations {
        var server = session.server
        blackHole(try server.finish())
      }
    }
    Benchmark(
      "Server keystream \(entry.label) M=10^5",
      closure: keystreamLimit(
        byteCount: session.finishKeystreamBytes, bufferBytes: bufferBytes, shared: shared))
    if entry.clients == 100 {
      Benchmark("Client round 2 \(entry.label) M=10^5") { benchmark in
        for _ in benchmark.scaledIterations {
          var client = session.client.detachedCopy()
          blackHole(try client.maskInput(for: session.relay, input: session.input))
        }
      }
    }
    if entry.label == "N=100 k=14" {
      var client = session.client.detachedCopy()
      let message: ClientMessage
      do {
        message = .maskedInput(try client.maskInput(for: session.relay, input: session.input))
      } catch {
        fatalError("benchmark setup failed: \(error)")
      }
      let configuration = session.server.configuration
      let bytes = message.serializedBytes()
      Benchmark("Message encode masked input M=10^5") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(message.serializedBytes()) }
      }
      Benchmark("Message decode masked input M=10^5") { benchmark in
        for _ in benchmark.scaledIterations {
          blackHole(try ClientMessage(serializedBytes: bytes, configuration: configuration))
        }
      }
    }
  }
  for (shares, threshold) in [(15, 8), (100, 51)] {
    let secret = SecureBytes(randomCount: 32)
    let split: [SecretShare]
    do {
      split = try ShamirSecretSharing.split(secret, threshold: threshold, shareCount: shares)
    } catch {
      fatalError("benchmark setup failed: \(error)")
    }
    Benchmark("Shamir split 32 bytes n=\(shares) t=\(threshold)") { benchmark in
      for _ in benchmark.scaledIterations {
        blackHole(try ShamirSecretSharing.split(secret, threshold: threshold, shareCount: shares))
      }
    }
    Benchmark("Shamir reconstruct 32 bytes n=\(shares) t=\(threshold)") { benchmark in
      for _ in benchmark.scaledIterations {
        blackHole(try ShamirSecretSharing.reconstruct(from: split, threshold: threshold))
      }
    }
  }
}
