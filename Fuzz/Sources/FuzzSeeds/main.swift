// FuzzSeeds: writes the seed corpus of every fuzz target, deterministically, and the -max_len
// each target runs with; and tells what a corpus reaches.
//
//   FuzzSeeds <directory>
//   FuzzSeeds --classify <Target> <corpus directory>...
//
// writes <directory>/<Target>/<name> for each seed and <directory>/max_len.txt ("<Target> <n>"
// per line). The message seeds are what a real session sends: for each of
// FuzzConfigurations.all, a server and its clients (insecure deterministic randomness, one client
// dropping after ShareKeys when n = 10) run every round, and each message is written after the
// configuration's selector byte. The vector seeds pack random vectors of many moduli; the share
// seeds are the session's revealed shares and splits of secrets of several lengths.
// --classify decodes every file of the corpus directories as <Target> does and counts the
// outcomes: which message kinds decode, and which check refuses the rest (the error with its
// numbers replaced by #), so a run shows how deep its inputs get.
// Built without the fuzzer flags (run.sh uses a separate scratch path for it).

import Foundation
import FuzzSupport
import SecureAggregation

/// A small deterministic generator (SplitMix64) for the vector and secret contents.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The seeds of one target, keyed by file name.
struct Corpus {
  var files: [(name: String, bytes: [UInt8])] = []
  var counts: [String: Int] = [:]

  /// Adds `bytes` as `<prefix>-<k>`, keeping at most `limit` seeds per prefix.
  mutating func add(_ prefix: String, _ bytes: [UInt8], limit: Int = 2) {
    let k = counts[prefix, default: 0]
    guard k < limit else { return }
    counts[prefix] = k + 1
    files.append((name: "\(prefix)-\(k)", bytes: bytes))
  }
}

struct SeedError: Error, CustomStringConvertible {
  let description: String
}

/// The four corpora being written.
struct SeedWriter {
  var clientCorpus = Corpus()
  var serverCorpus = Corpus()
  var vectorCorpus = Corpus()
  var shareCorpus = Corpus()

  /// Runs one deterministic session of configuration `index` and records its messages.
  /// The seed-file name of a server message's kind.
  static func kind(of message: ServerMessage) -> String {
    switch message {
    case .sessionAnnouncement: return "announcement"
    case .keyDirectory: return "key-directory"
    case .shareRelay: return "share-relay"
    case .consistencyCheckRequest: return "consistency-check"
    case .unmaskingRequest: return "unmasking-request"
    }
  }

  /// The seed-file name of a client message's kind.
  static func kind(of message: ClientMessage) -> String {
    switch message {
    case .keyAdvertisement: return "advertise-keys"
    case .keyShares: return "share-keys"
    case .maskedInput: return "masked-input"
    case .consistencySignature: return "consistency-signature"
    case .unmaskingResponse: return "unmasking-response"
    }
  }

  mutating func recordSession(index: Int) throws {
    let entry = FuzzConfigurations.all[index]
    let configuration = entry.configuration
    let selector = UInt8(index)
    let ids = configuration.participantIDs
    var random = SplitMix64(state: 0x5EED_0000 + UInt64(index))

    func client(_ message: ClientMessage, _ kind: String) throws {
      let bytes = message.serializedBytes()
      guard try ClientMessage(serializedBytes: bytes, configuration: configuration) == message
      else {
        throw SeedError(description: "a \(kind) message does not round-trip")
      }
      clientCorpus.add("c\(index)-\(kind)", [selector] + bytes)
    }
    func server(_ message: ServerMessage, _ kind: String) throws {
      let bytes = message.serializedBytes()
      guard try ServerMessage(serializedBytes: bytes, configuration: configuration) == message
      else {
        throw SeedError(description: "a \(kind) message does not round-trip")
      }
      serverCorpus.add("c\(index)-\(kind)", [selector] + bytes)
    }

    var identities: [ParticipantID: IdentityPrivateKey] = [:]
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    if configuration.securityMode == .active {
      for id in ids {
        let key = IdentityPrivateKey(
          from: .insecureDeterministic(seed: 0x1D00_0000 + UInt64(index) << 16 + UInt64(id.index)))
        identities[id] = key
        directory[id] = key.publicKey
      }
    }
    var aggregator = try AggregationServer(
      configuration: configuration, identityDirectory: directory,
      randomSource: .insecureDeterministic(seed: 0x5E55_0000 + UInt64(index)))
    var clients: [ParticipantID: AggregationClient] = [:]
    for id in ids {
      clients[id] = try AggregationClient(
        configuration: configuration, id: id, identityKey: identities[id],
        identityDirectory: directory,
        randomSource: .insecureDeterministic(
          seed: 0xC11E_0000 + UInt64(index) << 16 + UInt64(id.index)))
    }
    let dropped: ParticipantID? = configuration.clientCount >= 10 ? ids.last : nil

    // The round, one loop: every message recorded as a seed as it crosses.
    var messages = aggregator.start()
    var finished = false
    while !finished {
      for message in messages {
        let id = message.recipient
        if case .shareRelay = message, id == dropped { continue }
        try server(message, Self.kind(of: message))
        guard var participant = clients[id] else { throw SeedError(description: "no client \(id)") }
        if case .shareRelay = message {
          let modulus = configuration.modulus
          let elements = (0..<configuration.vectorLength).map { _ in
            modulus.value.map { random.next() % $0 } ?? random.next()
          }
          participant.input = try ModularVector(elements, modulus: modulus)
        }
        let reply = try participant.respond(to: message)
        clients[id] = participant
        try client(reply, Self.kind(of: reply))
        if case .unmaskingResponse(let response) = reply {
          for revealed in response.shares {
            let bytes = revealed.share.serialized.withUnsafeBytes { Array($0) }
            shareCorpus.add(
              "c\(index)-\(revealed.kind == .maskingKey ? "masking-key" : "seed")", bytes)
          }
        }
        try aggregator.receive(reply)
      }
      switch try aggregator.advance() {
      case .send(let next): messages = next
      case .finished: finished = true
      }
    }
    // One byte over the size limit, which the decoders check before parsing: libFuzzer's
    // length control would take long to grow inputs that far.
    let oversized =
      [selector]
      + [UInt8](
        repeating: 0, count: WireFormat.maximumMessageByteCount(for: configuration) + 1)
    clientCorpus.add("c\(index)-over-limit", oversized, limit: 1)
    serverCorpus.add("c\(index)-over-limit", oversized, limit: 1)
    print("  session \(index) (\(entry.name)): every round ran")
  }

  /// Packed-vector seeds: random vectors of many moduli, in PackedVectorInput's format.
  mutating func recordVectors() throws {
    var random = SplitMix64(state: 0x7EC7_0000)
    var moduli: [Modulus] = try [1, 2, 7, 8, 13, 16, 31, 32, 57, 58, 63, 64].map {
      try Modulus(bitWidth: $0)
    }
    moduli += try [3, 1_000_003, (1 << 61) - 1, UInt64.max - 58, (1 << 32) + 15, 255].map {
      try Modulus($0)
    }
    for modulus in moduli {
      for count in [0, 1, 9, 64] {
        let elements = (0..<count).map { _ in
          let value = random.next()
          return modulus.value.map { value % $0 } ?? value
        }
        let packed = try ModularVector(elements, modulus: modulus).packedBytes()
        let derived = packed.count * 8 / modulus.elementBitWidth == count
        let name = "b\(modulus.elementBitWidth)\(modulus.isPowerOfTwo ? "" : "-r")-m\(count)"
        vectorCorpus.add(
          name,
          PackedVectorInput.header(modulus: modulus, explicitCount: derived ? nil : count) + packed,
          limit: 1)
        if derived {  // the same vector with its count given explicitly
          vectorCorpus.add(
            name + "-explicit",
            PackedVectorInput.header(modulus: modulus, explicitCount: count) + packed,
            limit: 1)
        }
      }
    }
    // Hostile counts: negative, count·b overflowing Int, and count·b just below Int.max (whose
    // ⌈count·b / 8⌉ overflows when computed as (count·b + 7) / 8).
    for (bitWidth, count) in [(2, -1), (2, Int.max), (2, Int.max / 2), (64, Int.max / 64 + 1)] {
      vectorCorpus.add(
        "hostile-count-b\(bitWidth)",
        PackedVectorInput.header(modulus: try Modulus(bitWidth: bitWidth), explicitCount: count)
          + [0],
        limit: 4)
    }
  }

  /// Share seeds beyond the session's: splits of secrets of several lengths.
  mutating func recordShares() throws {
    var random = SplitMix64(state: 0x5EA2_0000)
    for length in [1, 7, 8, 100, 1000] {
      let secret = SecureBytes((0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) })
      let shares = try ShamirSecretSharing.split(
        secret, threshold: 2, shareCount: 3,
        randomSource: .insecureDeterministic(seed: 0x5EA2_0000 + UInt64(length)))
      for share in shares.prefix(2) {
        shareCorpus.add(
          "split-\(length)", share.serialized.withUnsafeBytes { Array($0) }, limit: 2)
      }
    }
  }
}

/// The outcome of decoding one input as `target` does, for --classify.
func outcome(of input: [UInt8], target: String) -> String {
  /// The error with its numbers hidden, so that outcomes group by the check that failed.
  func refusal(_ error: any Error) -> String {
    let text = "\(error)".replacing(/[0-9]+/, with: "#")
    return "refused: " + (text.count > 90 ? String(text.prefix(90)) + "…" : text)
  }
  switch target {
  case "FuzzClientMessage", "FuzzServerMessage":
    guard let selector = input.first else { return "empty input" }
    let configuration = FuzzConfigurations.configuration(selectedBy: selector)
    let bytes = Array(input.dropFirst())
    do {
      if target == "FuzzClientMessage" {
        switch try ClientMessage(serializedBytes: bytes, configuration: configuration) {
        case .keyAdvertisement: return "accepted: advertiseKeys"
        case .keyShares: return "accepted: shareKeys"
        case .maskedInput: return "accepted: maskedInput"
        case .consistencySignature: return "accepted: consistencySignature"
        case .unmaskingResponse: return "accepted: unmaskingResponse"
        }
      }
      switch try ServerMessage(serializedBytes: bytes, configuration: configuration) {
      case .sessionAnnouncement: return "accepted: announcement"
      case .keyDirectory: return "accepted: keyDirectory"
      case .shareRelay: return "accepted: shareRelay"
      case .consistencyCheckRequest: return "accepted: consistencyCheck"
      case .unmaskingRequest: return "accepted: unmasking"
      }
    } catch {
      return refusal(error)
    }
  case "FuzzPackedVector":
    guard let input = PackedVectorInput(input) else { return "no valid modulus in the header" }
    do {
      let vector = try ModularVector(
        packedBytes: input.bytes, count: input.count, modulus: input.modulus)
      return "accepted: \(input.modulus.isPowerOfTwo ? "R = 2^b" : "other R"), "
        + (vector.count == 0 ? "empty" : "nonempty")
    } catch {
      return refusal(error)
    }
  case "FuzzSecretShare":
    do {
      _ = try SecretShare(serialized: SecureBytes(input))
      return "accepted"
    } catch {
      return refusal(error)
    }
  default:
    return "unknown target \(target)"
  }
}

let arguments = CommandLine.arguments
if arguments.count >= 4, arguments[1] == "--classify" {
  let target = arguments[2]
  var counts: [String: Int] = [:]
  var total = 0
  for directory in arguments[3...] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    for name in names {
      guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
        continue
      }
      counts[outcome(of: [UInt8](data), target: target), default: 0] += 1
      total += 1
    }
  }
  print("\(target): \(total) corpus inputs")
  for (label, count) in counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
    print(String(repeating: " ", count: max(0, 7 - String(count).count)) + "\(count)  \(label)")
  }
  exit(0)
}
guard arguments.count == 2 else {
  FileHandle.standardError.write(
    Data("usage: FuzzSeeds <directory> | FuzzSeeds --classify <Target> <directory>...\n".utf8))
  exit(2)
}
let output = URL(fileURLWithPath: arguments[1], isDirectory: true)
do {
  print("FuzzSeeds: configurations")
  for (index, entry) in FuzzConfigurations.all.enumerated() {
    print(
      "  \(index): \(entry.name); message limit "
        + "\(WireFormat.maximumMessageByteCount(for: entry.configuration)) bytes")
  }
  var writer = SeedWriter()
  for index in FuzzConfigurations.all.indices { try writer.recordSession(index: index) }
  try writer.recordVectors()
  try writer.recordShares()
  let largestShare = 6 + 8 * ((ShamirSecretSharing.maximumSecretByteCount + 6) / 7)
  // A little beyond each decoder's largest valid input, so the "too long" checks are reached.
  let targets: [(name: String, corpus: Corpus, maxLength: Int)] = [
    ("FuzzClientMessage", writer.clientCorpus, 1 + FuzzConfigurations.maximumMessageByteCount + 16),
    ("FuzzServerMessage", writer.serverCorpus, 1 + FuzzConfigurations.maximumMessageByteCount + 16),
    ("FuzzPackedVector", writer.vectorCorpus, 17 + 4096),
    ("FuzzSecretShare", writer.shareCorpus, largestShare + 8),
  ]
  let files = FileManager.default
  var maxLengths = ""
  for target in targets {
    let directory = output.appendingPathComponent(target.name, isDirectory: true)
    try? files.removeItem(at: directory)
    try files.createDirectory(at: directory, withIntermediateDirectories: true)
    for file in target.corpus.files {
      try Data(file.bytes).write(to: directory.appendingPathComponent(file.name))
    }
    let largest = target.corpus.files.map(\.bytes.count).max() ?? 0
    print(
      "\(target.name): \(target.corpus.files.count) seeds (largest \(largest) bytes), "
        + "max_len \(target.maxLength)")
    maxLengths += "\(target.name) \(target.maxLength)\n"
  }
  try Data(maxLengths.utf8).write(to: output.appendingPathComponent("max_len.txt"))
} catch {
  FileHandle.standardError.write(Data("FuzzSeeds: \(error)\n".utf8))
  exit(1)
}
