import AggregationService
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PrivateAggregation

/// `private-aggregation contribute`: one client from the shell.
struct Contribute: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Take part in a round as one client: check in, answer every phase, and exit.",
    discussion: """
      The credential is a token `round create` wrote (one per line of its --credentials-out \
      file): give the file with --credential (and --participant when it holds several), or the \
      token in the environment variable \(Contribute.credentialVariable). Exit status: 0 when \
      the update is in the released sum, 3 when the client was dropped, 4 when the round ended \
      without a release, 1 on an error.
      """
  )

  /// The environment variable that may hold the token.
  static let credentialVariable = "PRIVATE_AGGREGATION_CREDENTIAL"

  @OptionGroup var connection: ServerConnectionOptions

  @Option(help: "The round's id.")
  var round: String

  @Option(help: "A file with this client's token (or several, one per line: see --participant).")
  var credential: String?

  @Option(help: "With a --credential file of several tokens: the participant whose token to use.")
  var participant: Int?

  @Option(help: "The update: a file of comma- or newline-separated numbers.")
  var input: String

  @Option(help: "The update's weight (weighted rounds only).")
  var weight = 1.0

  @Option(help: "Active rounds: this client's identity key file (identity create wrote it).")
  var identityKey: String?

  @Option(
    help: ArgumentHelp(
      "Active rounds: the directory of every participant's identity public key.",
      discussion:
        "Take it from where the operator publishes it, never from the server: the client checks "
        + "the other clients' signatures against it."))
  var identityKeys: String?

  @Flag(help: "Print one JSON object.")
  var json = false

  func validate() throws {
    if (identityKey == nil) != (identityKeys == nil) {
      throw ValidationError("--identity-key and --identity-keys go together (active rounds)")
    }
    if credential == nil,
      ProcessInfo.processInfo.environment[Self.credentialVariable] == nil
    {
      throw ValidationError(
        "give the client's token: --credential FILE or \(Self.credentialVariable)")
    }
  }

  /// The token to use.
  func token() throws(ValidationError) -> String {
    guard let credential else {
      let token = (ProcessInfo.processInfo.environment[Self.credentialVariable] ?? "")
        .trimmingCharacters(in: .whitespacesAndNewlines)
      guard !token.isEmpty else {
        throw ValidationError("\(Self.credentialVariable) is empty")
      }
      return token
    }
    guard let data = FileManager.default.contents(atPath: credential) else {
      throw ValidationError("--credential \(credential): cannot read it")
    }
    let tokens = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
      .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    if let participant {
      guard let token = tokens.first(where: { $0.hasPrefix("\(participant).") }) else {
        throw ValidationError(
          "--credential \(credential): no token for --participant \(participant)")
      }
      return token
    }
    guard tokens.count == 1, let token = tokens.first else {
      throw ValidationError(
        "--credential \(credential): \(tokens.count) tokens; choose one with --participant")
    }
    return token
  }

  /// The update in `path`: numbers separated by commas, white space or newlines.
  static func readUpdate(from path: String) throws(ValidationError) -> [Double] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ValidationError("--input \(path): cannot read it")
    }
    let fields = String(decoding: data, as: UTF8.self)
      .split(whereSeparator: { $0 == "," || $0.isWhitespace || $0.isNewline })
    var values: [Double] = []
    values.reserveCapacity(fields.count)
    for (index, field) in fields.enumerated() {
      guard let value = Double(field), value.isFinite else {
        throw ValidationError(
          "--input \(path): value \(index + 1) (\(field.prefix(32))) is not a finite number")
      }
      values.append(value)
    }
    return values
  }

  /// Active mode: the identity of `participant` from --identity-key and --identity-keys, checked
  /// to be that participant's key in the directory; `nil` without them.
  func identity(of participant: Int) throws(ValidationError) -> ClientIdentity? {
    guard let identityKey, let identityKeys else { return nil }
    let directory = try IdentityFiles.readDirectory(identityKeys, flag: "--identity-keys")
    let key = try IdentityFiles.readKey(identityKey, flag: "--identity-key")
    guard let id = ParticipantID(participant), directory[id] == key.publicKey else {
      throw ValidationError(
        "--identity-key \(identityKey): not the key of participant \(participant) in the "
          + "directory \(identityKeys)")
    }
    return ClientIdentity(key: key, directory: directory)
  }

  func run() async throws {
    ProcessMemory.reuseLargeBuffers()
    let token = try token()
    guard let participant = Int(token.prefix(while: \.isNumber)) else {
      throw ValidationError("the credential is not a client token (PARTICIPANT.SECRET)")
    }
    let credential = RoundCredential(roundID: round, participant: participant, token: token)
    let update = try Self.readUpdate(from: input)
    let identity = try identity(of: participant)
    let policy = connection.retryPolicy
    let weight = self.weight
    let outcome = try await withGRPCClient(transport: try connection.clientTransport()) {
      grpc in
      var client = AggregationServiceClient(wrapping: grpc, retry: policy)
      client.pollWait = .seconds(5)
      return try await client.contribute(
        update: update, weight: weight, to: credential, identity: identity)
    }
    let (name, answered, code): (String, Int, Int32)
    switch outcome {
    case .finished(let phases): (name, answered, code) = ("finished", phases, 0)
    case .dropped(let phases): (name, answered, code) = ("dropped", phases, 3)
    case .ended(let status, let phases): (name, answered, code) = (status.rawValue, phases, 4)
    }
    if json {
      try printJSON([
        "roundID": round, "participant": participant, "outcome": name,
        "answeredPhases": answered,
      ])
    } else {
      print("participant \(participant) of round \(round): \(name) after \(answered) phases")
    }
    if code != 0 { throw ExitCode(code) }
  }
}
