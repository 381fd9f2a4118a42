import AggregationCrypto
import ArgumentParser
import Foundation
import SecureAggregation
import Testing

@testable import PrivateAggregationCLI

/// Active mode's files on the command line: the public directory, the secret key files and
/// `identity create`; what is malformed is refused with a message, never a trap.
@Suite struct IdentityFilesTests {
  static func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory
      .appendingPathComponent("\(name)-\(UUID().uuidString)").path
  }

  /// Every byte: the constant-time digit decoder agrees with Swift's own radix-16 parser
  /// (an independent reference), in value and validity.
  @Test func hexDigitsDecodeAsTheStandardLibraryDoes() {
    for byte in UInt8.min...UInt8.max {
      let (value, valid) = IdentityFiles.hexDigit(byte)
      let reference = UInt8(String(UnicodeScalar(byte)), radix: 16)
      #expect((valid == 1) == (reference != nil), "byte \(byte)")
      if let reference { #expect(value == reference, "byte \(byte)") }
    }
    for nibble in UInt8(0)...15 {
      #expect(
        IdentityFiles.hexCharacter(nibble) == Array(String(nibble, radix: 16).utf8)[0],
        "nibble \(nibble)")
    }
  }

  /// A key written by `keyFileBytes` reads back as the same key (its public key the same), with
  /// white space around the digits; 63 or 65 digits, a non-digit and an over-long file are
  /// refused without showing the content.
  @Test func keyFilesRoundTripAndBadOnesAreRefused() throws {
    let key = IdentityPrivateKey()
    let path = Self.temporaryPath("key")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try SecretFile.create(secret: IdentityFiles.keyFileBytes(key), at: path, flag: "--out")
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    #expect(try IdentityFiles.readKey(path, flag: "--identity-key").publicKey == key.publicKey)
    let digits = key.seed.unprotectedArray.hexString
    #expect(digits.count == 64)
    for (text, valid) in [
      ("  \(digits.uppercased())\r\n", true),
      (String(digits.dropLast()), false),
      (digits + "0", false),
      (String(digits.dropLast()) + "g", false),
      (digits + "\n" + String(repeating: " ", count: 100), false),
    ] {
      try? FileManager.default.removeItem(atPath: path)
      try text.write(toFile: path, atomically: false, encoding: .utf8)
      if valid {
        #expect(try IdentityFiles.readKey(path, flag: "--identity-key").publicKey == key.publicKey)
      } else {
        #expect {
          _ = try IdentityFiles.readKey(path, flag: "--identity-key")
        } throws: { error in
          let message = "\(error)"
          return message.contains("--identity-key") && !message.contains(String(digits.prefix(16)))
        }
      }
    }
  }

  /// A directory round-trips through its text; a malformed line, a participant out of range or
  /// named twice, a key of the wrong length and a small-order key are refused with the line.
  @Test func directoriesRoundTripAndBadOnesAreRefused() throws {
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    for participant in 1...3 {
      let id = try #require(ParticipantID(participant))
      directory[id] = IdentityPrivateKey().publicKey
    }
    let text = IdentityFiles.directoryText(directory)
    #expect(try IdentityFiles.parseDirectory(text, source: "test") == directory)
    try IdentityFiles.check(directory, clients: 3, flag: "--identity-keys")
    #expect(throws: ValidationError.self) {
      try IdentityFiles.check(directory, clients: 4, flag: "--identity-keys")
    }
    let first = try #require(ParticipantID(1))
    let one = try #require(directory[first]).rawRepresentation.hexString
    // The identity point (1, then zeros) is of small order: no identity.
    let smallOrder = "01" + String(repeating: "0", count: 62)
    for bad in [
      "1 \(one) extra", "0 \(one)", "65536 \(one)", "x \(one)", "1 \(one.dropLast(2))",
      "1 \(one)\n1 \(one)", "2 \(smallOrder)", "", "# only a comment",
    ] {
      #expect(throws: ValidationError.self, "\(bad)") {
        _ = try IdentityFiles.parseDirectory(bad, source: "test")
      }
    }
  }

  /// `identity create` writes one 0600 key per client and a directory naming exactly their
  /// public keys; it refuses an existing --out; `contribute` needs both identity flags or
  /// neither.
  @Test func identityCreateWritesMatchingKeys() throws {
    let out = Self.temporaryPath("identities")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let command = try IdentityCommand.Create.parse(["--clients", "4", "--out", out])
    try command.run()
    let directory = try IdentityFiles.readDirectory("\(out)/directory", flag: "--identity-keys")
    try IdentityFiles.check(directory, clients: 4, flag: "--identity-keys")
    for participant in 1...4 {
      let path = "\(out)/\(participant).key"
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
      let key = try IdentityFiles.readKey(path, flag: "--identity-key")
      let id = try #require(ParticipantID(participant))
      #expect(directory[id] == key.publicKey)
    }
    #expect(throws: (any Error).self) {
      _ = try IdentityCommand.Create.parse(["--clients", "4", "--out", out])
    }
    let base = [
      "--server", "127.0.0.1:7070", "--round", "r", "--credential", "c", "--input", "i",
    ]
    #expect(
      ServiceCommandTests.refusal(Contribute.self, base + ["--identity-key", "k"])?
        .contains("go together") == true)
    #expect(
      ServiceCommandTests.refusal(
        Contribute.self, base + ["--identity-key", "k", "--identity-keys", "d"]) == nil)
  }
}
