import AggregationCrypto
import ArgumentParser
import Foundation
import SecureAggregation

/// `private-aggregation identity create`: the identity keys of an active round's clients.
struct IdentityCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "identity",
    abstract: "Make the Ed25519 identity keys that active-mode rounds sign with.",
    subcommands: [Create.self]
  )

  /// `identity create`.
  struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Make one identity key per client and the directory of their public keys.",
      discussion: """
        Writes, in the new directory --out: `directory`, the public keys (one line \
        `PARTICIPANT HEX` per client), which the operator publishes and gives to `round create \
        --identity-keys` and to each client's `contribute --identity-keys`; and `N.key` for \
        each participant N, its secret key (mode 0600), which goes to that client only \
        (`contribute --identity-key`). Keys come from the system's secure random source.
        """
    )

    @Option(help: "Number of clients n (2...65535).")
    var clients: Int

    @Option(help: "A new directory to write the keys to.")
    var out: String

    func validate() throws {
      guard (2...65_535).contains(clients) else {
        throw ValidationError("--clients \(clients) is out of range; use 2...65535")
      }
      guard !FileManager.default.fileExists(atPath: out) else {
        throw ValidationError("--out \(out): it exists already; give a new directory")
      }
    }

    func run() throws {
      guard mkdir(out, 0o700) == 0 else {
        throw ValidationError(
          "--out \(out): cannot create it (\(String(cString: strerror(errno))))")
      }
      var directory: [ParticipantID: IdentityPublicKey] = [:]
      for participant in 1...clients {
        guard let id = ParticipantID(participant) else { continue }
        let key = IdentityPrivateKey()
        try SecretFile.create(
          secret: IdentityFiles.keyFileBytes(key), at: "\(out)/\(participant).key", flag: "--out")
        directory[id] = key.publicKey
      }
      let path = "\(out)/directory"
      do {
        try IdentityFiles.directoryText(directory).write(
          toFile: path, atomically: true, encoding: .utf8)
      } catch {
        throw ValidationError("--out \(out): cannot write \(path): \(error)")
      }
      print("wrote \(clients) identity keys (\(out)/N.key, mode 0600) and their directory \(path)")
    }
  }
}
