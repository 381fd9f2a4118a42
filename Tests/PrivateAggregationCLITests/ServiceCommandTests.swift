import AggregationCrypto
import AggregationService
import ArgumentParser
import Foundation
import PrivateAggregation
import Testing

@testable import PrivateAggregationCLI

/// The service commands' parsing and validation: what they refuse before touching a network.
@Suite struct ServiceCommandTests {
  /// The message `parse` fails with for `arguments`; `nil` when they parse.
  static func refusal<Command: ParsableCommand>(
    _ command: Command.Type, _ arguments: [String]
  ) -> String? {
    do {
      _ = try command.parse(arguments)
      return nil
    } catch {
      return command.message(for: error)
    }
  }

  /// Plaintext only on loopback: a non-loopback `--listen` (or `--server`) is refused, with a
  /// message that names the flag and says TLS is needed. (Mutation: `isLoopback` answering
  /// true for every host fails this test.)
  @Test func aNonLoopbackListenIsRefused() throws {
    for host in [
      "10.0.0.1:7070", "0.0.0.0:7070", "[::]:7070", "example.com:7070",
      "127.0.0.1.example.com:7070", "128.0.0.1:7070",
    ] {
      let message = try #require(Self.refusal(Serve.self, ["--listen", host]), "\(host)")
      #expect(message.contains("--listen"))
      #expect(message.contains("TLS"))
    }
    for host in ["127.0.0.1:0", "127.1.2.3:7070", "[::1]:7070", "localhost:7070"] {
      #expect(Self.refusal(Serve.self, ["--listen", host]) == nil, "\(host)")
    }
    let message = try #require(
      Self.refusal(
        Contribute.self,
        [
          "--server", "192.168.1.2:7070", "--round", "r", "--credential", "c", "--input", "i",
        ]))
    #expect(message.contains("--server"))
  }

  /// TLS lifts the loopback rule: `serve` on any address with a certificate and its key, a
  /// client to any server with `--tls` (or trust roots); half a pair of files is refused, naming
  /// the flags, and so is a client certificate authority without a server certificate.
  @Test func theTLSFlagsAreChecked() throws {
    let pair = ["--tls-certificate", "c.pem", "--tls-key", "k.pem"]
    #expect(Self.refusal(Serve.self, ["--listen", "0.0.0.0:7070"] + pair) == nil)
    #expect(
      Self.refusal(Serve.self, ["--listen", "10.0.0.1:7070", "--tls-client-ca", "ca.pem"] + pair)
        == nil)
    for arguments in [
      ["--tls-certificate", "c.pem"], ["--tls-key", "k.pem"], ["--tls-client-ca", "ca.pem"],
    ] {
      let message = try #require(Self.refusal(Serve.self, arguments), "\(arguments)")
      #expect(message.contains("--tls-"))
    }
    let client = ["--round", "r", "--credential", "c", "--input", "i"]
    #expect(
      Self.refusal(Contribute.self, ["--server", "aggregator.example:443", "--tls"] + client)
        == nil)
    #expect(
      Self.refusal(
        Contribute.self,
        ["--server", "192.168.1.2:7070", "--tls-trust-roots", "ca.pem"] + client) == nil)
    let message = try #require(
      Self.refusal(
        Contribute.self,
        ["--server", "127.0.0.1:7070", "--tls-client-certificate", "c.pem"] + client))
    #expect(message.contains("--tls-client-key"))
  }

  /// A `--store` that is neither `sqlite:PATH` nor a PostgreSQL URL is refused, naming the
  /// flag; a password in the URL is refused without being repeated.
  @Test func aBadStoreURLIsRefused() throws {
    for url in ["mysql://u@h:1/d", "sqlite:", "postgres://u@h/d", "private-aggregation.db"] {
      let message = try #require(Self.refusal(Serve.self, ["--store", url]), "\(url)")
      #expect(message.contains("store"))
    }
    let message = try #require(
      Self.refusal(Serve.self, ["--store", "postgres://u:hunter2@h:5432/d"]))
    #expect(!message.contains("hunter2"))
    #expect(Self.refusal(Serve.self, ["--store", "postgres://u@localhost:5432/d"]) == nil)
  }

  /// The operator token is made once, 32 random bytes as hex, in a file only its owner can
  /// read, and read back as is afterwards; secret files are never overwritten.
  @Test func theOperatorTokenFileIsMadeWithMode0600() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("token-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (token, created) = try OperatorToken.readOrCreate(at: path)
    #expect(created)
    #expect(token.count == 64)
    #expect(token.allSatisfy { $0.isHexDigit })
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    let (again, createdAgain) = try OperatorToken.readOrCreate(at: path)
    #expect(!createdAgain)
    #expect(again == token)
    #expect(throws: ValidationError.self) {
      try SecretFile.create("other\n", at: path, flag: "--credentials-out")
    }
    #expect(try OperatorToken.read(from: path) == token)
  }

  /// `round create` refuses an existing credentials file before calling the server.
  @Test func anExistingCredentialsFileIsRefused() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("credentials-\(UUID().uuidString)").path
    try SecretFile.create("x\n", at: path, flag: "--credentials-out")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    let message = try #require(
      Self.refusal(
        RoundCommand.Create.self,
        [
          "--server", "127.0.0.1:7070", "--clients", "10", "--length", "4", "--credentials-out",
          path,
        ]))
    #expect(message.contains("--credentials-out"))
  }

  /// Round options: privacy needs ε or z, a population needs a budget.
  @Test func roundOptionsAreChecked() {
    let base = ["--server", "127.0.0.1:7070", "--clients", "10", "--length", "4"]
    #expect(Self.refusal(LoadTest.self, base + ["--privacy", "central"]) != nil)
    #expect(Self.refusal(LoadTest.self, base + ["--population", "P"]) != nil)
    #expect(Self.refusal(LoadTest.self, base + ["--dropout", "0.6"]) != nil)
    #expect(
      Self.refusal(
        LoadTest.self,
        base + [
          "--privacy", "central", "--epsilon", "1", "--budget", "2",
          "--population", "P",
        ]) == nil)
  }

  /// Exact inputs encode to their integers: v × scale is k to the last bit, and `isExact` accepts the
  /// survivors' integer sum and refuses a release that counts another set of clients.
  @Test func exactInputsAndTheirCheck() throws {
    var configuration = PrivateAggregationConfiguration(
      clientCount: 50, dimension: 64, clipBound: 1, privacy: .none, noise: nil)
    configuration.colludingClients = 2
    let plan = try AggregationPlan(configuration)
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 7)
    let inputs = LoadTest.inputs(plan: plan, count: 3, using: &generator)
    let integers = try #require(inputs.integers)
    for (update, ks) in zip(inputs.updates, integers) {
      for (value, k) in zip(update, ks) {
        #expect(abs(value * plan.scale - Double(k)) <= Double(k).ulp)
      }
      #expect(update.map { $0 * $0 }.reduce(0, +).squareRoot() <= 1)
    }
    let sum = (0..<64).map { index in Double(integers[0][index] + integers[2][index]) / plan.scale }
    let good = StoredRelease(sum: sum, mean: sum, survivors: [1, 3])
    #expect(LoadTest.isExact(good, integers: integers, scale: plan.scale))
    let wrongSet = StoredRelease(sum: sum, mean: sum, survivors: [1, 2])
    #expect(!LoadTest.isExact(wrongSet, integers: integers, scale: plan.scale))
  }

  /// `contribute --input` reads comma- or newline-separated numbers and refuses anything else.
  @Test func contributeReadsItsInput() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("input-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try "1, 2.5\n-3\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try Contribute.readUpdate(from: path) == [1, 2.5, -3])
    try "1, nan".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: ValidationError.self) { try Contribute.readUpdate(from: path) }
  }
}
