/// Hexadecimal encoding of public bytes, for tests, logs of public values and the CLI.
extension Array where Element == UInt8 {
  /// Parses a hexadecimal string; whitespace and `:` separators are ignored.
  ///
  /// Returns `nil` for an odd number of digits or a character that is not a hex digit.
  package init?(hex: String) {
    var bytes: [UInt8] = []
    var pending: UInt8?
    for character in hex.unicodeScalars {
      if character == " " || character == "\n" || character == ":" { continue }
      guard let digit = UInt8(String(character), radix: 16) else { return nil }
      if let high = pending {
        bytes.append(high << 4 | digit)
        pending = nil
      } else {
        pending = digit
      }
    }
    guard pending == nil else { return nil }
    self = bytes
  }

  /// The bytes as lowercase hexadecimal.
  package var hexString: String {
    let digits = Array("0123456789abcdef".utf8)
    var characters: [UInt8] = []
    characters.reserveCapacity(count * 2)
    for byte in self {
      characters.append(digits[Int(byte >> 4)])
      characters.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: characters, as: UTF8.self)
  }
}
