import AggregationCrypto
import ArgumentParser
import Foundation
import SecureAggregation

/// The files of active mode's identities.
///
/// - The directory (public): one line per participant, `PARTICIPANT HEX`, with the
///   participant's Ed25519 identity public key in 64 hexadecimal digits; blank lines and lines
///   starting with `#` are skipped. The operator publishes it; `round create --identity-keys`
///   gives it to the server and `contribute --identity-keys` to each client, which checks the
///   other clients' signatures against it (never against anything the server sends).
/// - A key file (secret, mode 0600): one participant's 32-byte Ed25519 seed in 64
///   hexadecimal digits.
enum IdentityFiles {
  /// The longest key file read: 64 digits and some white space.
  static let longestKeyFile = 128

  /// The directory in `path`, checked: every line well formed, each participant once, each key
  /// a valid Ed25519 public key (not of small order).
  static func readDirectory(_ path: String, flag: String) throws(ValidationError)
    -> [ParticipantID: IdentityPublicKey]
  {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ValidationError("\(flag) \(path): cannot read it")
    }
    return try parseDirectory(String(decoding: data, as: UTF8.self), source: "\(flag) \(path)")
  }

  /// The directory in `text` (``readDirectory(_:flag:)``); errors begin with `source`.
  static func parseDirectory(_ text: String, source: String) throws(ValidationError)
    -> [ParticipantID: IdentityPublicKey]
  {
    var directory: [ParticipantID: IdentityPublicKey] = [:]
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let fields = trimmed.split(whereSeparator: \.isWhitespace)
      guard fields.count == 2, let number = Int(fields[0]), let id = ParticipantID(number),
        fields[1].count == 2 * Signing.publicKeyByteCount,
        let bytes = [UInt8](hex: String(fields[1])),
        let key = try? IdentityPublicKey(rawRepresentation: bytes)
      else {
        throw ValidationError(
          "\(source): line \(index + 1) is not `PARTICIPANT HEX` with a participant in "
            + "1...65535 and a valid Ed25519 public key in 64 hexadecimal digits")
      }
      guard directory.updateValue(key, forKey: id) == nil else {
        throw ValidationError("\(source): participant \(number) appears twice")
      }
    }
    guard !directory.isEmpty else { throw ValidationError("\(source): no participant") }
    return directory
  }

  /// The directory's text for `directory`, in participant order.
  static func directoryText(_ directory: [ParticipantID: IdentityPublicKey]) -> String {
    var text = "# participant, Ed25519 identity public key (private-aggregation identity create)\n"
    for (id, key) in directory.sorted(by: { $0.key.index < $1.key.index }) {
      text += "\(id.index) \(key.rawRepresentation.hexString)\n"
    }
    return text
  }

  /// Checks that `directory` names exactly participants 1...`clients`.
  static func check(
    _ directory: [ParticipantID: IdentityPublicKey], clients: Int, flag: String
  ) throws(ValidationError) {
    let numbers = Set(directory.keys.map(\.index))
    guard numbers == Set(1...max(clients, 1)) else {
      let missing = Set(1...max(clients, 1)).subtracting(numbers).sorted().prefix(5)
      let extra = numbers.subtracting(1...clients).sorted().prefix(5)
      throw ValidationError(
        "\(flag): the directory must name participants 1...\(clients), each once"
          + (missing.isEmpty ? "" : "; missing \(missing.map(String.init).joined(separator: ", "))")
          + (extra.isEmpty ? "" : "; extra \(extra.map(String.init).joined(separator: ", "))"))
    }
  }

  /// The identity key in the key file at `path`: read into wiped memory, decoded without a
  /// branch or table lookup on the digits; the error never shows the file's content.
  static func readKey(_ path: String, flag: String) throws(ValidationError) -> IdentityPrivateKey {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw ValidationError("\(flag) \(path): cannot read it (\(String(cString: strerror(errno))))")
    }
    defer { close(descriptor) }
    var buffer = SecureBytes(zeroedCount: longestKeyFile + 1)
    var length = 0
    while length < buffer.count {
      let read = buffer.withUnsafeMutableBytes { bytes in
        guard let base = bytes.baseAddress else { return -1 }
        return Foundation.read(descriptor, base + length, bytes.count - length)
      }
      guard read >= 0 else { throw ValidationError("\(flag) \(path): cannot read it") }
      if read == 0 { break }
      length += read
    }
    guard length <= longestKeyFile, let seed = decodeSeed(buffer, length: length) else {
      throw ValidationError(
        "\(flag) \(path): not an identity key file (64 hexadecimal digits of an Ed25519 seed)")
    }
    do {
      return try IdentityPrivateKey(seed: seed)
    } catch {
      throw ValidationError("\(flag) \(path): not an identity key: \(error)")
    }
  }

  /// The 32-byte seed whose 64 hexadecimal digits are the first `length` bytes of `text`, with
  /// white space before and after; `nil` for anything else. The digits are decoded in constant
  /// time; only the format (where the digits are, whether all were digits) decides `nil`.
  static func decodeSeed(_ text: SecureBytes, length: Int) -> SecureBytes? {
    text.withUnsafeBytes { (bytes) -> SecureBytes? in
      let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
      var start = 0
      while start < length, isSpace(bytes[start]) { start += 1 }
      var end = length
      while end > start, isSpace(bytes[end - 1]) { end -= 1 }
      guard end - start == 2 * Signing.seedByteCount else { return nil }
      var seed = SecureBytes(zeroedCount: Signing.seedByteCount)
      var valid: UInt8 = 1
      seed.withUnsafeMutableBytes { out in
        for index in 0..<Signing.seedByteCount {
          let high = hexDigit(bytes[start + 2 * index])
          let low = hexDigit(bytes[start + 2 * index + 1])
          valid &= high.valid & low.valid
          out[index] = high.value << 4 | low.value
        }
      }
      return valid == 1 ? seed : nil
    }
  }

  /// The value of the hexadecimal digit `c` (either case), and 1 in `valid` when it is one;
  /// computed with masks, without a branch or table lookup on `c`.
  static func hexDigit(_ c: UInt8) -> (value: UInt8, valid: UInt8) {
    let digit = c &- 0x30  // "0"..."9" → 0...9
    let isDigit = UInt8(truncatingIfNeeded: (UInt16(digit) &- 10) >> 8) & 1
    let letter = (c | 0x20) &- 0x61  // "a"..."f" (and "A"..."F") → 0...5
    let isLetter = UInt8(truncatingIfNeeded: (UInt16(letter) &- 6) >> 8) & 1
    let value = (digit & (0 &- isDigit)) | ((letter &+ 10) & (0 &- isLetter))
    return (value & 0x0F, isDigit | isLetter)
  }

  /// A key file's content, in wiped memory: the seed's 64 hexadecimal digits (encoded without
  /// a branch or table lookup on the seed) and a newline.
  static func keyFileBytes(_ key: IdentityPrivateKey) -> SecureBytes {
    let seed = key.seed
    var text = SecureBytes(zeroedCount: 2 * Signing.seedByteCount + 1)
    seed.withUnsafeBytes { seedBytes in
      text.withUnsafeMutableBytes { out in
        for (index, byte) in seedBytes.enumerated() {
          out[2 * index] = hexCharacter(byte >> 4)
          out[2 * index + 1] = hexCharacter(byte & 0x0F)
        }
        out[2 * Signing.seedByteCount] = 0x0A
      }
    }
    return text
  }

  /// The lowercase hexadecimal digit of `nibble` (0...15), with masks: "0"..."9", then "a"..."f".
  static func hexCharacter(_ nibble: UInt8) -> UInt8 {
    let aboveNine = UInt8(truncatingIfNeeded: (UInt16(9) &- UInt16(nibble)) >> 8)  // 0xFF when > 9
    return 0x30 &+ nibble &+ (aboveNine & 0x27)
  }
}
