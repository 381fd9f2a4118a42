import AggregationCrypto
import ArgumentParser
import Dispatch
import SecureAggregation

/// `private-aggregation simulate`: one in-memory aggregation round.
///
/// This first version runs one round of the masking at the heart of secure aggregation, with
/// every client surviving: each client adds a self mask (from its own seed) and, for every other
/// client, a pairwise mask (from an X25519 agreement, ± by id order) to its vector; it Shamir-shares
/// its self-mask seed among the others. The server sums the masked vectors (the pairwise masks
/// cancel), rebuilds every self-mask seed from `threshold` shares, removes the self masks, and
/// checks the result against the plaintext sum. Dropout recovery, the state machines and the
/// wire format come with the full protocol.
struct Simulate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run one in-memory masking round and check the server's sum.",
    discussion: """
      Every client masks a random vector in Z_R with a self mask and pairwise masks; the server \
      sums, unmasks with Shamir-rebuilt self-mask seeds, and checks the sum against the plaintext \
      sum. All clients survive in this version (dropout recovery comes with the full protocol).
      """
  )

  @Option(help: "Number of clients (2...1000).")
  var clients = 100

  @Option(help: "Vector length per client (1...10000000).")
  var length = 100_000

  @Option(help: "Modulus bit width b, R = 2^b (1...64).")
  var bits = 32

  @Option(help: "Shamir threshold t for the self-mask seeds (default: ⌊2n/3⌋ + 1).")
  var threshold: Int?

  @Option(help: "Seed for reproducible runs (insecure: makes every key predictable).")
  var insecureSeed: UInt64?

  func validate() throws {
    guard (2...1000).contains(clients) else {
      throw ValidationError("--clients \(clients) is out of range; use 2...1000")
    }
    guard (1...10_000_000).contains(length) else {
      throw ValidationError("--length \(length) is out of range; use 1...10000000")
    }
    guard (1...64).contains(bits) else {
      throw ValidationError("--bits \(bits) is out of range; use 1...64")
    }
    if let threshold, !(1...clients).contains(threshold) {
      throw ValidationError("--threshold \(threshold) is out of range; use 1...\(clients)")
    }
  }

  func run() throws {
    let modulus = try Modulus(bitWidth: bits)
    let threshold = threshold ?? (2 * clients / 3 + 1)
    let source: RandomSource = insecureSeed.map { .insecureDeterministic(seed: $0) } ?? .system
    let session = SecureBytes(randomCount: 32, from: source).unprotectedArray
    let inputs = ChaChaRandomNumberGenerator(insecureDeterministicSeed: insecureSeed ?? 0)

    // Round 0: every client draws its masking key pair and self-mask seed.
    let keys = (0..<clients).map { _ in KeyAgreement.PrivateKey(from: source) }
    let seeds = (0..<clients).map { _ in SecureBytes(randomCount: 32, from: source) }
    let ids = (1...clients).map { UInt16($0) }

    // Round 1: every client shares its seed among all clients.
    var received = [[SecretShare]](repeating: [], count: clients)
    for seed in seeds {
      let shares = try ShamirSecretSharing.split(
        seed, threshold: threshold, shareIDs: ids, randomSource: source)
      for (holder, share) in shares.enumerated() { received[holder].append(share) }
    }

    // Round 2: every client masks its vector; the server adds it into one running sum.
    var plaintextSum = [UInt64](repeating: 0, count: length)
    var serverSum = [UInt64](repeating: 0, count: length)
    var clientNanoseconds: UInt64 = 0
    for client in 0..<clients {
      let input = (0..<length).map { _ in inputs.next() & modulus.maximumElement }
      for index in 0..<length {
        plaintextSum[index] = modulus.add(plaintextSum[index], input[index])
      }
      let start = DispatchTime.now().uptimeNanoseconds
      let masked = try mask(
        input, client: client, keys: keys, seed: seeds[client], session: session,
        modulus: modulus)
      clientNanoseconds += DispatchTime.now().uptimeNanoseconds - start
      for index in 0..<length { serverSum[index] = modulus.add(serverSum[index], masked[index]) }
    }

    // Round 3: every seed is rebuilt from `threshold` shares and its self mask removed.
    let serverStart = DispatchTime.now().uptimeNanoseconds
    for client in 0..<clients {
      let shares = (0..<threshold).map { received[(client + 1 + $0) % clients][client] }
      let seed = try ShamirSecretSharing.reconstruct(from: shares, threshold: threshold)
      try selfMask(seed, client: client, session: session, modulus: modulus)
        .apply(.subtract, to: &serverSum)
    }
    let serverNanoseconds = DispatchTime.now().uptimeNanoseconds - serverStart

    let correct = serverSum == plaintextSum
    print("clients \(clients), length \(length), modulus \(modulus), threshold \(threshold)")
    print(
      "client masking: \(milliseconds(clientNanoseconds / UInt64(clients))) ms per client "
        + "(\(clients - 1) pairwise masks + 1 self mask)")
    print("server unmasking: \(milliseconds(serverNanoseconds)) ms (\(clients) seeds rebuilt)")
    print("sum matches the plaintext sum: \(correct ? "yes" : "NO")")
    if !correct { throw ExitCode.failure }
  }

  private func mask(
    _ input: [UInt64], client: Int, keys: [KeyAgreement.PrivateKey], seed: SecureBytes,
    session: [UInt8], modulus: Modulus
  ) throws -> [UInt64] {
    var masked = input
    try selfMask(seed, client: client, session: session, modulus: modulus).apply(.add, to: &masked)
    for peer in keys.indices where peer != client {
      let (low, high) = (min(client, peer), max(client, peer))
      let context = KeyDerivationContext(
        purpose: "pairwise-mask",
        fields: [
          session, [UInt8(truncatingIfNeeded: low >> 8), UInt8(truncatingIfNeeded: low)],
          [UInt8(truncatingIfNeeded: high >> 8), UInt8(truncatingIfNeeded: high)],
          keys[low].publicKey.rawRepresentation, keys[high].publicKey.rawRepresentation,
        ])
      let key = try keys[client].sharedSecret(with: keys[peer].publicKey)
        .deriveSymmetricKey(context: context)
      // The lower id adds the pairwise mask, the higher id subtracts it: they cancel in the sum.
      try MaskGenerator(key: key, modulus: modulus).apply(
        client < peer ? .add : .subtract, to: &masked)
    }
    return masked
  }

  private func selfMask(_ seed: SecureBytes, client: Int, session: [UInt8], modulus: Modulus)
    throws -> MaskGenerator
  {
    try MaskGenerator(
      seed: seed,
      context: KeyDerivationContext(
        purpose: "self-mask",
        fields: [
          session, [UInt8(truncatingIfNeeded: client >> 8), UInt8(truncatingIfNeeded: client)],
        ]),
      modulus: modulus)
  }

  private func milliseconds(_ nanoseconds: UInt64) -> String {
    let tenths = (nanoseconds + 50_000) / 100_000
    return "\(tenths / 10).\(tenths % 10)"
  }
}
