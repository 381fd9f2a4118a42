import AggregationCrypto
import AggregationService
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PrivateAggregation

/// `private-aggregation loadtest`: one round on a server, with N clients in this process.
struct LoadTest: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "loadtest",
    abstract: "Create a round and run its clients against a server, each on its own connection.",
    discussion: """
      Creates a round (with the operator token), runs --clients clients in this process, each \
      with its own gRPC connection, and makes round(dropout × clients) of them vanish after \
      the key-shares phase (they stop answering and close their connection, as a killed \
      process would, so the server drops them at the masked-input deadline). Then waits for \
      the result and prints roundID, clients, survivors, exact, refused, epsilonSpent, \
      wallSeconds, clientBytesSent and serverBytesSent.

      exact (--privacy none): every client's update is a vector of integers divided by the \
      plan's scale, so that each encodes to exactly those integers; exact is true when the \
      released sum, in those units, is the sum of the integers of the clients the server \
      counted as survivors, coordinate by coordinate. With privacy, the release is noised on \
      purpose: exact is null and exactExplanation says why. Byte counts are the protocol \
      messages' wire bytes (clients' replies, server's messages), every attempt counted, \
      without gRPC framing. wallSeconds runs from the round's creation to its result (making \
      the inputs comes before). epsilonSpent is the population's total after this round (null \
      without --population).

      Exit status: 0 when the round finished (with an exact sum when exact applies) or was \
      refused by the budget; 1 otherwise.
      """
  )

  @OptionGroup var connection: ServerConnectionOptions

  @Option(help: "The file with the operator's token (serve writes it).")
  var operatorTokenFile = OperatorToken.defaultPath

  @OptionGroup var round: RoundOptions

  @Option(help: "Fraction of clients that vanish after the key-shares phase (0 ≤ p < 0.5).")
  var dropout = 0.0

  @Option(help: "Seed for the inputs and the choice of who vanishes (not for any key).")
  var seed: UInt64?

  @Flag(
    help: ArgumentHelp(
      "Run the round in active mode: signatures and the consistency check.",
      discussion:
        "Each client gets a new identity key; the round is created with their directory."))
  var active = false

  @Flag(help: "Print one JSON object.")
  var json = false

  func validate() throws {
    guard dropout.isFinite, (0..<0.5).contains(dropout) else {
      throw ValidationError("--dropout \(dropout) is out of range; use 0 ≤ p < 0.5")
    }
  }

  /// The clients' updates and, for exact rounds, the integers each encodes to.
  struct Inputs {
    var updates: [[Double]]
    var integers: [[Int64]]?
  }

  /// `count` updates of the plan's dimension within the clip bound: integer multiples of
  /// 1 / scale without privacy (so that the encoding is exactly those integers), small random
  /// values with privacy.
  static func inputs(
    plan: AggregationPlan, count: Int, using generator: inout some RandomNumberGenerator
  ) -> Inputs {
    let dimension = plan.dimension
    let clip = plan.configuration.clipBound
    guard !plan.isPrivate else {
      let bound = 0.9 * clip / Double(dimension).squareRoot()
      let updates = (0..<count).map { _ in
        (0..<dimension).map { _ in Double.random(in: -bound...bound, using: &generator) }
      }
      return Inputs(updates: updates, integers: nil)
    }
    let scale = plan.scale
    // ‖k‖₂ ≤ √m·K, so ‖k / scale‖₂ stays under the clip bound: nothing is clipped.
    let largest = Int64(
      min(1000, max(1, (0.9 * clip * scale / Double(dimension).squareRoot()).rounded(.down))))
    var updates: [[Double]] = []
    var integers: [[Int64]] = []
    // Values in -largest...largest from the top of one 64-bit product each: a bias below
    // 2^-53, immaterial for a test load whose only check is the sum of what was sent.
    let span = UInt64(2 * largest + 1)
    for _ in 0..<count {
      let ks = (0..<dimension).map { _ in
        Int64(generator.next().multipliedFullWidth(by: span).high) - largest
      }
      integers.append(ks)
      updates.append(ks.map { exactValue(encodingTo: $0, scale: scale) })
    }
    return Inputs(updates: updates, integers: integers)
  }

  /// A value v with v × scale == k in floating point, or within one unit in the last place
  /// when no double hits k: the encoder multiplies by the scale, then rounds at random, and
  /// k ± 1 ulp (2^−43 of a unit at |k| ≤ 1000) rounds to k but for a chance of that size.
  static func exactValue(encodingTo k: Int64, scale: Double) -> Double {
    let target = Double(k)
    var value = target / scale
    for _ in 0..<8 where value * scale != target {
      value = value * scale < target ? value.nextUp : value.nextDown
    }
    return value
  }

  func run() async throws {
    ProcessMemory.reuseLargeBuffers()
    let configuration = try round.configuration(expectedDropout: dropout, active: active)
    let plan = try AggregationPlan(configuration)
    // The inputs and the dropout choice: reproducible with --seed (a test load, never a
    // secret), from the system's generator without it.
    var generator =
      seed.map { ChaChaRandomNumberGenerator(insecureDeterministicSeed: $0) }
      ?? ChaChaRandomNumberGenerator()
    let clients = round.clients
    let inputs = Self.inputs(plan: plan, count: clients, using: &generator)
    let vanishing = Set(
      Array(1...clients).shuffled(using: &generator)
        .prefix(Int((dropout * Double(clients)).rounded())))
    // Active mode: one identity per client, from the system's secure source (never --seed).
    var keys: [ParticipantID: IdentityPrivateKey] = [:]
    if active {
      for participant in plan.secureAggregation.participantIDs {
        keys[participant] = IdentityPrivateKey()
      }
    }
    let identityKeys = keys
    let directory = keys.mapValues(\.publicKey)
    let token = try OperatorToken.read(from: operatorTokenFile)
    let connection = self.connection
    let policy = connection.retryPolicy
    let id = round.roundID(prefix: "loadtest")
    let round = self.round
    let traffic = TrafficCounter()
    // The round's time: from its creation to its result, without making the inputs above.
    let started = ContinuousClock.now

    let report: OperatorClient<HTTP2ClientTransport.Posix>.Report = try await withGRPCClient(
      transport: try connection.clientTransport()
    ) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: token, retry: policy)
      let credentials = try await operatorClient.createRound(
        id: id, configuration: configuration, population: round.payer,
        checkInDeadline: round.checkInDeadline.map(duration(seconds:)),
        phaseDeadline: round.phaseDeadline.map(duration(seconds:)),
        identityDirectory: directory)
      try await withThrowingDiscardingTaskGroup { group in
        for credential in credentials {
          let update = inputs.updates[credential.participant - 1]
          let vanishes = vanishing.contains(credential.participant)
          let identity = ParticipantID(credential.participant)
            .flatMap { identityKeys[$0] }
            .map { ClientIdentity(key: $0, directory: directory) }
          group.addTask {
            do {
              try await withGRPCClient(transport: try connection.clientTransport()) { grpc in
                var client = AggregationServiceClient(wrapping: grpc, retry: policy)
                client.pollWait = .seconds(5)
                client.traffic = traffic
                // Two phases answered (keys, shares): gone before the masked input.
                if vanishes { client.vanishAfterPhases = 2 }
                _ = try await client.contribute(
                  update: update, to: credential, expecting: configuration, identity: identity)
              }
            } catch {
              printError("client \(credential.participant): \(error)")
            }
          }
        }
      }
      var report = try await operatorClient.report(of: id)
      while !report.status.isOver {
        report = try await operatorClient.report(of: id, wait: .seconds(10))
      }
      return report
    }
    let wallSeconds = (ContinuousClock.now - started) / .seconds(1)

    var fields: [String: Any] = [
      "roundID": id, "clients": clients,
      "survivors": report.release?.survivors.count ?? 0,
      "refused": report.status == .refused,
      "epsilonSpent": round.population == nil ? NSNull() : report.populationEpsilon as Any,
      "wallSeconds": wallSeconds, "clientBytesSent": traffic.sent,
      "serverBytesSent": traffic.received,
      "securityMode": active ? "active" : "semi-honest",
    ]
    var exact: Bool?
    if let integers = inputs.integers {
      exact = report.release.map { Self.isExact($0, integers: integers, scale: plan.scale) }
      fields["exact"] = exact.map { $0 as Any } ?? NSNull()
      if report.release == nil {
        fields["exactExplanation"] = "the round released no sum (\(report.status.rawValue))"
      }
    } else {
      fields["exact"] = NSNull()
      fields["exactExplanation"] =
        "--privacy \(round.privacy.name) noises the release on purpose; exact applies to "
        + "--privacy none"
    }
    if json {
      try printJSON(fields)
    } else {
      print(
        "round \(id): \(report.status.rawValue); \(fields["survivors"] ?? 0) of \(clients) "
          + "clients in the sum; exact: \(exact.map { "\($0)" } ?? "n/a"); "
          + String(format: "%.2f s", wallSeconds)
          + "; client bytes sent \(traffic.sent), server bytes sent \(traffic.received)")
      if !report.failure.isEmpty { print("reason: \(report.failure)") }
    }
    switch report.status {
    case .refused: return
    case .finished where exact != false: return
    default:
      if report.status != .finished {
        printError("round \(id) ended \(report.status.rawValue): \(report.failure)")
      }
      throw ExitCode.failure
    }
  }

  /// Whether `release`, in integer units, is the sum of its survivors' integers.
  static func isExact(_ release: StoredRelease, integers: [[Int64]], scale: Double) -> Bool {
    guard let dimension = integers.first?.count, release.sum.count == dimension else {
      return false
    }
    var truth = [Int64](repeating: 0, count: dimension)
    for survivor in release.survivors {
      guard integers.indices.contains(survivor - 1) else { return false }
      for (index, value) in integers[survivor - 1].enumerated() { truth[index] += value }
    }
    for (released, expected) in zip(release.sum, truth) {
      let units = (released * scale).rounded()
      guard units.isFinite, abs(units) < 0x1p62, Int64(units) == expected else { return false }
    }
    return true
  }
}
